// Pure modules: alert text, message building, verdict mapping, fix
// planning, hashing. Table tests keyed by name.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

import { escapeMarkdown, fitAlert, truncate } from "../../src/markdown.js";
import { buildMessage, capBase64, contentTypeFor, normalizeAddress, recipientAddresses } from "../../src/message.js";
import { alertText, completionFor, contextData, failureCompletion, fixLabel } from "../../src/verdict.js";
import { chunk, planFix } from "../../src/fixes.js";
import { sha256Hex } from "../../src/sha256.js";
import { buildEvent } from "../../src/report.js";
import { describeEvidence, justificationFrom, statusFor } from "../../src/taskpane-view.js";
import { baseUrl } from "../../src/base.js";
import { MAX_ALERT_CHARS, REVIEW_BUTTON } from "../../src/ids.js";

const cases = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "engine", "testdata", "cases");
/** A verdict from the conformance corpus, so the tests see the engine's real shapes. */
const corpusVerdict = (name) => JSON.parse(readFileSync(join(cases, name + ".verdict.json"), "utf8"));

const SUPPORT_ALL = { smartAlerts14: true, markdown: true, promptUser: "promptUser" };

test("truncate", async (t) => {
  const table = {
    "short stays": { s: "abc", max: 5, want: "abc" },
    "cut with ellipsis": { s: "abcdefgh", max: 5, want: "abcd…" },
    "no dangling escape": { s: "abc\\*def", max: 5, want: "abc…" },
    "escaped backslash kept": { s: "ab\\\\cdef", max: 6, want: "ab\\\\c…" },
    "no split surrogate": { s: "abc😀def", max: 5, want: "abc…" },
  };
  for (const [name, c] of Object.entries(table)) {
    await t.test(name, () => assert.equal(truncate(c.s, c.max), c.want));
  }
});

test("escapeMarkdown leaves no active markup", () => {
  assert.equal(escapeMarkdown("a *b* [c](d) _e_ `f` \\"), "a \\*b\\* \\[c\\](d) \\_e\\_ \\`f\\` \\\\");
  assert.equal(escapeMarkdown("Recipients can see each other's email addresses."), "Recipients can see each other's email addresses.");
});

test("fitAlert drops bullets to fit and says how many", () => {
  const bullets = Array.from({ length: 40 }, (_, i) => `finding number ${i} with some words to make it long`);
  const render = (items) => ["Head"].concat(items.map((i) => "- " + i)).concat(["Tail"]).join("\n");
  const text = fitAlert(render, bullets, (n) => `and ${n} more`, 500);
  assert.ok(text.length <= 500, `length ${text.length}`);
  assert.match(text, /^Head\n- finding number 0/);
  assert.match(text, /- and \d+ more\nTail$/);
});

test("fitAlert cuts a single overlong bullet", () => {
  const render = (items) => ["H"].concat(items).concat(["T"]).join("\n");
  const text = fitAlert(render, ["x".repeat(900)], () => "", 200);
  assert.ok(text.length <= 200);
  assert.match(text, /…\nT$/);
});

test("buildMessage", async (t) => {
  const table = {
    "recipients and body": {
      parts: {
        to: [{ displayName: "Pat", emailAddress: "pat@example.com" }],
        cc: null,
        bcc: [{ emailAddress: "b@nhs.net" }],
        from: { displayName: "Dr A", emailAddress: "a@nhs.net" },
        subject: "Results",
        body: "<p>hi</p>",
      },
      want: {
        toRecipients: [{ emailAddress: { name: "Pat", address: "pat@example.com" } }],
        ccRecipients: [],
        bccRecipients: [{ emailAddress: { name: "", address: "b@nhs.net" } }],
        subject: "Results",
        body: { contentType: "html", content: "<p>hi</p>" },
        from: { emailAddress: { name: "Dr A", address: "a@nhs.net" } },
      },
    },
    "attachments with and without content": {
      parts: {
        attachments: [
          { id: "1", name: "letter.pdf", size: 10, attachmentType: "file" },
          { id: "2", name: "link", attachmentType: "cloud", size: 0 },
          { id: "3", name: "logo.png", contentType: "image/png", size: 5, isInline: true },
        ],
        contents: { 1: { format: "base64", content: "QUJD\nREVG" }, 2: { format: "url", content: "https://x" } },
      },
      want: {
        toRecipients: [],
        ccRecipients: [],
        bccRecipients: [],
        subject: "",
        body: { contentType: "html", content: "" },
        attachments: [
          { name: "letter.pdf", contentType: "application/pdf", size: 10, contentBytes: "QUJDREVG" },
          { name: "link", contentType: "application/octet-stream", size: 0 },
          { name: "logo.png", contentType: "image/png", size: 5, isInline: true },
        ],
      },
    },
  };
  for (const [name, c] of Object.entries(table)) {
    await t.test(name, () => assert.deepEqual(buildMessage(c.parts), c.want));
  }
});

test("capBase64 keeps whole quanta", () => {
  assert.equal(capBase64("QUJDREVGR0hJ", 6), "QUJDREVG");
  assert.equal(capBase64("QUJD", 0), "QUJD");
  assert.equal(Buffer.from(capBase64(Buffer.alloc(1000, 7).toString("base64"), 100), "base64").length, 99);
});

test("contentTypeFor", () => {
  assert.equal(contentTypeFor("A.DOCX"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  assert.equal(contentTypeFor("mail", "item"), "message/rfc822");
  assert.equal(contentTypeFor("noext"), "application/octet-stream");
});

test("recipientAddresses dedupes, lower-cases and unwraps", () => {
  const msg = buildMessage({
    to: [{ emailAddress: "B@x.com" }, { emailAddress: "Dr X <c@x.com>" }],
    cc: [{ emailAddress: "b@X.com" }],
    bcc: [{ emailAddress: "a@x.com" }],
  });
  assert.deepEqual(recipientAddresses(msg), ["a@x.com", "b@x.com", "c@x.com"]);
  assert.equal(normalizeAddress("  Name <A@B.com> "), "a@b.com");
});

test("completionFor", async (t) => {
  const warn = corpusVerdict("new-recipient-empty-history");
  const block = corpusVerdict("insecure-discharge-summary-gmail");
  const allow = corpusVerdict("green-internal-meeting");
  assert.equal(warn.action, "warn");
  assert.equal(block.action, "block");
  assert.equal(allow.action, "allow");
  const table = {
    "allow sends": { v: allow, s: SUPPORT_ALL, want: { allowEvent: true } },
    "audit-only allow with findings sends": { v: corpusVerdict("policy-audit-only"), s: SUPPORT_ALL, want: { allowEvent: true } },
    "warn offers review and send anyway": {
      v: warn,
      s: SUPPORT_ALL,
      check(o) {
        assert.equal(o.allowEvent, false);
        assert.equal(o.cancelLabel, "Review");
        assert.equal(o.commandId, REVIEW_BUTTON);
        assert.equal(o.sendModeOverride, "promptUser");
        assert.ok(o.errorMessageMarkdown.length <= MAX_ALERT_CHARS);
        assert.ok(o.errorMessage.length <= MAX_ALERT_CHARS);
        assert.match(o.errorMessage, /send anyway/);
        const ctx = JSON.parse(o.contextData);
        assert.equal(ctx.action, "warn");
        assert.equal(ctx.findings[0].rule, warn.findings[0].rule);
      },
    },
    "block says what to fix and cannot be sent anyway": {
      v: block,
      s: SUPPORT_ALL,
      check(o) {
        assert.equal(o.allowEvent, false);
        assert.equal(o.sendModeOverride, undefined);
        assert.equal(o.commandId, REVIEW_BUTTON);
        assert.match(o.errorMessage, /Fix: Add \[secure\] to the subject/);
        assert.match(o.errorMessageMarkdown, /^\*\*Sendguard stopped this email\.\*\*\n\n- Patient data to an address that is not secure \*Fix: Add \\\[secure\\\] to the subject\*\r- /);
        assert.match(o.errorMessage, /^Sendguard stopped this email\./);
      },
    },
    "warn on a client before Mailbox 1.14 uses a plain message": {
      v: warn,
      s: { smartAlerts14: false, markdown: false },
      check(o) {
        assert.deepEqual(Object.keys(o).sort(), ["allowEvent", "errorMessage"]);
        assert.equal(o.allowEvent, false);
      },
    },
    "markdown only from Mailbox 1.15": {
      v: block,
      s: { smartAlerts14: true, markdown: false },
      check(o) {
        assert.equal(o.errorMessageMarkdown, undefined);
        assert.equal(o.commandId, REVIEW_BUTTON);
      },
    },
  };
  for (const [name, c] of Object.entries(table)) {
    await t.test(name, () => {
      const got = completionFor(c.v, c.s);
      if (c.want) assert.deepEqual(got, c.want);
      else c.check(got);
    });
  }
});

test("alert text fits 500 characters with many findings", () => {
  const f = (i) => ({ rule: "r" + i, severity: i % 2 ? "warn" : "block", summary: `A long summary about finding ${i} ${"that keeps going ".repeat(3)}`, detail: "", fixes: [{ kind: "remove-recipient", recipients: ["x@y.z"] }] });
  const v = { action: "block", classification: "red", findings: Array.from({ length: 30 }, (_, i) => f(i)) };
  const t = alertText(v, true);
  assert.ok(t.markdown.length <= 500, `markdown ${t.markdown.length}`);
  assert.ok(t.plain.length <= 500, `plain ${t.plain.length}`);
  assert.match(t.plain, /and \d+ more/);
  // Blocking findings come first.
  assert.match(t.plain.split("\n")[1], /finding 0 /);
});

test("contextData keeps masked evidence only", () => {
  const v = corpusVerdict("insecure-discharge-summary-gmail");
  const ctx = JSON.parse(contextData(v));
  assert.deepEqual(ctx.findings[0].evidence, [{ kind: "nhs-number", field: "body", masked: "*** *** 5919" }]);
});

test("failureCompletion honours the fail mode", async (t) => {
  await t.test("open lets the mail go", () => assert.deepEqual(failureCompletion("open", "x"), { allowEvent: true }));
  await t.test("closed stops it and says why", () => {
    const o = failureCompletion("closed", "the server could not be reached for the check");
    assert.equal(o.allowEvent, false);
    assert.match(o.errorMessage, /could not check this email \(the server could not be reached for the check\)/);
    assert.ok(o.errorMessage.length <= 500);
  });
});

test("fixLabel derives labels when the engine gives none", () => {
  assert.equal(fixLabel({ kind: "move-to-bcc", recipients: ["a", "b"] }), "Move 2 recipients to Bcc");
  assert.equal(fixLabel({ kind: "add-subject-tag", value: "[secure]" }), "Add [secure] to the subject");
  assert.equal(fixLabel({ kind: "replace-recipient", recipients: ["a"], value: "b@x" }), "Change the address to b@x");
  assert.equal(fixLabel({ kind: "remove-recipient", recipients: ["a"], label: "Remove it" }), "Remove it");
});

const A = (e, n) => ({ displayName: n || e, emailAddress: e });

test("chunk", () => {
  assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  assert.deepEqual(chunk([]), []);
  assert.equal(chunk(Array.from({ length: 250 })).length, 3);
});

test("planFix", async (t) => {
  const many = Array.from({ length: 250 }, (_, i) => A(`p${i}@gmail.com`));
  const table = {
    "move 250 cc to bcc in calls of at most 100, bcc first": {
      item: { to: [A("me@nhs.net")], cc: many, bcc: [], subject: "" },
      fix: { kind: "move-to-bcc", recipients: many.map((a) => a.emailAddress.toUpperCase()) },
      check(ops) {
        assert.deepEqual(ops.map((o) => `${o.field}.${o.method}:${o.recipients.length}`), ["bcc.addAsync:100", "bcc.addAsync:100", "bcc.addAsync:50", "cc.setAsync:0"]);
      },
    },
    "move keeps unnamed recipients and skips ones already in bcc": {
      item: { to: [A("me@nhs.net"), A("a@gmail.com")], cc: [A("b@gmail.com")], bcc: [A("b@gmail.com")], subject: "" },
      fix: { kind: "move-to-bcc", recipients: ["a@gmail.com", "b@gmail.com"] },
      want: [
        { field: "bcc", method: "addAsync", recipients: [A("a@gmail.com")] },
        { field: "to", method: "setAsync", recipients: [A("me@nhs.net")] },
        { field: "cc", method: "setAsync", recipients: [] },
      ],
    },
    "move with nothing to move is a no-op": {
      item: { to: [A("me@nhs.net")], cc: [], bcc: [], subject: "" },
      fix: { kind: "move-to-bcc", recipients: ["x@gmail.com"] },
      want: [],
    },
    "remove from every field": {
      item: { to: [A("x@gmail.com", "X")], cc: [A("y@nhs.net")], bcc: [A("X@gmail.com")], subject: "" },
      fix: { kind: "remove-recipient", recipients: ["x@gmail.com"] },
      want: [
        { field: "to", method: "setAsync", recipients: [] },
        { field: "bcc", method: "setAsync", recipients: [] },
      ],
    },
    "replace in place keeping the display name": {
      item: { to: [A("a@nhs.net"), A("an.other@nhs.met", "An Other"), A("z@nhs.net")], cc: [], bcc: [], subject: "" },
      fix: { kind: "replace-recipient", recipients: ["an.other@nhs.met"], value: "an.other@nhs.net" },
      want: [{ field: "to", method: "setAsync", recipients: [A("a@nhs.net"), A("an.other@nhs.net", "An Other"), A("z@nhs.net")] }],
    },
    "replace drops a duplicate it would create": {
      item: { to: [A("an.other@nhs.net"), A("am.other@nhs.net")], cc: [], bcc: [], subject: "" },
      fix: { kind: "replace-recipient", recipients: ["am.other@nhs.net"], value: "an.other@nhs.net" },
      want: [{ field: "to", method: "setAsync", recipients: [A("an.other@nhs.net")] }],
    },
    "subject tag added in front": {
      item: { to: [], cc: [], bcc: [], subject: "Results" },
      fix: { kind: "add-subject-tag", value: "[secure]" },
      want: [{ field: "subject", method: "setAsync", value: "[secure] Results" }],
    },
    "subject tag already there in any case": {
      item: { to: [], cc: [], bcc: [], subject: "Re: results [SECURE]" },
      fix: { kind: "add-subject-tag", value: "[secure]" },
      want: [],
    },
    "subject stays within 255 characters": {
      item: { to: [], cc: [], bcc: [], subject: "s".repeat(255) },
      fix: { kind: "add-subject-tag", value: "[secure]" },
      check(ops) {
        assert.equal(ops[0].value.length, 255);
        assert.ok(ops[0].value.startsWith("[secure] "));
      },
    },
  };
  for (const [name, c] of Object.entries(table)) {
    await t.test(name, () => {
      const got = planFix(c.item, c.fix);
      if (c.want) assert.deepEqual(got, c.want);
      else c.check(got);
    });
  }
  await t.test("unknown kind is an error", () => assert.throws(() => planFix({ to: [], cc: [], bcc: [], subject: "" }, { kind: "teleport" }), /unknown fix kind/));
});

test("sha256Hex matches node's crypto", async (t) => {
  for (const s of ["", "abc", "a".repeat(55), "a".repeat(56), "a".repeat(64), "héllo wörld 😀", "\ud800 lone surrogate"]) {
    await t.test(JSON.stringify(s.slice(0, 20)), () => {
      const want = createHash("sha256").update(Buffer.from(s, "utf8")).digest("hex");
      assert.equal(sha256Hex(s), want);
    });
  }
});

test("buildEvent carries rules, masked evidence and a hash only", () => {
  const v = corpusVerdict("insecure-discharge-summary-gmail");
  const ev = buildEvent({ action: "sent-anyway", verdict: v, justification: "  Patient asked for it  ", messageRef: "sha256:abc", client: { addinVersion: "1.0.0" }, now: 0 });
  assert.deepEqual(ev, {
    action: "sent-anyway",
    rules: ["insecure-recipient", "personal-account"],
    verdictAction: "block",
    classification: "amber",
    policy: v.policy,
    evidence: [
      { kind: "nhs-number", field: "body", masked: "*** *** 5919" },
      { kind: "nhs-number", field: "body", masked: "*** *** 5919" },
    ],
    messageRef: "sha256:abc",
    occurredAt: "1970-01-01T00:00:00.000Z",
    client: { addinVersion: "1.0.0" },
    justification: "Patient asked for it",
  });
  assert.ok(!JSON.stringify(ev).includes("gmail.com"), "no addresses in reports");
});

test("task pane text", async (t) => {
  await t.test("evidence", () => assert.deepEqual(describeEvidence({ kind: "nhs-number", field: "body", masked: "*** *** 5919" }), { label: "NHS number", masked: "*** *** 5919", where: "in the body" }));
  await t.test("unknown evidence kind", () => assert.equal(describeEvidence({ kind: "blood-group", field: "attachment:0", masked: "x" }).label, "Blood group"));
  await t.test("status allow", () => assert.equal(statusFor({ action: "allow", findings: [] }).kind, "ok"));
  await t.test("status block", () => assert.match(statusFor({ action: "block", findings: [{}, {}] }).text, /2 things to fix/));
  await t.test("justification chosen", () => assert.deepEqual(justificationFrom("Patient consent", ""), { ok: true, justification: "Patient consent" }));
  await t.test("justification missing", () => assert.equal(justificationFrom(null, "").ok, false));
  await t.test("justification other needs text", () => assert.equal(justificationFrom("", " ").ok, false));
  await t.test("justification other", () => assert.deepEqual(justificationFrom("", " Urgent referral "), { ok: true, justification: "Urgent referral" }));
});

test("baseUrl", async (t) => {
  const table = {
    "browser page": { g: { location: { href: "https://sg.example/t1/addin/commands.html?x=1" } }, want: "https://sg.example/t1" },
    "javascript runtime": { g: { Office: { context: { urls: { javascriptRuntimeUrl: "https://sg.example/addin/launchevent.js" } } } }, want: "https://sg.example" },
    unknown: { g: {}, want: "" },
    "baked by the server": { g: {}, baked: "https://sg.example/t1/", want: "https://sg.example/t1" },
    "page wins over baked": { g: { location: { href: "https://other.example/addin/taskpane.html" } }, baked: "https://sg.example", want: "https://other.example" },
    "baked wins over the runtime URL": { g: { Office: { context: { urls: { javascriptRuntimeUrl: "https://old.example/addin/launchevent.js" } } } }, baked: "https://sg.example", want: "https://sg.example" },
    "unreplaced placeholder is ignored": { g: {}, baked: "__SENDGUARD_BASE_URL__", want: "" },
  };
  for (const [name, c] of Object.entries(table)) await t.test(name, () => assert.equal(baseUrl(c.g, c.baked), c.want));
});
