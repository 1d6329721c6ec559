// The Worker under a real workerd (from npm) on 127.0.0.1: the whole
// conformance corpus over HTTP must give the native verdicts' exact bytes,
// and the edges (health, 400, 404, 405, 413, policy bindings) must answer
// the API's JSON. Runs in `make test` (test-worker) after `make worker`.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { firstDifference, loadCases, loadExceptions, REPO } from "../tools/cases.mjs";
import { startWorkerd } from "./workerd.mjs";

const MAX_BODY = 8 << 20; // api.MaxBody
const cases = await loadCases();
const exceptions = await loadExceptions("worker");
const defaultPolicy = JSON.parse(await readFile(join(REPO, "engine/policy/default.json"), "utf8"));

/** POSTs a check request and returns status, content type and body text. */
async function check(url, body, headers = {}) {
  const res = await fetch(`${url}/api/v1/check`, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
  return { status: res.status, type: res.headers.get("content-type"), body: await res.text(), allow: res.headers.get("allow") };
}

/** Asserts an error envelope with the given status and code. */
function assertError(r, status, code) {
  assert.equal(r.status, status, r.body);
  assert.equal(r.type, "application/json");
  const e = JSON.parse(r.body).error;
  assert.equal(e.code, code, r.body);
  assert.equal(typeof e.message, "string");
  return e;
}

/** Replays cases with a few requests in flight, as a client would. */
async function replay(url, list) {
  const results = new Map();
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < list.length) {
        const c = list[next++];
        results.set(c.name, await check(url, c.requestJSON));
      }
    }),
  );
  return results;
}

test("the corpus has cases", () => assert.ok(cases.length > 0));

test("every exception names a case and says why", () => {
  const names = new Set(cases.map((c) => c.name));
  for (const [name, why] of Object.entries(exceptions)) {
    assert.ok(names.has(name), `exception for unknown case ${name}`);
    assert.ok(typeof why === "string" && why.length > 10, `exception ${name} needs a reason`);
  }
});

describe("the Worker with the default policy (keep-alive shim)", () => {
  let w;
  let results;
  before(async () => {
    w = await startWorkerd();
    results = await replay(
      w.url,
      cases.filter((c) => c.policyJSON === undefined && !exceptions[c.name]),
    );
  });
  after(() => w?.stop());

  describe("verdicts equal native verdicts byte for byte", () => {
    for (const c of cases.filter((c) => c.policyJSON === undefined)) {
      test(c.name, { skip: exceptions[c.name] }, () => {
        const r = results.get(c.name);
        assert.equal(r.status, 200, r.body);
        assert.equal(r.type, "application/json");
        assert.ok(r.body === c.verdict, firstDifference(r.body, c.verdict));
      });
    }
  });

  test("GET /healthz names the engine and the policy", async () => {
    const res = await fetch(`${w.url}/healthz`);
    assert.equal(res.status, 200);
    const h = await res.json();
    assert.equal(h.status, "ok");
    assert.equal(h.policy.id, defaultPolicy.id);
    assert.match(h.engine, /^\d+\.\d+\.\d+/);
  });

  const bad = {
    "malformed JSON": "{\"message\":",
    "empty body": "",
    "a JSON array": "[]",
    "wrong field type": "{\"message\":{\"toRecipients\":\"x\"}}",
    "trailing data": "{\"message\":{}} []",
    "deep nesting": "[".repeat(100000),
    "invalid UTF-8": new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
  };
  for (const [name, body] of Object.entries(bad)) {
    test(`400 for ${name}`, async () => {
      const r = await check(w.url, body);
      if (name === "invalid UTF-8") {
        // encoding/json accepts invalid UTF-8 in keys it ignores: a
        // verdict or a 400 are both fine, a crash is not.
        assert.ok(r.status === 200 || r.status === 400, r.body);
        return;
      }
      assertError(r, 400, "invalid");
    });
  }

  test("413 for a body over the limit, and the Worker keeps serving", async () => {
    const r = await check(w.url, "x".repeat(MAX_BODY + 1));
    assertError(r, 413, "too_large");
    const ok = await check(w.url, "{\"message\":{}}");
    assert.equal(ok.status, 200);
  });

  test("a body at the limit is read (and judged on its JSON)", async () => {
    const r = await check(w.url, " ".repeat(MAX_BODY - 16) + "{\"message\":{}}");
    assert.equal(r.status, 200, r.body);
  });

  test("a chunked body (no Content-Length) is read, and capped", async () => {
    const chunked = (parts) =>
      fetch(`${w.url}/api/v1/check`, {
        method: "POST",
        duplex: "half",
        body: new ReadableStream({
          start(c) {
            for (const p of parts) c.enqueue(new TextEncoder().encode(p));
            c.close();
          },
        }),
      });
    const ok = await chunked(["{\"message\":", "{}}"]);
    assert.equal(ok.status, 200, await ok.text());
    const big = await chunked(Array.from({ length: 9 }, () => " ".repeat(1 << 20)));
    assertError({ status: big.status, type: big.headers.get("content-type"), body: await big.text() }, 413, "too_large");
  });

  test("404 for an unknown path", async () => {
    const res = await fetch(`${w.url}/api/v1/nope`);
    assertError({ status: res.status, type: res.headers.get("content-type"), body: await res.text() }, 404, "not_found");
  });

  test("405 for GET /api/v1/check, with Allow", async () => {
    const res = await fetch(`${w.url}/api/v1/check`);
    assertError({ status: res.status, type: res.headers.get("content-type"), body: await res.text() }, 405, "method_not_allowed");
    assert.equal(res.headers.get("allow"), "POST");
  });

  test("405 for POST /healthz", async () => {
    const res = await fetch(`${w.url}/healthz`, { method: "POST", body: "{}" });
    assertError({ status: res.status, type: res.headers.get("content-type"), body: await res.text() }, 405, "method_not_allowed");
  });
});

describe("cases with their own policy, each on a Worker bound to it", () => {
  const groups = new Map();
  for (const c of cases.filter((c) => c.policyJSON !== undefined && !exceptions[c.name])) {
    if (!groups.has(c.policyJSON)) groups.set(c.policyJSON, []);
    groups.get(c.policyJSON).push(c);
  }
  let i = 0;
  for (const [policyJSON, list] of groups) {
    // Alternate JSON bindings (wrangler [vars] tables) and text vars.
    const policy = i++ % 2 === 0 ? { json: policyJSON } : { text: policyJSON };
    describe(`policy ${JSON.parse(policyJSON).id} (${policy.json ? "JSON binding" : "text var"})`, () => {
      let w;
      let results;
      before(async () => {
        w = await startWorkerd({ policy });
        results = await replay(w.url, list);
      });
      after(() => w?.stop());
      for (const c of list) {
        test(c.name, () => {
          const r = results.get(c.name);
          assert.equal(r.status, 200, r.body);
          assert.ok(r.body === c.verdict, firstDifference(r.body, c.verdict));
        });
      }
    });
  }
});

describe("policy bindings", () => {
  test("a tenant policy as a JSON binding is used", async () => {
    const w = await startWorkerd({ policy: { json: JSON.stringify({ ...defaultPolicy, id: "tenant-json" }) } });
    try {
      const h = await (await fetch(`${w.url}/healthz`)).json();
      assert.equal(h.policy.id, "tenant-json");
      const r = await check(w.url, "{\"message\":{}}");
      assert.equal(JSON.parse(r.body).policy.id, "tenant-json");
    } finally {
      await w.stop();
    }
  });

  test("an invalid policy answers 503 naming the field, and does not crash", async () => {
    const w = await startWorkerd({ policy: { text: "{\"id\":\"\",\"nope\":1}" }, expectStatus: 503 });
    try {
      const res = await fetch(`${w.url}/healthz`);
      const e = assertError({ status: res.status, type: res.headers.get("content-type"), body: await res.text() }, 503, "unavailable");
      assert.match(e.message, /SENDGUARD_POLICY/);
      assert.match(e.message, /nope/);
      const r = await check(w.url, "{\"message\":{}}");
      assertError(r, 503, "unavailable");
      const again = await check(w.url, "{\"message\":{}}");
      assertError(again, 503, "unavailable");
    } finally {
      await w.stop();
    }
  });
});

describe("the stock syumai shim (one Go instance per request) gives the same bytes", () => {
  let w;
  before(async () => {
    w = await startWorkerd({ shim: "stock" });
  });
  after(() => w?.stop());
  // A sample only: each request pays a full Go start-up here.
  for (const c of cases.filter((c) => c.policyJSON === undefined && !exceptions[c.name]).slice(0, 5)) {
    test(c.name, async () => {
      const r = await check(w.url, c.requestJSON);
      assert.equal(r.status, 200, r.body);
      assert.ok(r.body === c.verdict, firstDifference(r.body, c.verdict));
    });
  }
  test("400 for malformed JSON", async () => assertError(await check(w.url, "{"), 400, "invalid"));
});
