/**
 * Builds the Graph-shaped message (engine/message.go) from what the Office
 * item APIs return. Pure functions: the Office reads live in item.js.
 */

/**
 * @typedef {{displayName?: string, emailAddress?: string}} OfficeAddress
 *   Office's EmailAddressDetails (recipientType and the rest are ignored).
 * @typedef {{name: string, address: string}} GraphAddress
 * @typedef {{emailAddress: GraphAddress}} GraphRecipient
 * @typedef {{id?: string, name?: string, contentType?: string, size?: number,
 *   attachmentType?: string, isInline?: boolean}} OfficeAttachment
 * @typedef {{format?: string, content?: string}} OfficeAttachmentContent
 */

/**
 * Converts one Office address to Graph's recipient shape.
 * @param {OfficeAddress|null|undefined} a
 * @returns {GraphRecipient}
 */
export function toRecipient(a) {
  return {
    emailAddress: {
      name: (a && a.displayName) || "",
      address: (a && a.emailAddress) || "",
    },
  };
}

/**
 * Converts a recipient list, tolerating null (Office returns null for an
 * empty field on some clients).
 * @param {OfficeAddress[]|null|undefined} list
 * @returns {GraphRecipient[]}
 */
export function toRecipients(list) {
  return (list || []).filter((a) => a && (a.emailAddress || a.displayName)).map(toRecipient);
}

/**
 * Converts an attachment and, when read, its content. Only base64 file
 * content is sent: Office returns cloud attachments as URLs and attached
 * items as EML, which the engine treats by name and size alone.
 * @param {OfficeAttachment} a
 * @param {OfficeAttachmentContent|null|undefined} content
 * @param {number} maxBytes the policy's attachments.maxContentBytes (0: no cap)
 * @returns {{name: string, contentType: string, size: number, isInline?: boolean, contentBytes?: string}}
 */
export function toAttachment(a, content, maxBytes) {
  const out = {
    name: a.name || "",
    contentType: a.contentType || contentTypeFor(a.name || "", a.attachmentType),
    size: typeof a.size === "number" ? a.size : 0,
  };
  if (a.isInline) out.isInline = true;
  if (content && content.format === "base64" && typeof content.content === "string" && content.content !== "") {
    out.contentBytes = capBase64(content.content.replace(/\s+/g, ""), maxBytes);
  }
  return out;
}

/**
 * Keeps at most maxBytes decoded bytes of a base64 string, cutting on a
 * 4-character boundary so the result still decodes.
 * @param {string} b64
 * @param {number} maxBytes
 * @returns {string}
 */
export function capBase64(b64, maxBytes) {
  if (!maxBytes || maxBytes <= 0) return b64;
  const chars = Math.floor(maxBytes / 3) * 4;
  return b64.length > chars ? b64.slice(0, chars) : b64;
}

/**
 * Guesses a content type from a file name for clients that omit it.
 * @param {string} name
 * @param {string} [attachmentType]
 * @returns {string}
 */
export function contentTypeFor(name, attachmentType) {
  if (attachmentType === "item") return "message/rfc822";
  const ext = (name.match(/\.([A-Za-z0-9]+)$/) || [])[1];
  const types = {
    pdf: "application/pdf",
    doc: "application/msword",
    docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    xls: "application/vnd.ms-excel",
    xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    csv: "text/csv",
    txt: "text/plain",
    rtf: "application/rtf",
    png: "image/png",
    jpg: "image/jpeg",
    jpeg: "image/jpeg",
    zip: "application/zip",
  };
  return (ext && types[ext.toLowerCase()]) || "application/octet-stream";
}

/**
 * Builds the check request's message from the item's parts.
 * @param {{to?: OfficeAddress[], cc?: OfficeAddress[], bcc?: OfficeAddress[],
 *   from?: OfficeAddress|null, subject?: string, body?: string,
 *   attachments?: OfficeAttachment[], contents?: Object<string, OfficeAttachmentContent>,
 *   maxContentBytes?: number}} parts
 * @returns {object} Graph message
 */
export function buildMessage(parts) {
  const msg = {
    toRecipients: toRecipients(parts.to),
    ccRecipients: toRecipients(parts.cc),
    bccRecipients: toRecipients(parts.bcc),
    subject: parts.subject || "",
    body: { contentType: "html", content: parts.body || "" },
  };
  if (parts.from && parts.from.emailAddress) msg.from = toRecipient(parts.from);
  const atts = (parts.attachments || []).map((a) =>
    toAttachment(a, parts.contents && a.id !== undefined ? parts.contents[a.id] : null, parts.maxContentBytes || 0),
  );
  if (atts.length > 0) msg.attachments = atts;
  return msg;
}

/**
 * The lower-cased addresses of every recipient, for history lookups.
 * @param {object} msg Graph message
 * @returns {string[]}
 */
export function recipientAddresses(msg) {
  const seen = {};
  const out = [];
  for (const list of [msg.toRecipients, msg.ccRecipients, msg.bccRecipients]) {
    for (const r of list || []) {
      const a = normalizeAddress(r.emailAddress.address);
      if (a && !seen[a]) {
        seen[a] = true;
        out.push(a);
      }
    }
  }
  return out.sort();
}

/**
 * Lower-cases and trims an address, and unwraps "Name <addr>" forms, so
 * addresses compare the way the engine reports them.
 * @param {string} a
 * @returns {string}
 */
export function normalizeAddress(a) {
  let s = String(a || "").trim();
  const m = s.match(/<([^<>]+)>\s*$/);
  if (m) s = m[1].trim();
  return s.toLowerCase();
}
