// The browser module in real headless Chromium (Debian's, via
// playwright-core; never a downloaded browser): the loader fetches the
// manifest, compiles with compileStreaming, caches the module in the Cache
// API, and every golden case gives the native verdict's exact bytes.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { chromium } from "playwright-core";

import { firstDifference, loadCases } from "../tools/cases.mjs";
import { CHROMIUM, CHROMIUM_ARGS, serveStatic } from "../tools/static.mjs";

const cases = await loadCases();
const page = `<!doctype html><meta charset="utf-8"><script type="module">
import { loadSendguard, missingGlobals } from "/browser/loader.js";
window.loadSendguard = loadSendguard;
window.missingGlobals = missingGlobals;
window.loaderReady = true;
</script>`;

describe("the browser module in headless Chromium", () => {
  let server;
  let profile;
  let ctx;
  let tab;
  before(async () => {
    server = await serveStatic({ "/": { type: "text/html; charset=utf-8", body: page } });
    profile = await mkdtemp(join(tmpdir(), "sendguard-chromium-"));
    ctx = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    tab = ctx.pages()[0] ?? (await ctx.newPage());
    await tab.goto(`${server.url}/`);
    await tab.waitForFunction(() => window.loaderReady === true);
  });
  after(async () => {
    await ctx?.close();
    await server?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  test("Chromium has every global the Go runtime needs", async () => {
    assert.deepEqual(await tab.evaluate(() => window.missingGlobals()), []);
  });

  test("loads, caches the module in the Cache API, and checks", async () => {
    const r = await tab.evaluate(async () => {
      const sg = await window.loadSendguard({ baseUrl: "/dist/" });
      const cache = await caches.open("sendguard-engine");
      const keys = (await cache.keys()).map((k) => new URL(k.url).pathname);
      return { version: sg.version, keys, verdict: JSON.parse(sg.check('{"message":{}}')).action };
    });
    assert.match(r.version, /^\d+\.\d+\.\d+/);
    assert.equal(r.keys.length, 1);
    assert.match(r.keys[0], /^\/dist\/engine\.[0-9a-f]{16}\.wasm$/);
    assert.equal(r.verdict, "allow");
  });

  test("after a reload the module comes from the Cache API, not the network", async () => {
    const before = server.requests.filter((p) => p.endsWith(".wasm")).length;
    await tab.reload();
    await tab.waitForFunction(() => window.loaderReady === true);
    const version = await tab.evaluate(async () => (await window.loadSendguard({ baseUrl: "/dist/" })).version);
    assert.match(version, /^\d+\.\d+\.\d+/);
    assert.equal(server.requests.filter((p) => p.endsWith(".wasm")).length, before);
  });

  test("every golden case gives the native verdict's bytes", async () => {
    assert.ok(cases.length > 0);
    const got = await tab.evaluate(async (cs) => {
      const sg = await window.loadSendguard({ baseUrl: "/dist/" });
      const out = {};
      for (const c of cs) {
        if (c.policyJSON !== undefined) {
          const err = sg.setPolicy(c.policyJSON);
          if (err !== "") {
            out[c.name] = `setPolicy: ${err}`;
            continue;
          }
        }
        out[c.name] = sg.check(c.requestJSON);
        if (c.policyJSON !== undefined) sg.setPolicy("");
      }
      return out;
    }, cases);
    const diffs = cases.filter((c) => got[c.name] !== c.verdict).map((c) => `${c.name}: ${firstDifference(got[c.name], c.verdict)}`);
    assert.ok(diffs.length === 0, `${diffs.length} of ${cases.length} cases differ:\n${diffs.slice(0, 5).join("\n")}`);
  });

  test("bad input is an error envelope, never an exception", async () => {
    const r = await tab.evaluate(async () => {
      const sg = await window.loadSendguard({ baseUrl: "/dist/" });
      return [sg.check("{"), sg.check(7), sg.setPolicy("{")].map((s) => JSON.parse(s).error.code);
    });
    assert.deepEqual(r, ["invalid", "invalid", "invalid"]);
  });
});
