/**
 * Sendguard's event handlers, bundled by `make addin` into one ES2016 file
 * with no imports: classic Outlook on Windows runs it in a JavaScript-only
 * runtime, and commands.html loads the same file for browser runtimes.
 * "sendguard:wasm-exec" is Go's wasm_exec.js, provided by the build.
 *
 * Constants, handlers, then Office.actions.associate at the top level, last.
 */

import { installGo } from "sendguard:wasm-exec";
import { loadSendguard, missingGlobals } from "../../wasm/browser/loader.js";
import { createEnv, engineLoader, DEFAULT_FAIL_MODE } from "./env.js";
import { onMessageSend, onRecipientsChanged } from "./handlers.js";
import { SEND_HANDLER, RECIPIENTS_HANDLER } from "./ids.js";
import { failureCompletion } from "./verdict.js";

/** The environment, built on first use: Office.context exists only then. */
let env = null;

/**
 * Returns the runtime's environment, creating it once.
 * @returns {object}
 */
function environment() {
  if (!env) env = createEnv(globalThis, engineLoader(globalThis, installGo, loadSendguard, missingGlobals));
  return env;
}

/**
 * OnMessageSend: check the email and allow, warn or block it.
 * @param {object} event
 */
function onMessageSendHandler(event) {
  let e;
  try {
    e = environment();
  } catch (err) {
    event.completed(failureCompletion(DEFAULT_FAIL_MODE, "the add-in could not start"));
    return;
  }
  onMessageSend(event, e);
}

/**
 * OnMessageRecipientsChanged: prefetch recipient history.
 * @param {object} event
 */
function onMessageRecipientsChangedHandler(event) {
  let e;
  try {
    e = environment();
  } catch (err) {
    event.completed();
    return;
  }
  onRecipientsChanged(event, e);
}

// Browser runtimes: start fetching and compiling the engine as the page
// loads, while Office initialises, so the first send waits less. The base
// URL comes from the page's location, so this needs no Office.context.
if (typeof document !== "undefined") {
  try {
    environment().engine.warm();
  } catch (err) {
    // The send handler reports failures; warming is an optimisation.
  }
}

Office.actions.associate(SEND_HANDLER, onMessageSendHandler);
Office.actions.associate(RECIPIENTS_HANDLER, onMessageRecipientsChangedHandler);
