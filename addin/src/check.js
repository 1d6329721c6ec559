/**
 * Checks the item being composed: reads it through Office in parallel with
 * fetching the policy and recipient history, builds the Graph-shaped
 * request and runs the engine. Shared by the send handler and the task
 * pane. Everything outside Office and the network is in pure modules.
 */

import { SendguardError } from "./async.js";
import { fetchPolicy, fetchRecipientContext } from "./api.js";
import { readPolicyCache, writePolicyCache, readSessionContext } from "./cache.js";
import { readRecipients, readFrom, readSubject, readBody, readAttachments, readAttachmentContents } from "./item.js";
import { buildMessage, recipientAddresses, normalizeAddress } from "./message.js";
import { sha256Hex } from "./sha256.js";

/**
 * @typedef {{
 *   g: object,
 *   office: object,
 *   api: import("./api.js").ApiEnv,
 *   store: import("./cache.js").Store,
 *   engine: ReturnType<typeof import("./engine.js").createEngine>,
 *   now: () => number,
 *   defaultFailMode: string,
 *   policyMs?: number,
 *   recipientsMs?: number,
 *   policyTtlMs?: number,
 *   memo?: {policy?: {text: string, doc: object, fetchedAt: number}},
 * }} Env
 */

/** How long a fetched policy is used before it is fetched again. */
export const POLICY_TTL_MS = 5 * 60 * 1000;

/**
 * @typedef {{text: string, doc: object, fetchedAt: number, builtIn?: boolean}} CachedPolicy
 *   builtIn: the server's built-in default, which the engine module
 *   already holds, so the module need not compile it again.
 */

/**
 * The tenant policy: from memory, the store while fresh, else the server
 * (tight deadline); a stale copy beats none when the server is down. Null
 * means "use the engine's built-in policy".
 * @param {Env} env
 * @returns {Promise<CachedPolicy|null>}
 */
export async function getPolicy(env) {
  const ttl = env.policyTtlMs === undefined ? POLICY_TTL_MS : env.policyTtlMs;
  env.memo = env.memo || {};
  const now = env.now();
  if (env.memo.policy && now - env.memo.policy.fetchedAt < ttl) return env.memo.policy;
  let cached = null;
  const c = await readPolicyCache(env.store);
  if (c) {
    try {
      cached = { text: c.text, doc: JSON.parse(c.text), fetchedAt: c.fetchedAt, builtIn: !!c.builtIn };
    } catch (e) {
      cached = null;
    }
  }
  if (cached && now - cached.fetchedAt < ttl) {
    env.memo.policy = cached;
    return cached;
  }
  try {
    const p = await fetchPolicy(env.api, env.policyMs || 1500);
    const fresh = { text: p.text, doc: p.doc, fetchedAt: now, builtIn: p.builtIn };
    env.memo.policy = fresh;
    await writePolicyCache(env.store, p.text, now, p.builtIn);
    return fresh;
  } catch (e) {
    return cached;
  }
}

/**
 * The fail mode a policy asks for, else the build's default.
 * @param {{doc: object}|null} policy
 * @param {string} fallback
 * @returns {string}
 */
export function failModeOf(policy, fallback) {
  const m = policy && policy.doc && policy.doc.failMode;
  return m === "open" || m === "closed" ? m : fallback;
}

/**
 * The key recipient history is cached under: a hash of the sender and the
 * sorted recipients, so a changed recipient list misses the cache.
 * @param {string} sender
 * @param {string[]} recipients
 * @returns {string}
 */
export function recipientsKey(sender, recipients) {
  return sha256Hex(normalizeAddress(sender) + "\n" + recipients.join("\n"));
}

/** How long this runtime reuses recipient history it fetched. */
export const CONTEXT_TTL_MS = 60 * 1000;

/**
 * Recipient history for these recipients: what OnMessageRecipientsChanged
 * left in sessionData, else what this runtime fetched lately, else the
 * server's answer now. Null when nothing is known.
 * @param {Env} env
 * @param {object} item
 * @param {string} sender
 * @param {string[]} recipients
 * @param {string} key recipientsKey(sender, recipients)
 * @returns {Promise<object|null>}
 */
async function recipientContext(env, item, sender, recipients, key) {
  const fromSession = await readSessionContext(item, key);
  if (fromSession) return fromSession;
  env.memo = env.memo || {};
  const m = env.memo.context;
  if (m && m.key === key && env.now() - m.at < CONTEXT_TTL_MS) return m.context;
  const ctx = await fetchRecipientContext(env.api, sender, recipients, env.recipientsMs || 1500);
  if (ctx) env.memo.context = { key, context: ctx, at: env.now() };
  return ctx;
}

/**
 * Reads the item and checks it.
 * @param {Env} env
 * @param {{onPolicy?: (p: object|null) => void}} [hooks] onPolicy learns the
 *   policy as soon as it is known, so a failure later can honour its fail mode
 * @returns {Promise<{verdict: object, raw: string, policy: object|null, message: object, context: object, path: string}>}
 */
export async function checkItem(env, hooks) {
  const mailbox = env.office.context && env.office.context.mailbox;
  const item = mailbox && mailbox.item;
  if (!item) throw new SendguardError("Outlook gave the add-in no email to check", "office");
  const policyP = getPolicy(env).then((p) => {
    if (hooks && hooks.onPolicy) hooks.onPolicy(p);
    return p;
  });
  const [to, cc, bcc, from, subject, body, attachments] = await Promise.all([
    readRecipients(item, "to"),
    readRecipients(item, "cc"),
    readRecipients(item, "bcc"),
    readFrom(item, mailbox),
    readSubject(item),
    readBody(item, env.office),
    readAttachments(item),
  ]);
  const bare = buildMessage({ to, cc, bcc, from, subject, body, attachments: [] });
  const sender = from && from.emailAddress ? from.emailAddress : "";
  const recipients = recipientAddresses(bare);
  const key = recipientsKey(sender, recipients);
  const contextP = recipients.length === 0 ? Promise.resolve(null) : recipientContext(env, item, sender, recipients, key);
  const policy = await policyP;
  const ap = (policy && policy.doc && policy.doc.attachments) || {};
  const files = attachments.filter((a) => a && !a.isInline);
  const [contents, context] = await Promise.all([
    ap.readContent && files.length > 0 ? readAttachmentContents(item, files) : Promise.resolve({}),
    contextP,
  ]);
  const message = buildMessage({ to, cc, bcc, from, subject, body, attachments, contents, maxContentBytes: ap.maxContentBytes || 0 });
  const ctx = context || {};
  const verdict = await env.engine.check({ message, context: ctx }, policy && !policy.builtIn ? policy.text : null);
  return { verdict, raw: env.engine.lastRaw, policy, message, context: ctx, path: env.engine.lastPath };
}

/**
 * An opaque reference to the message for reports: a SHA-256 over its
 * recipients, subject and body, so an auditor holding the sent message can
 * match it, while the report itself reveals nothing of the content.
 * @param {object} message Graph message
 * @returns {string}
 */
export function messageRef(message) {
  return "sha256:" + sha256Hex(["sendguard-ref-v1", recipientAddresses(message).join(","), message.subject || "", (message.body && message.body.content) || ""].join("\n"));
}

/**
 * A fingerprint of a verdict's findings (rules, masked evidence and the
 * recipients they concern): a justified override applies to the next send
 * only while the findings stay the same.
 * @param {object} verdict
 * @returns {string}
 */
export function findingsKey(verdict) {
  const parts = (verdict.findings || []).map((f) =>
    [f.rule, f.severity, (f.recipients || []).join(","), (f.evidence || []).map((e) => e.kind + ":" + e.field + ":" + e.masked).join(",")].join("|"),
  );
  return sha256Hex(parts.sort().join("\n"));
}
