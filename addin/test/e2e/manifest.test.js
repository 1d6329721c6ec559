// `sendguard manifest` from the real binary: the unified manifest validates
// offline against the JSON schema @microsoft/app-manifest ships, the icons
// it writes have the sizes the schema asks for, and bad input exits 3 with
// a message that names the problem.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import appManifest from "@microsoft/app-manifest";
import officeManifest from "office-addin-manifest";
import { sendguardBinary } from "./support.js";

const { ManifestUtil } = appManifest;
const require = createRequire(import.meta.url);
const APP_ID = "0f3c2a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6";

/** The schema copy shipped in the package, for the version we render. */
function schemaFor(version) {
  const dir = join(require.resolve("@microsoft/app-manifest/package.json"), "..", "build", "json-schemas", "teams", `v${version}`);
  return JSON.parse(readFileSync(join(dir, "MicrosoftTeams.schema.json"), "utf8"));
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(buf) {
  assert.equal(buf.subarray(1, 4).toString("latin1"), "PNG");
  return [buf.readUInt32BE(16), buf.readUInt32BE(20)];
}

const bin = sendguardBinary();

test("--out writes a unified manifest that passes the schema, with its icons", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "sendguard-manifest-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const mode of ["softBlock", "block", "promptUser"]) {
    await t.test(mode, async () => {
      const r = spawnSync(bin, ["manifest", "--base-url", "https://sendguard.example.nhs.uk/", "--app-id", APP_ID, "--send-mode", mode, "--out", dir], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      const m = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
      const errors = await ManifestUtil.validateManifestAgainstSchema(m, schemaFor(m.manifestVersion));
      assert.deepEqual(errors, []);
      assert.equal(m.extensions[0].autoRunEvents[0].events[0].options.sendMode, mode);
      assert.deepEqual(pngSize(readFileSync(join(dir, m.icons.color))), [192, 192]);
      assert.deepEqual(pngSize(readFileSync(join(dir, m.icons.outline))), [32, 32]);
      const xml = readFileSync(join(dir, "manifest.xml"), "utf8");
      assert.match(xml, new RegExp(`SendMode="${mode[0].toUpperCase() + mode.slice(1)}"`));
    });
  }
});

test("Office's own manifest reader accepts both renderings", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sendguard-manifest-"));
  try {
    const r = spawnSync(bin, ["manifest", "--base-url", "https://sendguard.example.nhs.uk", "--app-id", APP_ID, "--out", dir], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const xml = await officeManifest.OfficeAddinManifest.readManifestFile(join(dir, "manifest.xml"));
    assert.deepEqual(
      { id: xml.id, type: xml.officeAppType, hosts: xml.hosts, permissions: xml.permissions, domains: xml.appDomains },
      { id: APP_ID, type: "MailApp", hosts: ["Mailbox"], permissions: "ReadWriteItem", domains: ["https://sendguard.example.nhs.uk"] },
    );
    const json = await officeManifest.OfficeAddinManifest.readManifestFile(join(dir, "manifest.json"));
    assert.deepEqual({ id: json.id, hosts: json.hosts, permissions: json.permissions }, { id: APP_ID, hosts: ["mail"], permissions: "MailboxItem.ReadWrite.User" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("without --out the XML goes to stdout", () => {
  const r = spawnSync(bin, ["manifest", "--base-url", "https://sendguard.example.nhs.uk", "--app-id", APP_ID], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^<\?xml version="1.0" encoding="UTF-8"\?>\n/);
  assert.match(r.stdout, /<bt:Url id="JSRuntime.Url" DefaultValue="https:\/\/sendguard.example.nhs.uk\/addin\/launchevent.js"\/>/);
});

test("bad input exits 3 and names the problem", async (t) => {
  const table = {
    "http base URL": { args: ["--base-url", "http://sendguard.example", "--app-id", APP_ID], want: /base URL must use https/ },
    "missing app id": { args: ["--base-url", "https://sendguard.example"], want: /app ID must be a GUID/ },
    "unknown send mode": { args: ["--base-url", "https://sendguard.example", "--app-id", APP_ID, "--send-mode", "SoftBlock"], want: /send mode must be one of softBlock, block, promptUser/ },
    "stray argument": { args: ["--base-url", "https://sendguard.example", "--app-id", APP_ID, "extra"], want: /unexpected argument "extra"/ },
    "unknown flag": { args: ["--nope"], want: /flag provided but not defined: -nope/ },
  };
  for (const [name, c] of Object.entries(table)) {
    await t.test(name, () => {
      const r = spawnSync(bin, ["manifest", ...c.args], { encoding: "utf8" });
      assert.equal(r.status, 3);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, c.want);
    });
  }
});
