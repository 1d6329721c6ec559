// The add-in end to end in headless Chromium: the real sendguard binary
// serves the real pages, bundles and WebAssembly engine; the test Outlook
// stands in for office.js and holds the item. Screenshots of the alert
// text and the task pane go to testresults/addin/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { root, startServer, launchBrowser, useOutlook, pressSend, handlersReady, resultsDir } from "./support.js";
import { itemSpec } from "./harness/case-item.js";
import { recipientsKey } from "../../src/check.js";
import { CONTEXT_KEY } from "../../src/cache.js";

const corpusCase = (name) => JSON.parse(readFileSync(join(root, "engine", "testdata", "cases", name + ".json"), "utf8"));
const corpusVerdict = (name) => JSON.parse(readFileSync(join(root, "engine", "testdata", "cases", name + ".verdict.json"), "utf8"));
const defaultPolicy = JSON.parse(readFileSync(join(root, "engine", "policy", "default.json"), "utf8"));

let server;
let browser;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/**
 * Opens an add-in page with the test Outlook holding spec, and records the
 * API calls the page makes.
 */
async function open(path, spec, opts = {}) {
  const page = await browser.newPage();
  const api = [];
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith("/api/")) api.push(`${r.method()} ${u.pathname}`);
  });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  if (opts.noWebAssembly) await page.addInitScript(() => delete globalThis.WebAssembly);
  await useOutlook(page, spec);
  await page.goto(`${server.url}/addin/${path}`);
  return { page, api, errors };
}

/**
 * Renders the Smart Alerts dialog the way Outlook lays it out (the add-in's
 * name as title, the message in Outlook's Markdown subset, the buttons)
 * and saves a screenshot of it.
 */
async function screenshotAlert(options, file) {
  const page = await browser.newPage();
  const buttons = options.allowEvent ? [] : [options.sendModeOverride ? "Send Anyway" : null, "Don't Send", options.commandId ? options.cancelLabel || "Take Action" : null].filter(Boolean);
  await page.setContent(`<!DOCTYPE html><html><body style="font-family:'Segoe UI',sans-serif;margin:0;padding:16px;background:#f5f5f5">
    <div id="dialog" role="dialog" style="background:#fff;border-radius:8px;box-shadow:0 8px 16px rgba(0,0,0,.14);padding:20px;width:360px">
      <h1 style="font-size:16px;margin:0 0 12px">Sendguard</h1>
      <div id="msg" style="font-size:14px;line-height:20px;margin:0 0 16px"></div>
      <div id="buttons" style="display:flex;gap:8px;justify-content:flex-end"></div>
    </div></body></html>`);
  await page.evaluate(
    ({ markdown, plain, buttons }) => {
      const msg = document.getElementById("msg");
      // Outlook's subset: blocks split by "\n\n", list items "- x\r",
      // **bold**, *italic*, backslash escapes.
      const inline = (text, into) => {
        const re = /\\(.)|\*\*(.+?)\*\*|\*(.+?)\*/g;
        let last = 0;
        let m;
        while ((m = re.exec(text))) {
          into.appendChild(document.createTextNode(text.slice(last, m.index)));
          if (m[1] !== undefined) into.appendChild(document.createTextNode(m[1]));
          else {
            const e = document.createElement(m[2] !== undefined ? "strong" : "em");
            inline(m[2] !== undefined ? m[2] : m[3], e);
            into.appendChild(e);
          }
          last = re.lastIndex;
        }
        into.appendChild(document.createTextNode(text.slice(last)));
      };
      if (!markdown) {
        msg.style.whiteSpace = "pre-wrap";
        msg.textContent = plain;
      } else {
        for (const block of markdown.split("\n\n")) {
          if (block.startsWith("- ")) {
            const ul = document.createElement("ul");
            ul.style.margin = "0 0 8px";
            for (const item of block.split("\r").filter(Boolean)) {
              const li = document.createElement("li");
              inline(item.replace(/^- /, ""), li);
              ul.appendChild(li);
            }
            msg.appendChild(ul);
          } else {
            const p = document.createElement("p");
            p.style.margin = "0 0 8px";
            inline(block, p);
            msg.appendChild(p);
          }
        }
      }
      for (const b of buttons) {
        const e = document.createElement("button");
        e.textContent = b;
        e.style.cssText = "font:inherit;font-weight:600;padding:5px 12px;border-radius:4px;border:1px solid #d1d1d1;background:#fff";
        document.getElementById("buttons").appendChild(e);
      }
    },
    { markdown: options.errorMessageMarkdown || "", plain: options.errorMessage || "(sent)", buttons },
  );
  await page.locator("#dialog").screenshot({ path: join(resultsDir(), file) });
  await page.close();
}

test("Send on the flu-clinic email blocks it, checked in the browser", async () => {
  const c = corpusCase("bulk-flu-clinic-200-cc");
  const want = corpusVerdict("bulk-flu-clinic-200-cc");
  const { page, api, errors } = await open("commands.html", itemSpec(c.request.message));
  await handlersReady(page);
  const { options, count } = await pressSend(page);
  assert.equal(count, 1, "event.completed exactly once");
  assert.equal(options.allowEvent, false);
  assert.equal(options.commandId, "sendguardReviewButton");
  assert.equal(options.cancelLabel, "Review");
  assert.equal(options.sendModeOverride, undefined, "a block cannot be sent anyway");
  assert.match(options.errorMessage, new RegExp(want.findings[0].summary.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  assert.match(options.errorMessage, /Fix: Move 200 recipients to Bcc/);
  assert.ok(options.errorMessageMarkdown.length <= 500);
  const ctx = JSON.parse(options.contextData);
  assert.deepEqual(ctx.findings.map((f) => f.rule), want.findings.map((f) => f.rule));
  assert.ok(!api.includes("POST /api/v1/check"), `checked in the browser, not on the server: ${api.join(", ")}`);
  assert.ok(api.includes("GET /api/v1/policy"));
  assert.deepEqual(errors, []);
  await screenshotAlert(options, "alert-block-flu-clinic.png");
  await page.close();
});

test("Send on a warning offers Review and Send Anyway", async () => {
  const c = corpusCase("multiple-patients-two-nhs-numbers");
  const { page } = await open("commands.html", itemSpec(c.request.message));
  await handlersReady(page);
  const { options } = await pressSend(page);
  assert.equal(options.allowEvent, false);
  assert.equal(options.sendModeOverride, "promptUser");
  assert.equal(options.commandId, "sendguardReviewButton");
  assert.match(options.errorMessage, /More than one patient in one email/);
  assert.match(options.errorMessage, /or send anyway/);
  await screenshotAlert(options, "alert-warn-two-patients.png");
  await page.close();
});

test("Send on a clean email lets it go", async () => {
  const c = corpusCase("green-internal-meeting");
  const { page } = await open("commands.html", itemSpec(c.request.message));
  await handlersReady(page);
  const { options } = await pressSend(page);
  assert.deepEqual(options, { allowEvent: true });
  await page.close();
});

test("without WebAssembly the handler checks on the server", async () => {
  const c = corpusCase("insecure-discharge-summary-gmail");
  const { page, api } = await open("commands.html", itemSpec(c.request.message), { noWebAssembly: true });
  await handlersReady(page);
  const { options } = await pressSend(page);
  assert.equal(options.allowEvent, false);
  assert.match(options.errorMessage, /Fix: Add \[secure\] to the subject/);
  assert.ok(api.includes("POST /api/v1/check"), `the server checked it: ${api.join(", ")}`);
  await page.close();
});

test("an Outlook failure ends in the policy's fail mode", async () => {
  const c = corpusCase("insecure-discharge-summary-gmail");
  const { page } = await open("commands.html", { ...itemSpec(c.request.message), fail: ["body.getAsync"] });
  await handlersReady(page);
  const { options, count } = await pressSend(page);
  assert.equal(count, 1);
  assert.equal(options.allowEvent, defaultPolicy.failMode === "open");
  await page.close();
});

test("task pane: Move to Bcc moves 200 patients in calls of at most 100", async () => {
  const c = corpusCase("bulk-flu-clinic-200-cc");
  const spec = itemSpec(c.request.message);
  const { page, errors } = await open("taskpane.html", spec);
  const button = page.getByRole("button", { name: "Move 200 recipients to Bcc" });
  await button.waitFor();
  await page.screenshot({ path: join(resultsDir(), "taskpane-flu-clinic-before.png"), fullPage: true });
  await button.click();
  await page.getByText(/^Done: Move 200 recipients to Bcc\./).waitFor();
  const st = await page.evaluate(() => ({ to: window.__outlook.to.map((a) => a.emailAddress), cc: window.__outlook.cc.map((a) => a.emailAddress), bcc: window.__outlook.bcc.map((a) => a.emailAddress), calls: window.__outlook.calls }));
  assert.deepEqual(st.to, spec.to.map((a) => a.emailAddress));
  assert.deepEqual(st.cc, []);
  assert.deepEqual(st.bcc.sort(), spec.cc.map((a) => a.emailAddress).sort());
  assert.equal(st.calls.filter((x) => x === "bcc.addAsync").length, 2);
  assert.equal(await page.getByText("Recipients can see each other's email addresses").count(), 0, "the finding is gone after the fix");
  await page.screenshot({ path: join(resultsDir(), "taskpane-flu-clinic-after.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test("task pane: findings show masked evidence and guidance; Add [secure] fixes the subject", async () => {
  const c = corpusCase("insecure-discharge-summary-gmail");
  const { page } = await open("taskpane.html", itemSpec(c.request.message));
  await page.getByRole("heading", { name: "Patient data to an address that is not secure" }).waitFor();
  const text = await page.locator("#findings").innerText();
  assert.match(text, /NHS number \*\*\* \*\*\* 5919 in the body/);
  assert.match(text, /DCB1596/);
  assert.doesNotMatch(text, /943 ?476 ?5919/, "never the whole identifier");
  await page.screenshot({ path: join(resultsDir(), "taskpane-discharge-summary.png"), fullPage: true });
  await page.getByRole("button", { name: "Add [secure] to the subject" }).click();
  await page.getByText(/^Done: Add \[secure\] to the subject\./).waitFor();
  assert.match(await page.evaluate(() => window.__outlook.subject), /^\[secure\] /);
  await page.close();
});

test("task pane: a lookalike address is replaced with the one the sender uses", async () => {
  const c = corpusCase("lookalike-nhs-met");
  const spec = itemSpec(c.request.message);
  const to = spec.to.map((a) => a.emailAddress.toLowerCase()).sort();
  // The history OnMessageRecipientsChanged would have prefetched.
  spec.sessionData = { [CONTEXT_KEY]: JSON.stringify({ key: recipientsKey(spec.from.emailAddress, to), context: c.request.context }) };
  const { page } = await open("taskpane.html", spec);
  const fix = corpusVerdict("lookalike-nhs-met").findings[0].fixes[0];
  await page.getByRole("button", { name: fix.label }).click();
  await page.getByText(`Done: ${fix.label}.`).waitFor();
  assert.deepEqual(await page.evaluate(() => window.__outlook.to.map((a) => a.emailAddress)), [fix.value]);
  await page.close();
});

test("task pane opened from the alert shows the alert's findings at once", async () => {
  const c = corpusCase("insecure-discharge-summary-gmail");
  const want = corpusVerdict("insecure-discharge-summary-gmail");
  const sent = await open("commands.html", itemSpec(c.request.message));
  await handlersReady(sent.page);
  const { options } = await pressSend(sent.page);
  await sent.page.close();
  // The pane's own check never finishes here (the body read hangs), so
  // what it shows comes from the dialog's contextData.
  const { page } = await open("taskpane.html", { ...itemSpec(c.request.message), initContext: options.contextData, hang: ["body.getAsync"] });
  await page.getByRole("heading", { name: want.findings[0].summary }).waitFor();
  assert.equal(await page.locator("article.finding").count(), JSON.parse(options.contextData).findings.length);
  await page.close();
});

test("task pane: Send anyway records a reason with the server, then Send lets the email go", async () => {
  const c = corpusCase("multiple-patients-two-nhs-numbers");
  const spec = itemSpec(c.request.message);
  const { page, api } = await open("taskpane.html", spec);
  const open1 = page.getByRole("button", { name: "Send anyway…" });
  await open1.waitFor();
  // Keyboard only: focus moves into the form, arrows pick a reason, Enter submits.
  await open1.focus();
  await page.keyboard.press("Enter");
  const first = page.getByRole("radio", { name: defaultPolicy.justifications[0] });
  await first.waitFor();
  assert.ok(await first.evaluate((e) => e === document.activeElement), "focus moved to the first reason");
  await page.keyboard.press("Space");
  await page.screenshot({ path: join(resultsDir(), "taskpane-send-anyway.png"), fullPage: true });
  await page.getByRole("button", { name: "Record reason" }).click();
  await page.getByText("Reason recorded. Select Send again to send this email.").waitFor();
  assert.ok(api.includes("POST /api/v1/events"));
  const sessionData = await page.evaluate(() => window.__outlook.sessionData);
  await page.close();

  const res = await fetch(`${server.url}/api/v1/events?action=sent-anyway`);
  assert.equal(res.status, 200);
  const body = await res.text();
  const events = JSON.parse(body).events;
  const ev = events.find((e) => e.justification === defaultPolicy.justifications[0]);
  assert.ok(ev, body);
  assert.deepEqual(ev.rules, ["multiple-patients"]);
  assert.equal(ev.verdictAction, "warn");
  assert.match(ev.messageRef, /^sha256:[0-9a-f]{64}$/);
  assert.ok(!body.includes(spec.subject) || spec.subject === "", "no subject in the record");
  assert.ok(!body.includes("943 476"), "no identifiers in the record");

  // The next Send of the same email goes through without a second alert.
  const again = await open("commands.html", { ...spec, sessionData });
  await handlersReady(again.page);
  const { options } = await pressSend(again.page);
  assert.deepEqual(options, { allowEvent: true });
  await again.page.close();
});

test("the well-known file lists the handler script the server serves", async () => {
  const res = await fetch(`${server.url}/.well-known/microsoft-officeaddins-allowed.json`);
  assert.equal(res.status, 200);
  const doc = await res.json();
  assert.deepEqual(doc.allowed, [`${server.url}/addin/launchevent.js`]);
  const js = await fetch(doc.allowed[0]);
  assert.equal(js.status, 200);
  assert.match(js.headers.get("content-type"), /javascript/);
});

test("task pane accessibility: AA contrast, named controls, visible keyboard focus", async () => {
  const c = corpusCase("multiple-patients-two-nhs-numbers");
  const { page } = await open("taskpane.html", itemSpec(c.request.message));
  await page.getByRole("button", { name: "Send anyway…" }).click();
  await page.getByRole("button", { name: "Record reason" }).waitFor();
  const report = await page.evaluate(() => {
    const lum = (rgb) => {
      const [r, g, b] = rgb.map((v) => {
        v /= 255;
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const parse = (s) => (s.match(/[\d.]+/g) || []).map(Number);
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    const low = [];
    let checked = 0;
    for (const el of document.querySelectorAll("body *")) {
      const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      const st = getComputedStyle(el);
      if (!own || st.visibility === "hidden" || st.display === "none" || el.closest("[hidden]")) continue;
      checked++;
      const fg = parse(st.color).slice(0, 3);
      const bg = background(el);
      const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
      const ratio = (a + 0.05) / (b + 0.05);
      const size = parseFloat(st.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(st.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) low.push(`${el.tagName} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
    }
    const unnamed = [...document.querySelectorAll("button, input, textarea, a")]
      .filter((e) => !e.closest("[hidden]"))
      .filter((e) => {
        const label = e.labels && e.labels.length ? e.labels[0].textContent : "";
        return !(e.textContent.trim() || e.getAttribute("aria-label") || label.trim());
      })
      .map((e) => e.outerHTML.slice(0, 60));
    return { low, checked, unnamed };
  });
  assert.ok(report.checked > 10, `checked ${report.checked} text elements`);
  assert.deepEqual(report.low, [], "text below WCAG AA contrast");
  assert.deepEqual(report.unnamed, [], "controls without an accessible name");
  // Keyboard: Tab reaches a button and the focus ring shows.
  await page.locator("#recheck").focus();
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Tab");
  const ring = await page.evaluate(() => {
    const st = getComputedStyle(document.activeElement);
    return { id: document.activeElement.id, style: st.outlineStyle, width: st.outlineWidth };
  });
  assert.equal(ring.id, "recheck");
  assert.notEqual(ring.style, "none");
  assert.equal(ring.width, "2px");
  await page.close();
});
