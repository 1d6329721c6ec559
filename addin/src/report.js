/**
 * Builds the reports the add-in sends to POST /api/v1/events when a user
 * fixes a finding or sends anyway (server/domain.Event's JSON). Pure:
 * reports carry rule ids, masked evidence and an opaque message hash,
 * never a subject, body or address.
 */

/** The add-in's version, reported with every event. */
export const ADDIN_VERSION = "1.0.0";

/** Longest free-text justification sent; the server caps it too. */
export const MAX_JUSTIFICATION = 500;

/**
 * Host details for the report, from Office.context.diagnostics.
 * @param {object} office
 * @returns {{host?: string, platform?: string, version?: string, addinVersion: string}}
 */
export function clientInfo(office) {
  const d = (office && office.context && office.context.diagnostics) || {};
  const out = { addinVersion: ADDIN_VERSION };
  if (typeof d.hostName === "string") out.host = d.hostName;
  if (typeof d.platform === "string") out.platform = d.platform;
  if (typeof d.hostVersion === "string") out.version = d.hostVersion;
  return out;
}

/**
 * An event report.
 * @param {{action: string, verdict: object, findings?: object[], justification?: string,
 *   messageRef: string, client: object, now: number}} p
 *   findings: the findings the event is about (default: all of the verdict's)
 * @returns {object}
 */
export function buildEvent(p) {
  const findings = p.findings || p.verdict.findings || [];
  const rules = [];
  const evidence = [];
  for (const f of findings) {
    if (rules.indexOf(f.rule) < 0) rules.push(f.rule);
    for (const e of f.evidence || []) evidence.push({ kind: e.kind, field: e.field, masked: e.masked });
  }
  const ev = {
    action: p.action,
    rules,
    verdictAction: p.verdict.action,
    classification: p.verdict.classification,
    policy: p.verdict.policy || { id: "", version: "" },
    evidence,
    messageRef: p.messageRef,
    occurredAt: new Date(p.now).toISOString(),
    client: p.client,
  };
  const j = (p.justification || "").trim();
  if (j) ev.justification = j.slice(0, MAX_JUSTIFICATION);
  return ev;
}
