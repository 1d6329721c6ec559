/**
 * Small persistent caches: the tenant policy across events (localStorage,
 * or OfficeRuntime.storage in classic Outlook's JavaScript-only runtime,
 * which has no localStorage), and recipient history per item in the item's
 * sessionData, where the OnMessageRecipientsChanged handler leaves it for
 * the send handler (each event may run in a fresh runtime).
 */

import { officeCall } from "./async.js";

/**
 * @typedef {{get(key: string): Promise<string|null>, set(key: string, value: string): Promise<void>}} Store
 */

/**
 * Picks the best store the runtime has, falling back to memory.
 * @param {object} g the global object
 * @returns {Store}
 */
export function pickStore(g) {
  const rt = g.OfficeRuntime && g.OfficeRuntime.storage;
  if (rt && typeof rt.getItem === "function") {
    return {
      get: (k) => Promise.resolve(rt.getItem(k)).catch(() => null),
      set: (k, v) => Promise.resolve(rt.setItem(k, v)).catch(() => undefined),
    };
  }
  try {
    const ls = g.localStorage;
    if (ls && typeof ls.getItem === "function") {
      return {
        get: (k) => {
          try {
            return Promise.resolve(ls.getItem(k));
          } catch (e) {
            return Promise.resolve(null);
          }
        },
        set: (k, v) => {
          try {
            ls.setItem(k, v);
          } catch (e) {
            // Full or disabled storage only costs a refetch next time.
          }
          return Promise.resolve();
        },
      };
    }
  } catch (e) {
    // Some sandboxes throw on the localStorage getter itself.
  }
  return memoryStore();
}

/**
 * A store that lives as long as the runtime.
 * @returns {Store}
 */
export function memoryStore() {
  const m = {};
  return {
    get: (k) => Promise.resolve(Object.prototype.hasOwnProperty.call(m, k) ? m[k] : null),
    set: (k, v) => {
      m[k] = v;
      return Promise.resolve();
    },
  };
}

/** Key of the cached policy document. */
export const POLICY_KEY = "sendguard.policy.v1";

/**
 * Reads the cached policy: {text, fetchedAt, builtIn} or null.
 * @param {Store} store
 * @returns {Promise<{text: string, fetchedAt: number, builtIn?: boolean}|null>}
 */
export async function readPolicyCache(store) {
  const raw = await store.get(POLICY_KEY);
  if (!raw) return null;
  try {
    const v = JSON.parse(raw);
    if (v && typeof v.text === "string" && typeof v.fetchedAt === "number") return v;
  } catch (e) {
    // A corrupt entry is as good as none.
  }
  return null;
}

/**
 * Stores a policy document with the time it was fetched.
 * @param {Store} store
 * @param {string} text
 * @param {number} now
 * @param {boolean} [builtIn] the server's built-in default (ETag "0")
 * @returns {Promise<void>}
 */
export function writePolicyCache(store, text, now, builtIn) {
  return store.set(POLICY_KEY, JSON.stringify({ text, fetchedAt: now, builtIn: !!builtIn }));
}

/** The sessionData key for prefetched recipient history. */
export const CONTEXT_KEY = "sendguard.ctx";

/**
 * Reads prefetched recipient context from the item's sessionData when it
 * was fetched for exactly these recipients.
 * @param {object} item Office.context.mailbox.item
 * @param {string} recipientsKey hash of the sorted recipient list
 * @returns {Promise<object|null>}
 */
export async function readSessionContext(item, recipientsKey) {
  if (!item || !item.sessionData || typeof item.sessionData.getAsync !== "function") return null;
  try {
    const raw = await officeCall("reading session data", (cb) => item.sessionData.getAsync(CONTEXT_KEY, cb), 500);
    if (!raw) return null;
    const v = JSON.parse(raw);
    return v && v.key === recipientsKey && v.context ? v.context : null;
  } catch (e) {
    return null;
  }
}

/**
 * Leaves recipient context in the item's sessionData for the send handler.
 * @param {object} item
 * @param {string} recipientsKey
 * @param {object} context
 * @returns {Promise<void>}
 */
export async function writeSessionContext(item, recipientsKey, context) {
  if (!item || !item.sessionData || typeof item.sessionData.setAsync !== "function") return;
  try {
    await officeCall(
      "writing session data",
      (cb) => item.sessionData.setAsync(CONTEXT_KEY, JSON.stringify({ key: recipientsKey, context }), cb),
      500,
    );
  } catch (e) {
    // Prefetching is an optimisation; the send handler fetches again.
  }
}
