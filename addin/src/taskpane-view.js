/**
 * Renders findings into the task pane. It builds DOM with textContent only
 * (finding text comes from the policy and the engine, and must never be
 * parsed as HTML) and takes the document as an argument so it stays free
 * of Office.
 */

import { fixLabel, rankedFindings } from "./verdict.js";

/** Plain-language names of the evidence kinds. */
const KIND_LABELS = {
  "nhs-number": "NHS number",
  "chi-number": "CHI number",
  "hc-number": "Health and Care number",
  nino: "National Insurance number",
  "date-of-birth": "Date of birth",
  postcode: "Postcode",
  "special-category": "Sensitive health detail",
  attachment: "Attachment",
};

/**
 * Describes one piece of evidence: "NHS number *** *** 5919 in the body".
 * @param {{kind: string, field: string, masked: string}} e
 * @returns {{label: string, masked: string, where: string}}
 */
export function describeEvidence(e) {
  const label = KIND_LABELS[e.kind] || e.kind.replace(/-/g, " ").replace(/^./, (c) => c.toUpperCase());
  let where = "";
  if (e.field === "body") where = "in the body";
  else if (e.field === "subject") where = "in the subject";
  else if (e.field === "to" || e.field === "cc" || e.field === "bcc") where = `in ${e.field === "to" ? "To" : e.field === "cc" ? "Cc" : "Bcc"}`;
  else if (/^attachment/.test(e.field)) where = "in an attachment";
  return { label, masked: e.masked, where };
}

/**
 * Creates an element with a class and text.
 * @param {Document} doc
 * @param {string} tag
 * @param {string} [cls]
 * @param {string} [text]
 * @returns {HTMLElement}
 */
function el(doc, tag, cls, text) {
  const n = doc.createElement(tag);
  if (cls) n.className = cls;
  if (text !== undefined) n.textContent = text;
  return n;
}

/**
 * Renders the verdict's findings as cards with fix buttons.
 * @param {Document} doc
 * @param {HTMLElement} container
 * @param {object} verdict
 * @param {(finding: object, fix: object, button: HTMLButtonElement) => void} onFix
 */
export function renderFindings(doc, container, verdict, onFix) {
  container.textContent = "";
  const findings = rankedFindings(verdict);
  findings.forEach((f, i) => {
    const card = el(doc, "article", "finding " + (f.severity === "block" ? "block" : "warn"));
    const titleId = `finding-${i}-title`;
    card.setAttribute("aria-labelledby", titleId);
    card.appendChild(el(doc, "span", "badge", f.severity === "block" ? "Must fix" : "Warning"));
    const h = el(doc, "h2", "finding-title", f.summary);
    h.id = titleId;
    card.appendChild(h);
    if (f.detail) card.appendChild(el(doc, "p", "", f.detail));
    const ev = f.evidence || [];
    if (ev.length > 0) {
      const list = el(doc, "ul", "evidence");
      list.setAttribute("aria-label", "What was found");
      for (const e of ev.slice(0, 10)) {
        const d = describeEvidence(e);
        const li = el(doc, "li");
        li.appendChild(doc.createTextNode(d.label + " "));
        li.appendChild(el(doc, "span", "masked", d.masked));
        if (d.where) li.appendChild(doc.createTextNode(" " + d.where));
        list.appendChild(li);
      }
      if (ev.length > 10) list.appendChild(el(doc, "li", "", `and ${ev.length - 10} more`));
      card.appendChild(list);
    }
    const fixes = f.fixes || [];
    if (fixes.length > 0) {
      const actions = el(doc, "div", "actions");
      fixes.forEach((fix, j) => {
        const b = /** @type {HTMLButtonElement} */ (el(doc, "button", j === 0 ? "button primary" : "button secondary", fixLabel(fix)));
        b.type = "button";
        b.dataset.fix = fix.kind;
        b.addEventListener("click", () => onFix(f, fix, b));
        actions.appendChild(b);
      });
      card.appendChild(actions);
    }
    container.appendChild(card);
  });
}

/**
 * The status line for a verdict.
 * @param {object} verdict
 * @returns {{text: string, kind: string}}
 */
export function statusFor(verdict) {
  const n = (verdict.findings || []).length;
  if (verdict.action === "allow" || n === 0) return { text: "No problems found. You can send this email.", kind: "ok" };
  const what = n === 1 ? "1 thing" : `${n} things`;
  if (verdict.action === "block") return { text: `Sendguard found ${what} to fix before this email can go.`, kind: "error" };
  return { text: `Sendguard found ${what} to check before you send.`, kind: "" };
}

/**
 * Validates the override form: a chosen reason, or free text for "other".
 * @param {string} chosen the selected reason ("" for another reason, null when none)
 * @param {string} text the free text
 * @returns {{ok: boolean, justification?: string, error?: string}}
 */
export function justificationFrom(chosen, text) {
  if (chosen === null || chosen === undefined) return { ok: false, error: "Choose a reason." };
  if (chosen !== "") return { ok: true, justification: chosen };
  const t = (text || "").trim();
  if (t.length < 3) return { ok: false, error: "Write your reason." };
  return { ok: true, justification: t };
}
