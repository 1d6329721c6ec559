/**
 * Thin glue over the Office item APIs of a message being composed: read
 * its parts in parallel, read attachment content, apply a fix plan.
 */

import { officeCall } from "./async.js";

/** Deadline for each Office read: well inside Outlook's 5 s patience. */
export const OFFICE_MS = 2000;

/**
 * Reads a recipient field (to, cc, bcc).
 * @param {object} item
 * @param {"to"|"cc"|"bcc"} field
 * @returns {Promise<object[]>}
 */
export function readRecipients(item, field) {
  const f = item[field];
  if (!f || typeof f.getAsync !== "function") return Promise.resolve([]);
  return officeCall(`reading the ${field === "to" ? "To" : field === "cc" ? "Cc" : "Bcc"} recipients`, (cb) => f.getAsync(cb), OFFICE_MS).then(
    (v) => v || [],
  );
}

/**
 * Reads the sender. Office lacks item.from in some compose forms (shared
 * mailboxes on old builds); then the user's own address stands in.
 * @param {object} item
 * @param {object} mailbox Office.context.mailbox
 * @returns {Promise<object|null>}
 */
export function readFrom(item, mailbox) {
  const profile = mailbox && mailbox.userProfile ? { displayName: mailbox.userProfile.displayName, emailAddress: mailbox.userProfile.emailAddress } : null;
  if (!item.from || typeof item.from.getAsync !== "function") return Promise.resolve(profile);
  return officeCall("reading the sender", (cb) => item.from.getAsync(cb), OFFICE_MS).then((v) => (v && v.emailAddress ? v : profile));
}

/**
 * Reads the subject.
 * @param {object} item
 * @returns {Promise<string>}
 */
export function readSubject(item) {
  return officeCall("reading the subject", (cb) => item.subject.getAsync(cb), OFFICE_MS).then((v) => v || "");
}

/**
 * Reads the body as HTML.
 * @param {object} item
 * @param {object} office the Office namespace (for CoercionType)
 * @returns {Promise<string>}
 */
export function readBody(item, office) {
  const html = office.CoercionType && office.CoercionType.Html ? office.CoercionType.Html : "html";
  return officeCall("reading the body", (cb) => item.body.getAsync(html, cb), OFFICE_MS).then((v) => v || "");
}

/**
 * Lists attachments (name, type, size, id). Clients before Mailbox 1.8
 * have no getAttachmentsAsync; then there is nothing to list.
 * @param {object} item
 * @returns {Promise<object[]>}
 */
export function readAttachments(item) {
  if (typeof item.getAttachmentsAsync !== "function") return Promise.resolve([]);
  return officeCall("listing the attachments", (cb) => item.getAttachmentsAsync(cb), OFFICE_MS).then((v) => v || []);
}

/**
 * Reads the content of file attachments, in parallel, for the policy's
 * attachments.readContent. Cloud and item attachments are skipped.
 * @param {object} item
 * @param {object[]} attachments
 * @returns {Promise<Object<string, object>>} content by attachment id
 */
export async function readAttachmentContents(item, attachments) {
  if (typeof item.getAttachmentContentAsync !== "function") return {};
  const files = attachments.filter((a) => a && a.id !== undefined && (!a.attachmentType || a.attachmentType === "file"));
  const contents = await Promise.all(
    files.map((a) => officeCall("reading an attachment", (cb) => item.getAttachmentContentAsync(a.id, cb), OFFICE_MS)),
  );
  const out = {};
  files.forEach((a, i) => {
    out[a.id] = contents[i];
  });
  return out;
}

/**
 * Reads what the fix planner needs: recipients and subject.
 * @param {object} item
 * @returns {Promise<{to: object[], cc: object[], bcc: object[], subject: string}>}
 */
export async function readState(item) {
  const [to, cc, bcc, subject] = await Promise.all([
    readRecipients(item, "to"),
    readRecipients(item, "cc"),
    readRecipients(item, "bcc"),
    readSubject(item),
  ]);
  return { to, cc, bcc, subject };
}

/**
 * Applies a fix plan in order; each op waits for the one before, because
 * a setAsync followed by addAsync on one field must not interleave.
 * @param {object} item
 * @param {object[]} ops from fixes.js
 * @returns {Promise<void>}
 */
export async function applyPlan(item, ops) {
  for (const op of ops) {
    if (op.field === "subject") {
      await officeCall("changing the subject", (cb) => item.subject.setAsync(op.value, cb), OFFICE_MS);
    } else {
      const f = item[op.field];
      await officeCall(`changing the ${op.field === "to" ? "To" : op.field === "cc" ? "Cc" : "Bcc"} recipients`, (cb) => f[op.method](op.recipients, cb), OFFICE_MS);
    }
  }
}
