// The conformance corpus (engine/testdata/cases) replayed through the
// add-in's path in Chromium: each case's message becomes an Outlook item,
// and the verdict the add-in computes with the real WebAssembly engine,
// the policy from the real server and the prefetched recipient history
// must equal <name>.verdict.json byte for byte. Cases the Office item APIs
// cannot express are listed, with the reason, in replay-exceptions.json.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { root, startServer, launchBrowser, useHarness } from "./support.js";

const casesDir = join(root, "engine", "testdata", "cases");
const exceptions = JSON.parse(readFileSync(join(root, "addin", "test", "e2e", "replay-exceptions.json"), "utf8"));

/** Every case, read as strict UTF-8; undecodable ones are returned apart. */
function loadCases() {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const cases = [];
  const undecodable = [];
  for (const f of readdirSync(casesDir).sort()) {
    if (!f.endsWith(".json") || f.endsWith(".verdict.json")) continue;
    const name = f.slice(0, -5);
    const want = readFileSync(join(casesDir, name + ".verdict.json"), "utf8").trimEnd();
    try {
      const c = JSON.parse(decoder.decode(readFileSync(join(casesDir, f))));
      cases.push({ name, request: c.request, policy: c.policy, want });
    } catch {
      undecodable.push(name);
    }
  }
  return { cases, undecodable };
}

let server;
let browser;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test("the corpus replays through the add-in with identical verdicts", async (t) => {
  const { cases, undecodable } = loadCases();
  assert.ok(cases.length >= 50, `only ${cases.length} cases`);
  for (const name of undecodable) assert.ok(exceptions[name], `${name} is not valid UTF-8 and needs an exception saying why`);
  const all = new Set([...cases.map((c) => c.name), ...undecodable]);
  for (const name of Object.keys(exceptions)) assert.ok(all.has(name), `replay-exceptions.json lists ${name}, which is not in the corpus`);

  const page = await browser.newPage();
  const checks = [];
  page.on("request", (r) => {
    if (r.url().endsWith("/api/v1/check")) checks.push(r.url());
  });
  await page.goto(await useHarness(page, server.url));
  const run = cases.filter((c) => !exceptions[c.name]);
  const got = await page.evaluate((cs) => window.sendguardReplay(cs), run.map(({ name, request, policy }) => ({ name, request, policy })));
  await page.close();
  assert.equal(checks.length, 0, "every check ran in the browser's WebAssembly engine");
  for (const [i, c] of run.entries()) {
    await t.test(c.name, () => {
      const g = got[i];
      assert.equal(g.error, undefined, g.error);
      assert.equal(g.path, "local");
      assert.equal(g.raw, c.want);
    });
  }
});
