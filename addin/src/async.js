/**
 * Promise helpers for Office's callback APIs and for deadlines. Every
 * Office call goes through officeCall so a client that never calls back
 * still settles, and the send handler can always reach event.completed.
 */

/** An error the add-in raised itself; its message is safe to show. */
export class SendguardError extends Error {
  /**
   * @param {string} reason short phrase for the user ("the server did not answer")
   * @param {string} [code] machine-readable kind: office, network, timeout, engine, server
   */
  constructor(reason, code) {
    super(reason);
    this.name = "SendguardError";
    this.code = code || "internal";
  }
}

/**
 * Rejects with a timeout error if p has not settled after ms.
 * @template T
 * @param {Promise<T>} p
 * @param {number} ms
 * @param {string} what phrase for the error ("reading the recipients")
 * @returns {Promise<T>}
 */
export function withTimeout(p, ms, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new SendguardError(`timed out ${what}`, "timeout")), ms);
  });
  return Promise.race([p, t]).then(
    (v) => {
      clearTimeout(timer);
      return v;
    },
    (e) => {
      clearTimeout(timer);
      throw e;
    },
  );
}

/**
 * Calls an Office async method (callback last) and resolves its value.
 * Failed results and thrown exceptions reject with a SendguardError whose
 * message names what was being done, never Office's own text, which can
 * quote item content.
 * @param {string} what phrase for errors ("reading the subject")
 * @param {(cb: (r: {status: string, value?: *, error?: *}) => void) => void} invoke
 * @param {number} [ms] deadline (default 3000)
 * @returns {Promise<*>}
 */
export function officeCall(what, invoke, ms) {
  const p = new Promise((resolve, reject) => {
    try {
      invoke((r) => {
        if (r && r.status === "failed") {
          reject(new SendguardError(`Outlook failed ${what}`, "office"));
        } else {
          resolve(r ? r.value : undefined);
        }
      });
    } catch (e) {
      reject(new SendguardError(`Outlook failed ${what}`, "office"));
    }
  });
  return withTimeout(p, ms || 3000, what);
}

/**
 * Wraps a function so that only its first call has an effect.
 * @template {Function} F
 * @param {F} f
 * @returns {F}
 */
export function once(f) {
  let done = false;
  return /** @type {F} */ (
    function () {
      if (done) return undefined;
      done = true;
      return f.apply(this, arguments);
    }
  );
}
