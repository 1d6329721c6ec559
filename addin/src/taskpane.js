/**
 * The task pane: lists what Sendguard found with masked evidence and
 * guidance, applies fixes with the item APIs, and records a justification
 * when the user sends anyway. Rendering and planning live in pure modules;
 * this file is the Office and DOM glue.
 */

import { installGo } from "sendguard:wasm-exec";
import { loadSendguard, missingGlobals } from "../../wasm/browser/loader.js";
import { officeCall } from "./async.js";
import { postEvent } from "./api.js";
import { checkItem, findingsKey, messageRef } from "./check.js";
import { createEnv, engineLoader } from "./env.js";
import { planFix } from "./fixes.js";
import { OVERRIDE_KEY } from "./handlers.js";
import { applyPlan, readState } from "./item.js";
import { buildEvent, clientInfo } from "./report.js";
import { renderFindings, statusFor, justificationFrom } from "./taskpane-view.js";
import { fixLabel } from "./verdict.js";

/** What the pane knows: the last check's result. */
const state = { env: null, verdict: null, message: null, policy: null, busy: false };

/**
 * Shortcut for getElementById.
 * @param {string} id
 * @returns {HTMLElement}
 */
function $(id) {
  return document.getElementById(id);
}

/**
 * Shows a status line; the element is aria-live, so screen readers hear it.
 * @param {string} text
 * @param {string} [kind] "ok" | "error" | ""
 */
function setStatus(text, kind) {
  const s = $("status");
  s.textContent = text;
  s.className = "status" + (kind ? " " + kind : "");
}

/**
 * Renders a verdict: findings, status and the send-anyway section.
 * @param {object} verdict
 * @param {string} [prefix] what just happened ("Moved 3 recipients to Bcc.")
 */
function show(verdict, prefix) {
  state.verdict = verdict;
  renderFindings(document, $("findings"), verdict, onFix);
  const st = statusFor(verdict);
  setStatus((prefix ? prefix + " " : "") + st.text, st.kind);
  $("override").hidden = verdict.action !== "warn";
  if (verdict.action !== "warn") $("override-form").hidden = true;
}

/**
 * Runs the check on the item as it is now and shows the result.
 * @param {string} [prefix]
 * @returns {Promise<void>}
 */
async function recheck(prefix) {
  if (!prefix) setStatus("Checking this email…");
  try {
    const r = await checkItem(state.env);
    state.message = r.message;
    state.policy = r.policy;
    show(r.verdict, prefix);
  } catch (e) {
    setStatus(`Sendguard could not check this email: ${e && e.name === "SendguardError" ? e.message : "something went wrong"}.`, "error");
  }
}

/**
 * Reports an event, best effort: a failed report must not undo a fix.
 * @param {object} ev
 * @returns {Promise<boolean>} whether the server took it
 */
async function report(ev) {
  try {
    await postEvent(state.env.api, ev, 3000);
    return true;
  } catch (e) {
    return false;
  }
}

/**
 * Applies one fix, reports it, and checks again.
 * @param {object} finding
 * @param {object} fix
 * @param {HTMLButtonElement} button
 */
async function onFix(finding, fix, button) {
  if (state.busy) return;
  state.busy = true;
  button.disabled = true;
  const label = fixLabel(fix);
  setStatus(`${label}…`);
  try {
    const item = Office.context.mailbox.item;
    const ops = planFix(await readState(item), fix);
    await applyPlan(item, ops);
    const verdict = state.verdict;
    const msg = state.message;
    report(
      buildEvent({
        action: "fixed",
        verdict,
        findings: [finding],
        messageRef: msg ? messageRef(msg) : "",
        client: clientInfo(Office),
        now: Date.now(),
      }),
    );
    await recheck(`Done: ${label}.`);
  } catch (e) {
    button.disabled = false;
    setStatus(`Could not ${label.charAt(0).toLowerCase() + label.slice(1)}: ${e && e.name === "SendguardError" ? e.message : "something went wrong"}.`, "error");
  } finally {
    state.busy = false;
  }
}

/** Opens the justification form with the policy's reasons. */
function openOverride() {
  const reasons = ((state.policy && state.policy.doc && state.policy.doc.justifications) || []).slice(0, 3);
  const box = $("reasons");
  box.textContent = "";
  reasons.forEach((r, i) => {
    const row = document.createElement("div");
    row.className = "reason";
    const input = document.createElement("input");
    input.type = "radio";
    input.name = "reason";
    input.id = `reason-${i}`;
    input.value = r;
    const label = document.createElement("label");
    label.htmlFor = input.id;
    label.textContent = r;
    row.appendChild(input);
    row.appendChild(label);
    box.appendChild(row);
  });
  $("override-error").textContent = "";
  $("override-form").hidden = false;
  $("override-open").hidden = true;
  const first = /** @type {HTMLInputElement} */ (document.querySelector('input[name="reason"]'));
  if (first) first.focus();
}

/** Closes the justification form. */
function closeOverride() {
  $("override-form").hidden = true;
  $("override-open").hidden = false;
  $("override-open").focus();
}

/**
 * Records the justification, then lets the next send through for exactly
 * these findings (the send handler compares the findings' fingerprint).
 * @param {Event} e
 */
async function submitOverride(e) {
  e.preventDefault();
  const checked = /** @type {HTMLInputElement|null} */ (document.querySelector('input[name="reason"]:checked'));
  const res = justificationFrom(checked ? checked.value : null, /** @type {HTMLTextAreaElement} */ ($("reason-text")).value);
  if (!res.ok) {
    $("override-error").textContent = res.error;
    return;
  }
  const verdict = state.verdict;
  const ok = await report(
    buildEvent({
      action: "sent-anyway",
      verdict,
      justification: res.justification,
      messageRef: state.message ? messageRef(state.message) : "",
      client: clientInfo(Office),
      now: Date.now(),
    }),
  );
  if (!ok) {
    $("override-error").textContent = "Your reason could not be recorded: the Sendguard server could not be reached. Try again.";
    return;
  }
  const item = Office.context.mailbox.item;
  try {
    await officeCall("saving your choice", (cb) => item.sessionData.setAsync(OVERRIDE_KEY, findingsKey(verdict), cb), 2000);
    $("override-form").hidden = true;
    setStatus("Reason recorded. Select Send again to send this email.", "ok");
  } catch (err) {
    setStatus("Reason recorded. When Outlook asks, choose Send Anyway.", "ok");
  }
}

/**
 * Shows the findings the send handler passed (contextData) at once, before
 * the fresh check finishes.
 */
function showInitialContext() {
  const item = Office.context.mailbox.item;
  if (!item || typeof item.getInitializationContextAsync !== "function") return;
  item.getInitializationContextAsync((r) => {
    if (!r || r.status === "failed" || !r.value || state.verdict) return;
    try {
      const ctx = typeof r.value === "string" ? JSON.parse(r.value) : r.value;
      if (ctx && Array.isArray(ctx.findings)) show({ action: ctx.action, classification: ctx.classification, findings: ctx.findings });
    } catch (e) {
      // A context we cannot read only costs the early display.
    }
  });
}

/**
 * Shows the context the Smart Alerts dialog passed when the pane was
 * already open (Outlook then raises InitializationContextChanged instead of
 * reloading the pane), and checks again.
 */
function followContextChanges() {
  const item = Office.context.mailbox.item;
  const type = Office.EventType && Office.EventType.InitializationContextChanged;
  if (!item || !type || typeof item.addHandlerAsync !== "function") return;
  item.addHandlerAsync(
    type,
    () => recheck(),
    () => undefined,
  );
}

/** Wires the page once Office is ready. */
function start() {
  state.env = createEnv(globalThis, engineLoader(globalThis, installGo, loadSendguard, missingGlobals));
  $("recheck").addEventListener("click", () => recheck());
  $("override-open").addEventListener("click", openOverride);
  $("override-cancel").addEventListener("click", closeOverride);
  $("override-form").addEventListener("submit", submitOverride);
  showInitialContext();
  followContextChanges();
  recheck();
}

Office.onReady(() => start());
