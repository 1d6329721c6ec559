// The conformance replay harness (test only, never served by sendguard):
// each corpus case becomes an Outlook item in the test Outlook, and the
// add-in's own check path (checkItem: Office reads, policy, prefetched
// recipient history, the WebAssembly engine) produces the verdict bytes.
import { installGo } from "sendguard:wasm-exec";
import { loadSendguard, missingGlobals } from "../../../../wasm/browser/loader.js";
import { createEnv, engineLoader } from "../../../src/env.js";
import { checkItem, recipientsKey } from "../../../src/check.js";
import { CONTEXT_KEY, POLICY_KEY } from "../../../src/cache.js";
import { buildMessage, recipientAddresses } from "../../../src/message.js";
import { createOutlook } from "../../support/fake-outlook.js";
import { itemSpec } from "./case-item.js";

let loader = null;

/**
 * Replays cases in order and returns each verdict as the engine wrote it.
 * @param {Array<{name: string, request: object, policy?: object}>} cases
 * @returns {Promise<Array<{name: string, raw: string, path: string, error?: string}>>}
 */
window.sendguardReplay = async function (cases) {
  const out = [];
  for (const c of cases) {
    try {
      const spec = itemSpec(c.request.message);
      const ctx = c.request.context;
      const { office, state } = createOutlook(spec);
      globalThis.Office = office;
      // As if OnMessageRecipientsChanged had prefetched the history: the
      // case's context, or none known (no knownRecipients key) when the
      // case has none.
      const from = state.from.emailAddress;
      const msg = buildMessage({ to: state.to, cc: state.cc, bcc: state.bcc });
      state.sessionData[CONTEXT_KEY] = JSON.stringify({ key: recipientsKey(from, recipientAddresses(msg)), context: ctx || {} });
      localStorage.clear();
      if (c.policy) localStorage.setItem(POLICY_KEY, JSON.stringify({ text: JSON.stringify(c.policy), fetchedAt: Date.now() }));
      if (!loader) loader = engineLoader(globalThis, installGo, loadSendguard, missingGlobals);
      const env = createEnv(globalThis, loader);
      const r = await checkItem(env);
      out.push({ name: c.name, raw: r.raw, path: r.path });
    } catch (e) {
      out.push({ name: c.name, raw: "", path: "", error: String(e && e.message) });
    }
  }
  return out;
};
