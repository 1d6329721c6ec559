// Tests of the loader and of the module's error contract, run by
// `make test-wasm` (node --test) against the module `make wasm` built.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { loadSendguard, missingGlobals, SendguardLoadError } from "./loader.js";

const dist = join(dirname(fileURLToPath(import.meta.url)), "../dist");

/** Parses an error envelope and returns its error, failing otherwise. */
function errorOf(s) {
  assert.equal(typeof s, "string");
  const e = JSON.parse(s).error;
  assert.ok(e && typeof e.code === "string" && typeof e.message === "string", `not an error envelope: ${s}`);
  return e;
}

describe("missingGlobals", () => {
  const full = {
    WebAssembly: { instantiate() {} },
    crypto: { getRandomValues() {} },
    performance: { now() {} },
    TextEncoder: class {},
    TextDecoder: class {},
  };
  const cases = {
    "node has everything": { g: globalThis, want: [] },
    "a complete runtime": { g: full, want: [] },
    "an empty runtime": {
      g: {},
      want: ["WebAssembly", "crypto.getRandomValues", "performance.now", "TextEncoder", "TextDecoder"],
    },
    "no WebAssembly (classic Outlook's JS-only runtime)": { g: { ...full, WebAssembly: undefined }, want: ["WebAssembly"] },
    "crypto without getRandomValues": { g: { ...full, crypto: {} }, want: ["crypto.getRandomValues"] },
    "no text codecs": { g: { ...full, TextEncoder: undefined, TextDecoder: undefined }, want: ["TextEncoder", "TextDecoder"] },
  };
  for (const [name, { g, want }] of Object.entries(cases)) {
    test(name, () => assert.deepEqual(missingGlobals(g), want));
  }
});

describe("loadSendguard", () => {
  test("reports every missing global and does not start", async () => {
    const saved = { TextEncoder: globalThis.TextEncoder, TextDecoder: globalThis.TextDecoder };
    delete globalThis.TextEncoder;
    delete globalThis.TextDecoder;
    try {
      await assert.rejects(loadSendguard({ baseUrl: dist }), (err) => {
        assert.ok(err instanceof SendguardLoadError);
        assert.equal(err.code, "unsupported");
        assert.deepEqual(err.missing, ["TextEncoder", "TextDecoder"]);
        assert.match(err.message, /lacks TextEncoder, TextDecoder/);
        return true;
      });
    } finally {
      Object.assign(globalThis, saved);
    }
  });

  test("a directory without a manifest is a fetch error", async () => {
    await assert.rejects(loadSendguard({ baseUrl: join(dist, "no-such-dir") }), { name: "SendguardLoadError", code: "fetch" });
  });

  test("a manifest naming a missing module is a fetch error", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sendguard-loader-"));
    try {
      await writeFile(join(dir, "engine-manifest.json"), JSON.stringify({ wasm: "engine.0000000000000000.wasm", sha256: "0".repeat(64) }));
      await assert.rejects(loadSendguard({ baseUrl: dir }), { name: "SendguardLoadError", code: "fetch" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("a module that is not WebAssembly is a compile error", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sendguard-loader-"));
    try {
      await writeFile(join(dir, "engine-manifest.json"), JSON.stringify({ wasm: "engine.1111111111111111.wasm", sha256: "1".repeat(64) }));
      await writeFile(join(dir, "engine.1111111111111111.wasm"), "<html>a proxy's error page</html>");
      await writeFile(join(dir, "wasm_exec.js"), await readFile(join(dist, "wasm_exec.js")));
      await assert.rejects(loadSendguard({ baseUrl: dir }), { name: "SendguardLoadError", code: "compile" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("a manifest that is not JSON is a fetch error", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sendguard-loader-"));
    try {
      await writeFile(join(dir, "engine-manifest.json"), "<html>");
      await assert.rejects(loadSendguard({ baseUrl: dir }), { name: "SendguardLoadError", code: "fetch" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("a bundled manifest skips the manifest fetch", async () => {
    const manifest = JSON.parse(await readFile(join(dist, "engine-manifest.json"), "utf8"));
    // A directory with the module and wasm_exec.js but no manifest.
    const dir = await mkdtemp(join(tmpdir(), "sendguard-loader-"));
    try {
      for (const f of [manifest.wasm, "wasm_exec.js"]) await writeFile(join(dir, f), await readFile(join(dist, f)));
      const sg = await loadSendguard({ baseUrl: dir, manifest });
      assert.equal(sg.version, manifest.version);
      await assert.rejects(loadSendguard({ baseUrl: dir }), { code: "fetch" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("no baseUrl is a fetch error, not a crash", async () => {
    await assert.rejects(loadSendguard({}), { name: "SendguardLoadError", code: "fetch" });
  });

  test("an invalid tenant policy rejects with the fields named", async () => {
    await assert.rejects(loadSendguard({ baseUrl: dist, policyJSON: "{\"id\":\"\"}" }), (err) => {
      assert.equal(err.code, "policy");
      assert.equal(err.error.code, "invalid");
      assert.match(err.error.message, /\bid\b/);
      return true;
    });
  });

  test("the manifest names the module by its content", async () => {
    const manifest = JSON.parse(await readFile(join(dist, "engine-manifest.json"), "utf8"));
    const bytes = await readFile(join(dist, manifest.wasm));
    assert.equal(createHash("sha256").update(bytes).digest("hex"), manifest.sha256);
    assert.equal(bytes.length, manifest.bytes);
    assert.ok(manifest.wasm.includes(manifest.sha256.slice(0, 16)));
    const sg = await loadSendguard({ baseUrl: dist });
    assert.equal(sg.version, manifest.version);
  });
});

describe("the module never throws and answers errors as envelopes", async () => {
  const sg = await loadSendguard({ baseUrl: dist });
  const check = {
    "not JSON": { arg: "{nope", code: "invalid" },
    "empty": { arg: "", code: "invalid" },
    "a JSON array": { arg: "[]", code: "invalid" },
    "wrong type for a field": { arg: '{"message":{"toRecipients":"x"}}', code: "invalid" },
    "trailing data": { arg: '{"message":{}} {}', code: "invalid" },
    "truncated": { arg: '{"message":{"subject":"', code: "invalid" },
    "a number instead of a string": { arg: 42, code: "invalid" },
    "an object instead of a string": { arg: { message: {} }, code: "invalid" },
    "undefined": { arg: undefined, code: "invalid" },
    "deep nesting": { arg: "[".repeat(100000), code: "invalid" },
  };
  for (const [name, { arg, code }] of Object.entries(check)) {
    test(`check: ${name}`, () => {
      const e = errorOf(sg.check(arg));
      assert.equal(e.code, code);
    });
  }

  test("error messages never echo the input", () => {
    const secret = "943 476 5919";
    const e = errorOf(sg.check(`{"message":{"subject":${JSON.stringify(secret)},"toRecipients":7}}`));
    assert.ok(!e.message.includes("5919"), e.message);
  });

  test("lone surrogates and odd Unicode still give a verdict", () => {
    const req = { message: { subject: "\ud800\udfff\ud800", body: { contentType: "html", content: "\u0000<p>\uffff</p>" } }, context: {} };
    const v = JSON.parse(sg.check(JSON.stringify(req)));
    assert.ok(["allow", "warn", "block"].includes(v.action), JSON.stringify(v));
  });

  test("a large body gives a verdict", () => {
    const req = { message: { body: { contentType: "text", content: "lorem ipsum ".repeat(200000) } }, context: {} };
    const v = JSON.parse(sg.check(JSON.stringify(req)));
    assert.equal(typeof v.action, "string");
  });

  const setPolicy = {
    "not JSON": { arg: "{", code: "invalid" },
    "unknown field": { arg: '{"id":"x","nope":1}', code: "invalid" },
    "an empty id": { arg: "{\"id\":\"\"}", code: "invalid" },
    "a number": { arg: 7, code: "invalid" },
  };
  for (const [name, { arg, code }] of Object.entries(setPolicy)) {
    test(`setPolicy: ${name}`, () => assert.equal(errorOf(sg.setPolicy(arg)).code, code));
  }

  test("setPolicy with nothing, null or '' restores the default", () => {
    const before = sg.check('{"message":{}}');
    for (const arg of [undefined, null, ""]) {
      assert.equal(sg.setPolicy(arg), "");
      assert.equal(sg.check('{"message":{}}'), before);
    }
  });

  test("a rejected policy leaves the previous one in force", () => {
    const before = sg.check('{"message":{}}');
    errorOf(sg.setPolicy('{"id":""}'));
    assert.equal(sg.check('{"message":{}}'), before);
  });
});
