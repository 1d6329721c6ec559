/**
 * The event handlers: OnMessageSend (Smart Alerts) and
 * OnMessageRecipientsChanged (prefetch). Both take their environment as an
 * argument, so the tests run them against office-addin-mock and a real
 * HTTP server; launchevent.js binds them to the real Office.
 */

import { officeCall, once } from "./async.js";
import { checkItem, failModeOf, findingsKey, recipientsKey } from "./check.js";
import { fetchRecipientContext } from "./api.js";
import { writeSessionContext } from "./cache.js";
import { readRecipients, readFrom } from "./item.js";
import { buildMessage, recipientAddresses } from "./message.js";
import { completionFor, failureCompletion } from "./verdict.js";

/** After this long the handler gives up and applies the fail mode. */
export const DEADLINE_MS = 4000;

/** The sessionData key where the task pane leaves a justified override. */
export const OVERRIDE_KEY = "sendguard.override";

/**
 * What this Outlook supports of Smart Alerts' newer options.
 * @param {object} office
 * @returns {import("./verdict.js").Support}
 */
export function support(office) {
  const req = office.context && office.context.requirements;
  const has = (v) => {
    try {
      return !!(req && typeof req.isSetSupported === "function" && req.isSetSupported("Mailbox", v));
    } catch (e) {
      return false;
    }
  };
  const enums = office.MailboxEnums && office.MailboxEnums.SendModeOverride;
  return { smartAlerts14: has("1.14"), markdown: has("1.15"), promptUser: (enums && enums.PromptUser) || "promptUser" };
}

/**
 * Reads the override the task pane stored, if any.
 * @param {object} item
 * @returns {Promise<string>}
 */
async function readOverride(item) {
  if (!item.sessionData || typeof item.sessionData.getAsync !== "function") return "";
  try {
    return (await officeCall("reading session data", (cb) => item.sessionData.getAsync(OVERRIDE_KEY, cb), 500)) || "";
  } catch (e) {
    return "";
  }
}

/**
 * Handles OnMessageSend. Every path ends in exactly one event.completed:
 * the verdict's options, or the fail mode's on any failure or when the
 * deadline passes first.
 * @param {object} event the Office event
 * @param {import("./check.js").Env} env
 * @returns {Promise<object>} the options passed to event.completed (for tests)
 */
export function onMessageSend(event, env) {
  return new Promise((resolve) => {
    // The policy once known, so a later failure honours its fail mode.
    let policy = null;
    let timer = null;
    const complete = once((opts) => {
      clearTimeout(timer);
      try {
        event.completed(opts);
      } finally {
        resolve(opts);
      }
    });
    const fail = (reason) => complete(failureCompletion(failModeOf(policy, env.defaultFailMode), reason));
    timer = setTimeout(() => fail("it took too long"), env.deadlineMs || DEADLINE_MS);
    let sup;
    try {
      sup = support(env.office);
    } catch (e) {
      sup = {};
    }
    checkItem(env, {
      onPolicy: (p) => {
        policy = p;
      },
    })
      .then(async (r) => {
        const v = r.verdict;
        if (v.action === "warn") {
          // The user justified exactly these findings in the task pane.
          const item = env.office.context.mailbox.item;
          if ((await readOverride(item)) === findingsKey(v)) {
            complete({ allowEvent: true });
            return;
          }
        }
        complete(completionFor(v, sup));
      })
      .catch((e) => fail(e && e.name === "SendguardError" ? e.message : "something went wrong"));
  });
}

/**
 * Handles OnMessageRecipientsChanged: fetches the sender's history with
 * the new recipients and leaves it in sessionData, so the send handler
 * need not wait for it. Failures are silent; the event always completes.
 * @param {object} event
 * @param {import("./check.js").Env} env
 * @returns {Promise<void>}
 */
export async function onRecipientsChanged(event, env) {
  try {
    const mailbox = env.office.context.mailbox;
    const item = mailbox.item;
    const [to, cc, bcc, from] = await Promise.all([
      readRecipients(item, "to"),
      readRecipients(item, "cc"),
      readRecipients(item, "bcc"),
      readFrom(item, mailbox),
    ]);
    const msg = buildMessage({ to, cc, bcc, from });
    const sender = from && from.emailAddress ? from.emailAddress : "";
    const recipients = recipientAddresses(msg);
    if (recipients.length > 0) {
      const ctx = await fetchRecipientContext(env.api, sender, recipients, env.recipientsMs || 1500);
      if (ctx) await writeSessionContext(item, recipientsKey(sender, recipients), ctx);
    }
  } catch (e) {
    // Prefetching is best effort.
  } finally {
    if (event && typeof event.completed === "function") event.completed();
  }
}
