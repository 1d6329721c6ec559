// The built handler bundle (addin/dist/launchevent.js, from `make addin`)
// as classic Outlook on Windows runs it: one ES2016 script with no
// imports, in a bare JavaScript runtime without a DOM, localStorage or
// WebAssembly, where it must fall back to the server's check API.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import vm from "node:vm";

import { createOutlook, createSendEvent } from "../support/fake-outlook.js";
import { startApi, calls } from "../support/api-server.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const bundlePath = join(root, "addin", "dist", "launchevent.js");
const bundle = readFileSync(bundlePath, "utf8");
const verdict = (name) => readFileSync(join(root, "engine", "testdata", "cases", name + ".verdict.json"), "utf8");

test("the bundle is plain ES2016: no async functions, await, imports or exports", () => {
  for (const [name, re] of Object.entries({
    "async function": /\basync[\s(]/,
    await: /\bawait[\s(]/,
    "import statement or call": /\bimport[\s(*{]/,
    export: /\bexport\s/,
    "optional chaining": /\?\.[^\d]/,
    "nullish coalescing": /\?\?/,
    "object spread": /\{\.\.\./,
  })) {
    const m = bundle.match(re);
    assert.equal(m, null, `${name} in launchevent.js: …${m ? bundle.slice(Math.max(0, m.index - 40), m.index + 40) : ""}…`);
  }
  // It parses as a classic script, not a module.
  assert.doesNotThrow(() => new vm.Script(bundle, { filename: "launchevent.js" }));
});

test("the bundle carries the base-URL placeholder the server replaces", () => {
  // addin.FilesFor swaps it for the public base URL: classic Outlook before
  // Mailbox 1.14 has no other way to tell the script where its server is.
  assert.equal(bundle.split('"__SENDGUARD_BASE_URL__"').length - 1, 1);
});

test("with the base URL baked in, a runtime without Office.context.urls reaches the server", async () => {
  const baked = bundle.replace("__SENDGUARD_BASE_URL__", api.url);
  const { office, state } = createOutlook({ to: ["j.example@gmail.com"], body: "<p>NHS 943 476 5919</p>" });
  const sandbox = { Office: office, fetch: globalThis.fetch, setTimeout, clearTimeout, console, WebAssembly: undefined };
  sandbox.globalThis = sandbox;
  vm.createContext(sandbox);
  vm.runInContext(baked, sandbox);
  const ev = createSendEvent();
  const before = calls(api, "POST /api/v1/check").length;
  state.handlers.onMessageSendHandler(ev.event);
  const opts = await ev.done;
  assert.equal(opts.allowEvent, false);
  assert.equal(calls(api, "POST /api/v1/check").length, before + 1);
});

test("Office.actions.associate comes last, at the top level", () => {
  const src = readFileSync(join(root, "addin", "src", "launchevent.js"), "utf8").trim().split("\n");
  assert.match(src[src.length - 2], /^Office\.actions\.associate\(SEND_HANDLER, onMessageSendHandler\);$/);
  assert.match(src[src.length - 1], /^Office\.actions\.associate\(RECIPIENTS_HANDLER, onMessageRecipientsChangedHandler\);$/);
});

let api;
before(async () => {
  api = await startApi({
    "GET /api/v1/policy": { json: JSON.parse(readFileSync(join(root, "engine", "policy", "default.json"), "utf8")) },
    "POST /api/v1/check": { json: JSON.parse(verdict("insecure-discharge-summary-gmail")) },
  });
});
after(() => api.close());

/** Runs the bundle in a fresh context shaped like the JavaScript-only runtime. */
function runtime(spec) {
  const { office, state } = createOutlook({ runtimeUrl: `${api.url}/addin/launchevent.js`, ...spec });
  const sandbox = {
    Office: office,
    fetch: globalThis.fetch,
    AbortController,
    setTimeout,
    clearTimeout,
    console,
    // Old builds of the runtime have no WebAssembly: the handler must not need it.
    WebAssembly: undefined,
  };
  sandbox.globalThis = sandbox;
  vm.createContext(sandbox);
  vm.runInContext(bundle, sandbox, { filename: "launchevent.js" });
  return { state, sandbox };
}

test("in a bare runtime the handlers register and check on the server", async () => {
  const { state } = runtime({ to: ["j.example@gmail.com"], body: "<p>NHS 943 476 5919</p>", subject: "Discharge" });
  assert.deepEqual(Object.keys(state.handlers).sort(), ["onMessageRecipientsChangedHandler", "onMessageSendHandler"]);
  const ev = createSendEvent();
  state.handlers.onMessageSendHandler(ev.event);
  const opts = await ev.done;
  assert.equal(opts.allowEvent, false);
  assert.equal(opts.commandId, "sendguardReviewButton");
  assert.match(opts.errorMessage, /Sendguard stopped this email/);
  const sent = calls(api, "POST /api/v1/check").at(-1).body;
  assert.equal(sent.message.subject, "Discharge");
});

test("with no way to find the server the built-in fail mode applies", async () => {
  const { state } = runtime({ runtimeUrl: "" });
  const ev = createSendEvent();
  state.handlers.onMessageSendHandler(ev.event);
  const opts = await ev.done;
  const failMode = JSON.parse(readFileSync(join(root, "engine", "policy", "default.json"), "utf8")).failMode;
  assert.equal(opts.allowEvent, failMode === "open");
});
