// Turns a conformance case's Graph message into the test Outlook's item,
// the way Outlook would hold it. Shared by the replay harness (in the
// browser) and the Chromium tests (in node).

/**
 * Outlook composes in HTML: a plain-text case body becomes the HTML a user
 * would have typed, one block per line.
 * @param {{contentType?: string, content?: string}} body
 * @returns {string}
 */
export function composeHTML(body) {
  if (!body) return "";
  if (String(body.contentType || "").toLowerCase() === "html") return body.content || "";
  const esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return (
    "<html><body>" +
    String(body.content || "")
      .split(/\r\n|\r|\n/)
      .map((l) => (l === "" ? "<div><br></div>" : `<div>${esc(l)}</div>`))
      .join("") +
    "</body></html>"
  );
}

const person = (r) => ({ displayName: r.emailAddress.name || "", emailAddress: r.emailAddress.address || "" });

/**
 * The test Outlook's item for a case's message.
 * @param {object} m Graph message
 * @returns {object} spec for createOutlook
 */
export function itemSpec(m) {
  return {
    to: (m.toRecipients || []).map(person),
    cc: (m.ccRecipients || []).map(person),
    bcc: (m.bccRecipients || []).map(person),
    from: m.from ? person(m.from) : undefined,
    subject: m.subject || "",
    body: composeHTML(m.body),
    attachments: (m.attachments || []).map((a) => ({
      name: a.name,
      contentType: a.contentType,
      size: a.size,
      content: a.contentBytes || "",
      isInline: !!a.isInline,
    })),
  };
}
