/**
 * Maps an engine verdict, or a failure, to the options of Outlook's
 * event.completed. Pure functions: what the client supports comes in as
 * flags, so every branch is testable without Office.
 */

import { REVIEW_BUTTON, REVIEW_LABEL, MAX_ALERT_CHARS } from "./ids.js";
import { escapeMarkdown, fitAlert, truncate } from "./markdown.js";

/**
 * @typedef {{kind: string, field: string, masked: string}} Evidence
 * @typedef {{kind: string, recipients?: string[], value?: string, label?: string}} Fix
 * @typedef {{rule: string, severity: string, summary: string, detail: string,
 *   recipients?: string[], evidence?: Evidence[], fixes?: Fix[]}} Finding
 * @typedef {{action: string, classification: string, findings: Finding[],
 *   policy?: {id: string, version: string}, engine?: string}} Verdict
 * @typedef {{smartAlerts14?: boolean, markdown?: boolean, promptUser?: *}} Support
 *   smartAlerts14: Mailbox 1.14 (cancelLabel, commandId, contextData,
 *   sendModeOverride); markdown: Mailbox 1.15 (errorMessageMarkdown);
 *   promptUser: the value of Office.MailboxEnums.SendModeOverride.PromptUser.
 */

/**
 * A fix's button text: the engine's label, else one derived from its kind.
 * @param {Fix} fix
 * @returns {string}
 */
export function fixLabel(fix) {
  if (fix.label) return fix.label;
  const n = (fix.recipients || []).length;
  switch (fix.kind) {
    case "move-to-bcc":
      return n === 1 ? "Move 1 recipient to Bcc" : `Move ${n} recipients to Bcc`;
    case "add-subject-tag":
      return `Add ${fix.value || "[secure]"} to the subject`;
    case "replace-recipient":
      return fix.value ? `Change the address to ${fix.value}` : "Correct the address";
    case "remove-recipient":
      return n === 1 ? "Remove the recipient" : `Remove ${n} recipients`;
    default:
      return fix.kind;
  }
}

/**
 * Findings worth showing, most severe first, in the engine's order otherwise.
 * @param {Verdict} v
 * @returns {Finding[]}
 */
export function rankedFindings(v) {
  const rank = { block: 0, warn: 1 };
  return (v.findings || [])
    .map((f, i) => ({ f, i }))
    .sort((a, b) => (rank[a.f.severity] ?? 2) - (rank[b.f.severity] ?? 2) || a.i - b.i)
    .map((x) => x.f);
}

/**
 * The alert text, Markdown and plain, for a warn or block verdict. The
 * Markdown follows Outlook's subset: "\n\n" between blocks, list items
 * "- item" each ended by "\r".
 * @param {Verdict} v
 * @param {boolean} canReview whether the dialog has a Review button
 * @returns {{markdown: string, plain: string}}
 */
export function alertText(v, canReview) {
  const block = v.action === "block";
  const findings = rankedFindings(v);
  const head = block ? "Sendguard stopped this email." : "Sendguard: check this email before it goes.";
  const tail = canReview
    ? block
      ? "Select Review to fix it."
      : "Select Review to fix it, or send anyway."
    : block
      ? "Fix it, then send again."
      : "";
  const fixOf = (f) => {
    const fixes = (f.fixes || []).map(fixLabel);
    return block && fixes.length > 0 ? fixes[0] : "";
  };
  const more = (n) => (n === 1 ? "and 1 more" : `and ${n} more`);
  const md = fitAlert(
    (items) => `**${escapeMarkdown(head)}**\n\n` + items.map((i) => `- ${i}\r`).join("") + (tail ? `\n\n${escapeMarkdown(tail)}` : ""),
    findings.map((f) => escapeMarkdown(f.summary) + (fixOf(f) ? ` *Fix: ${escapeMarkdown(fixOf(f))}*` : "")),
    more,
    MAX_ALERT_CHARS,
  );
  const plain = fitAlert(
    (items) => [head].concat(items.map((i) => `- ${i}`)).concat(tail ? [tail] : []).join("\n"),
    findings.map((f) => f.summary + (fixOf(f) ? ` Fix: ${fixOf(f)}` : "")),
    more,
    MAX_ALERT_CHARS,
  );
  return { markdown: md, plain };
}

/**
 * The task pane's context: the findings with masked evidence only. It
 * carries recipient addresses the fixes act on, which never leave Outlook.
 * @param {Verdict} v
 * @returns {string} JSON
 */
export function contextData(v) {
  const ctx = {
    v: 1,
    action: v.action,
    classification: v.classification,
    findings: (v.findings || []).map((f) => ({
      rule: f.rule,
      severity: f.severity,
      summary: f.summary,
      detail: f.detail,
      recipients: f.recipients,
      evidence: (f.evidence || []).map((e) => ({ kind: e.kind, field: e.field, masked: e.masked })),
      fixes: f.fixes,
    })),
  };
  return JSON.stringify(ctx);
}

/**
 * Maps a verdict to event.completed options.
 *   allow: the mail goes.
 *   warn: Outlook stops with a dialog whose Review button opens the task
 *     pane, and sendModeOverride PromptUser lets the user send anyway.
 *   block: Outlook stops; the dialog says what to fix. The manifest's send
 *     mode applies, so the user cannot send until the finding is fixed.
 * @param {Verdict} v
 * @param {Support} support
 * @returns {object}
 */
export function completionFor(v, support) {
  if (!v || v.action === "allow" || !v.findings || v.findings.length === 0) {
    return { allowEvent: true };
  }
  const s = support || {};
  const canReview = !!s.smartAlerts14;
  const text = alertText(v, canReview);
  const opts = { allowEvent: false, errorMessage: text.plain };
  if (s.markdown) opts.errorMessageMarkdown = text.markdown;
  if (canReview) {
    opts.cancelLabel = REVIEW_LABEL;
    opts.commandId = REVIEW_BUTTON;
    opts.contextData = contextData(v);
    if (v.action === "warn") opts.sendModeOverride = s.promptUser || "promptUser";
  }
  return opts;
}

/**
 * Maps a failure (Office API, network, engine, timeout) to event.completed
 * options under the policy's fail mode. The reason is a short phrase the
 * add-in wrote, never message content.
 * @param {string} failMode "open" or "closed"
 * @param {string} reason
 * @returns {object}
 */
export function failureCompletion(failMode, reason) {
  if (failMode === "open") return { allowEvent: true };
  const msg = truncate(
    `Sendguard could not check this email (${reason}), and your organisation does not send unchecked email. Try again in a moment; if it keeps happening, contact your IT service desk.`,
    MAX_ALERT_CHARS,
  );
  return { allowEvent: false, errorMessage: msg };
}
