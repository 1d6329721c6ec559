// The send and recipients-changed handlers against office-addin-mock's
// OfficeMockObject (wrapping the test Outlook item) and a real loopback
// HTTP server: every verdict type and every failure path ends in exactly
// one event.completed with the options the fail mode asks for.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import mock from "office-addin-mock";

import { createOutlook, createSendEvent } from "../support/fake-outlook.js";
import { startApi, calls } from "../support/api-server.js";
import { onMessageSend, onRecipientsChanged, OVERRIDE_KEY } from "../../src/handlers.js";
import { createEngine } from "../../src/engine.js";
import { memoryStore, writePolicyCache, CONTEXT_KEY } from "../../src/cache.js";
import { findingsKey, recipientsKey, checkItem } from "../../src/check.js";
import { REVIEW_BUTTON } from "../../src/ids.js";
import { loadSendguard, missingGlobals } from "../../../wasm/browser/loader.js";

const { OfficeMockObject } = mock;
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const corpus = (name) => readFileSync(join(root, "engine", "testdata", "cases", name + ".verdict.json"), "utf8");
const defaultPolicy = JSON.parse(readFileSync(join(root, "engine", "policy", "default.json"), "utf8"));

const WARN = JSON.parse(corpus("new-recipient-empty-history"));
const BLOCK = JSON.parse(corpus("insecure-discharge-summary-gmail"));
const ALLOW = JSON.parse(corpus("green-internal-meeting"));

let api;
before(async () => {
  api = await startApi({});
});
after(() => api.close());
beforeEach(() => {
  api.requests.length = 0;
  api.routes = {
    "GET /api/v1/policy": { json: defaultPolicy },
    "POST /api/v1/check": { json: ALLOW },
    "POST /api/v1/recipients": { status: 404, json: { error: { code: "not_found", message: "no such route" } } },
  };
});

/**
 * The handler environment, pointed at the test server, checking remotely
 * unless a module is given.
 */
function env(office, opts = {}) {
  const apiEnv = { baseUrl: opts.baseUrl || api.url, fetch: globalThis.fetch, token: async () => "" };
  return {
    g: {},
    office,
    api: apiEnv,
    store: opts.store || memoryStore(),
    engine: createEngine({ api: apiEnv, engineUrl: join(root, "addin", "dist", "engine") + "/", load: opts.load, missing: opts.missing, remoteMs: 400, loadMs: 5000 }),
    now: () => Date.now(),
    defaultFailMode: opts.failMode || "closed",
    policyMs: 300,
    recipientsMs: 300,
    deadlineMs: opts.deadlineMs || 4000,
  };
}

/** A patient email to a gmail address, as Office holds it. */
function outlook(spec = {}) {
  const { office, state } = createOutlook({
    to: ["j.example@gmail.com"],
    subject: "Discharge summary",
    body: "<p>Patient NHS number 943 476 5919 was discharged today.</p>",
    ...spec,
  });
  return { office: new OfficeMockObject(office, "outlook"), state };
}

async function send(o, e) {
  const ev = createSendEvent();
  const returned = await onMessageSend(ev.event, e);
  const opts = await ev.done;
  // A late timer must not complete the event a second time.
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(ev.count(), 1, "event.completed is called exactly once");
  assert.deepEqual(returned, opts);
  return opts;
}

test("verdicts map to completion options", async (t) => {
  const table = {
    allow: { verdict: ALLOW, check: (o) => assert.deepEqual(o, { allowEvent: true }) },
    warn: {
      verdict: WARN,
      check(o) {
        assert.equal(o.allowEvent, false);
        assert.equal(o.cancelLabel, "Review");
        assert.equal(o.commandId, REVIEW_BUTTON);
        assert.equal(o.sendModeOverride, "promptUser");
        assert.ok(o.errorMessageMarkdown.length <= 500);
        assert.equal(JSON.parse(o.contextData).findings.length, WARN.findings.length);
      },
    },
    block: {
      verdict: BLOCK,
      check(o) {
        assert.equal(o.allowEvent, false);
        assert.equal(o.sendModeOverride, undefined);
        assert.match(o.errorMessage, /Fix: Add \[secure\] to the subject/);
      },
    },
  };
  for (const [name, c] of Object.entries(table)) {
    await t.test(name, async () => {
      api.routes["POST /api/v1/check"] = { json: c.verdict };
      const { office } = outlook();
      c.check(await send(office, env(office)));
      const sent = calls(api, "POST /api/v1/check")[0].body;
      assert.deepEqual(sent.message.toRecipients, [{ emailAddress: { name: "j.example@gmail.com", address: "j.example@gmail.com" } }]);
      assert.equal(sent.message.body.contentType, "html");
      assert.equal(sent.message.from.emailAddress.address, "a.other@nhs.net");
      assert.ok(!("knownRecipients" in sent.context), "no history known: knownRecipients is absent, not empty");
    });
  }
});

test("failures end in event.completed under the fail mode", async (t) => {
  const table = {
    "Office read fails": {
      spec: { fail: ["subject.getAsync"] },
      reason: /Outlook failed reading the subject/,
    },
    "Office never answers": {
      spec: { hang: ["body.getAsync"] },
      reason: /timed out reading the body/,
      deadlineMs: 5000,
    },
    "attachment content read fails": {
      spec: { fail: ["getAttachmentContentAsync"], attachments: [{ name: "letter.pdf", content: "JVBERi0=" }] },
      policy: { ...defaultPolicy, attachments: { ...defaultPolicy.attachments, readContent: true } },
      reason: /Outlook failed reading an attachment/,
    },
    "server unreachable": {
      baseUrl: "http://127.0.0.1:9",
      reason: /the server could not be reached for the check/,
    },
    "server drops the connection": {
      routes: { "POST /api/v1/check": { drop: true } },
      reason: /the server could not be reached for the check/,
    },
    "server too slow": {
      routes: { "POST /api/v1/check": { json: ALLOW, delayMs: 1500 } },
      reason: /did not answer in time for the check/,
    },
    "engine error on the server": {
      routes: { "POST /api/v1/check": { status: 500, json: { error: { code: "internal", message: "internal error" } } } },
      reason: /could not check it \(HTTP 500, internal\)/,
    },
    "engine error in the runtime": {
      load: async () => ({ check: () => '{"error":{"code":"internal","message":"the engine failed on this message"}}', setPolicy: () => "", version: "x" }),
      routes: { "POST /api/v1/check": { status: 503, json: { error: { code: "unavailable", message: "down" } } } },
      reason: /the engine could not check it/,
    },
    "overall deadline": {
      routes: { "POST /api/v1/check": { json: ALLOW, delayMs: 350 } },
      deadlineMs: 200,
      reason: /it took too long/,
    },
  };
  for (const [name, c] of Object.entries(table)) {
    for (const mode of ["open", "closed"]) {
      await t.test(`${name}, fail ${mode}`, async () => {
        Object.assign(api.routes, c.routes || {});
        api.routes["GET /api/v1/policy"] = { json: { ...(c.policy || defaultPolicy), failMode: mode } };
        const { office } = outlook(c.spec);
        const e = env(office, { baseUrl: c.baseUrl, load: c.load, deadlineMs: c.deadlineMs });
        // The unreachable server serves no policy either: the build's default decides.
        e.defaultFailMode = mode;
        const o = await send(office, e);
        if (mode === "open") {
          assert.deepEqual(o, { allowEvent: true });
        } else {
          assert.equal(o.allowEvent, false);
          assert.match(o.errorMessage, c.reason);
          assert.ok(o.errorMessage.length <= 500);
        }
      });
    }
  }
});

test("policy fail mode wins over the build default once known", async () => {
  api.routes["GET /api/v1/policy"] = { json: { ...defaultPolicy, failMode: "closed" } };
  api.routes["POST /api/v1/check"] = { drop: true };
  const { office } = outlook();
  const o = await send(office, env(office, { failMode: "open" }));
  assert.equal(o.allowEvent, false);
});

test("without a policy the build default decides", async () => {
  api.routes["GET /api/v1/policy"] = { status: 503, json: { error: { code: "unavailable", message: "down" } } };
  api.routes["POST /api/v1/check"] = { drop: true };
  for (const mode of ["open", "closed"]) {
    const { office } = outlook();
    const o = await send(office, env(office, { failMode: mode }));
    assert.equal(o.allowEvent, mode === "open");
  }
});

test("recipient history: used when the server has it, absent when it fails", async (t) => {
  await t.test("200 passes knownRecipients", async () => {
    api.routes["POST /api/v1/recipients"] = { json: { knownRecipients: ["j.example@gmail.com"] } };
    const { office } = outlook();
    await send(office, env(office));
    assert.deepEqual(calls(api, "POST /api/v1/recipients")[0].body, { sender: "a.other@nhs.net", recipients: ["j.example@gmail.com"] });
    assert.deepEqual(calls(api, "POST /api/v1/check")[0].body.context, { knownRecipients: ["j.example@gmail.com"] });
  });
  await t.test("slow history is dropped, not waited for", async () => {
    api.routes["POST /api/v1/recipients"] = { json: { knownRecipients: [] }, delayMs: 1000 };
    const { office } = outlook();
    const o = await send(office, env(office));
    assert.deepEqual(o, { allowEvent: true });
    assert.deepEqual(calls(api, "POST /api/v1/check")[0].body.context, {});
  });
  await t.test("prefetch on recipients changed is used at send", async () => {
    api.routes["POST /api/v1/recipients"] = { json: { knownRecipients: ["j.example@gmail.com"], directory: ["a.other@nhs.net"] } };
    const { office, state } = outlook();
    const e = env(office);
    const ev = createSendEvent();
    await onRecipientsChanged(ev.event, e);
    await ev.done;
    assert.equal(ev.count(), 1);
    const stored = JSON.parse(state.sessionData[CONTEXT_KEY]);
    assert.equal(stored.key, recipientsKey("a.other@nhs.net", ["j.example@gmail.com"]));
    api.requests.length = 0;
    await send(office, e);
    assert.equal(calls(api, "POST /api/v1/recipients").length, 0, "the send handler reused the prefetched history");
    assert.deepEqual(calls(api, "POST /api/v1/check")[0].body.context, { knownRecipients: ["j.example@gmail.com"], directory: ["a.other@nhs.net"] });
  });
  await t.test("a changed recipient list misses the prefetch", async () => {
    const { office, state } = outlook();
    state.sessionData[CONTEXT_KEY] = JSON.stringify({ key: recipientsKey("a.other@nhs.net", ["someone.else@gmail.com"]), context: { knownRecipients: ["x"] } });
    api.routes["POST /api/v1/recipients"] = { json: { knownRecipients: [] } };
    await send(office, env(office));
    assert.deepEqual(calls(api, "POST /api/v1/check")[0].body.context, { knownRecipients: [] });
  });
  await t.test("recipients-changed completes when everything fails", async () => {
    const { office } = outlook({ fail: ["to.getAsync"] });
    const ev = createSendEvent();
    await onRecipientsChanged(ev.event, env(office));
    await ev.done;
    assert.equal(ev.count(), 1);
  });
});

test("attachments: content only where the policy asks, capped", async (t) => {
  const pdf = Buffer.alloc(3000, 1).toString("base64");
  const table = {
    "names only by default": { readContent: false, want: (a) => assert.equal(a.contentBytes, undefined) },
    "content when asked": { readContent: true, max: 0, want: (a) => assert.equal(a.contentBytes, pdf) },
    "content capped": { readContent: true, max: 300, want: (a) => assert.equal(Buffer.from(a.contentBytes, "base64").length, 300) },
  };
  for (const [name, c] of Object.entries(table)) {
    await t.test(name, async () => {
      api.routes["GET /api/v1/policy"] = { json: { ...defaultPolicy, attachments: { ...defaultPolicy.attachments, readContent: c.readContent, maxContentBytes: c.max || 0 } } };
      const { office, state } = outlook({ attachments: [{ name: "discharge.pdf", contentType: "application/pdf", content: pdf }, { name: "logo.png", content: "iVBO", isInline: true }] });
      await send(office, env(office));
      const atts = calls(api, "POST /api/v1/check")[0].body.message.attachments;
      assert.equal(atts.length, 2);
      assert.equal(atts[0].name, "discharge.pdf");
      c.want(atts[0]);
      assert.equal(atts[1].contentBytes, undefined, "inline images are never read");
      assert.equal(state.calls.filter((x) => x === "getAttachmentContentAsync").length, c.readContent ? 1 : 0);
    });
  }
});

test("Office reads run in parallel", async () => {
  const { office, state } = outlook({ delayMs: 20 });
  await send(office, env(office));
  const reads = ["to.getAsync", "cc.getAsync", "bcc.getAsync", "from.getAsync", "subject.getAsync", "body.getAsync", "getAttachmentsAsync"];
  const firstDone = state.log.findIndex((l) => l.startsWith("done:"));
  for (const m of reads) {
    const at = state.log.indexOf("call:" + m);
    assert.ok(at >= 0 && at < firstDone, `${m} was called before any read answered`);
  }
});

test("a justified override lets the same findings through once", async () => {
  api.routes["POST /api/v1/check"] = { json: WARN };
  const { office, state } = outlook();
  state.sessionData[OVERRIDE_KEY] = findingsKey(WARN);
  assert.deepEqual(await send(office, env(office)), { allowEvent: true });
  state.sessionData[OVERRIDE_KEY] = findingsKey(BLOCK);
  assert.equal((await send(office, env(office))).allowEvent, false);
  api.routes["POST /api/v1/check"] = { json: BLOCK };
  state.sessionData[OVERRIDE_KEY] = findingsKey(BLOCK);
  assert.equal((await send(office, env(office))).allowEvent, false, "block cannot be overridden");
});

test("policy is cached: fresh copies skip the server, stale copies beat none", async () => {
  const store = memoryStore();
  const { office } = outlook();
  const e = env(office, { store });
  await send(office, e);
  await send(office, e);
  assert.equal(calls(api, "GET /api/v1/policy").length, 1);
  // A new runtime with a stale stored copy and the server down.
  const stale = memoryStore();
  await writePolicyCache(stale, JSON.stringify({ ...defaultPolicy, failMode: "closed" }), Date.now() - 24 * 3600 * 1000);
  api.routes["GET /api/v1/policy"] = { drop: true };
  api.routes["POST /api/v1/check"] = { drop: true };
  const o = await send(office, env(office, { store: stale, failMode: "open" }));
  assert.equal(o.allowEvent, false, "the stale policy's closed fail mode applied");
});

test("the real WebAssembly engine checks in the runtime", async () => {
  assert.deepEqual(missingGlobals(), []);
  api.routes["POST /api/v1/check"] = { status: 500, json: { error: { code: "internal", message: "must not be called" } } };
  const { office } = outlook({ to: ["j.example@gmail.com"] });
  const e = env(office, { load: loadSendguard, missing: missingGlobals });
  const r = await checkItem(e);
  assert.equal(r.path, "local");
  assert.equal(calls(api, "POST /api/v1/check").length, 0);
  assert.equal(r.verdict.engine, JSON.parse(corpus("green-internal-meeting")).engine);
  assert.equal(r.raw, JSON.stringify(r.verdict).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026"));
});

test("the server's built-in policy (ETag 0) is not compiled again in the runtime", async (t) => {
  for (const [name, etag, wantText] of [
    ["built-in", '"0"', false],
    ["tenant policy", '"3"', true],
  ]) {
    await t.test(name, async () => {
      api.routes["GET /api/v1/policy"] = { json: { ...defaultPolicy, failMode: "closed" }, headers: { ETag: etag } };
      const set = [];
      const load = async () => ({ check: () => JSON.stringify(ALLOW), setPolicy: (p) => (set.push(p), ""), version: "x" });
      const { office } = outlook();
      const o = await send(office, env(office, { load, failMode: "closed" }));
      assert.deepEqual(o, { allowEvent: true });
      assert.equal(set.some((p) => p !== ""), wantText, `setPolicy calls: ${set.map((p) => p.slice(0, 20))}`);
    });
  }
});

test("recipient history fetched at send is reused by the next send in the runtime", async () => {
  api.routes["POST /api/v1/recipients"] = { json: { knownRecipients: ["j.example@gmail.com"] } };
  const { office } = outlook();
  const e = env(office);
  await send(office, e);
  await send(office, e);
  assert.equal(calls(api, "POST /api/v1/recipients").length, 1);
  assert.deepEqual(calls(api, "POST /api/v1/check")[1].body.context, { knownRecipients: ["j.example@gmail.com"] });
});
