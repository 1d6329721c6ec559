// Parity: every golden case through the WebAssembly module in node must
// give exactly the native verdict's bytes. Runs in `make test` (test-wasm),
// so any drift between native and WebAssembly fails CI.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";

import { CASES_DIR, firstDifference, loadCases, loadExceptions, REPO } from "../tools/cases.mjs";
import { loadSendguard } from "./loader.js";

const cases = await loadCases();
const exceptions = await loadExceptions("wasm");
const sg = await loadSendguard({ baseUrl: join(REPO, "wasm/dist") });

test(`the corpus (${CASES_DIR}) has cases`, () => assert.ok(cases.length > 0));

test("every exception names a case and says why", () => {
  const names = new Set(cases.map((c) => c.name));
  for (const [name, why] of Object.entries(exceptions)) {
    assert.ok(names.has(name), `exception for unknown case ${name}`);
    assert.ok(typeof why === "string" && why.length > 10, `exception ${name} needs a reason`);
  }
});

describe("WebAssembly verdicts equal native verdicts byte for byte", () => {
  for (const c of cases) {
    test(c.name, { skip: exceptions[c.name] }, () => {
      let got;
      if (c.policyJSON !== undefined) assert.equal(sg.setPolicy(c.policyJSON), "", "setPolicy");
      try {
        got = sg.check(c.requestJSON);
      } finally {
        if (c.policyJSON !== undefined) assert.equal(sg.setPolicy(""), "");
      }
      assert.ok(got === c.verdict, firstDifference(got, c.verdict));
    });
  }
});
