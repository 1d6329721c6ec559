/**
 * An Outlook compose item for tests: the Office.js surface the add-in uses
 * (recipients, subject, body, attachments, sessionData, Smart Alerts
 * requirements) over plain state, with failures and hangs injectable per
 * method. The node tests wrap it in office-addin-mock's OfficeMockObject;
 * the Chromium tests serve it, bundled, in place of office.js. Every
 * function closes over `state` rather than using `this`, because
 * OfficeMockObject copies functions onto its own objects.
 */

/** Office's limit per setAsync/addAsync call, enforced as Outlook does. */
const MAX_PER_CALL = 100;

/**
 * @typedef {{displayName: string, emailAddress: string}} Addr
 * @typedef {{
 *   to?: Array<Addr|string>, cc?: Array<Addr|string>, bcc?: Array<Addr|string>,
 *   from?: Addr|string, subject?: string, body?: string,
 *   attachments?: Array<{name: string, contentType?: string, size?: number, content?: string, isInline?: boolean, attachmentType?: string}>,
 *   requirements?: string[], fail?: string[], hang?: string[], delayMs?: number,
 *   initContext?: string, runtimeUrl?: string, user?: Addr, sessionData?: Object<string, string>
 * }} ItemSpec
 */

/**
 * Normalises "a@b" or {displayName, emailAddress} to Office's shape.
 * @param {Addr|string} a
 * @returns {Addr & {recipientType: string}}
 */
function addr(a) {
  if (typeof a === "string") return { displayName: a, emailAddress: a, recipientType: "other" };
  // An explicit empty display name stays empty, as in a Graph message.
  return { displayName: a.displayName === undefined ? a.emailAddress : a.displayName, emailAddress: a.emailAddress, recipientType: "other" };
}

/**
 * Creates the Office namespace data and the state behind it.
 * @param {ItemSpec} spec
 * @returns {{office: object, state: object}}
 */
export function createOutlook(spec) {
  const s = spec || {};
  const state = {
    to: (s.to || []).map(addr),
    cc: (s.cc || []).map(addr),
    bcc: (s.bcc || []).map(addr),
    from: s.from ? addr(s.from) : addr(s.user || { displayName: "Dr A Other", emailAddress: "a.other@nhs.net" }),
    subject: s.subject || "",
    body: s.body || "",
    attachments: (s.attachments || []).map((a, i) => ({
      id: "att" + i,
      name: a.name,
      contentType: a.contentType || "application/octet-stream",
      size: a.size !== undefined ? a.size : a.content ? Math.floor((a.content.length * 3) / 4) : 0,
      attachmentType: a.attachmentType || "file",
      isInline: !!a.isInline,
      content: a.content || "",
    })),
    sessionData: Object.assign({}, s.sessionData || {}),
    requirements: s.requirements || ["1.1", "1.8", "1.11", "1.12", "1.13", "1.14", "1.15"],
    fail: s.fail || [],
    hang: s.hang || [],
    delayMs: s.delayMs || 0,
    calls: [],
    // log interleaves "call:NAME" and "done:NAME", to show what overlapped.
    log: [],
    handlers: {},
    initContext: s.initContext === undefined ? "" : s.initContext,
  };

  /**
   * Answers an async call the way Office does: later, through the callback
   * (the last argument), unless the test asked this method to fail or hang.
   */
  function answer(name, args, compute) {
    state.calls.push(name);
    state.log.push("call:" + name);
    const cb = [].slice.call(args).reverse().find((a) => typeof a === "function");
    const opts = [].slice.call(args).find((a) => a && typeof a === "object" && !Array.isArray(a) && "asyncContext" in a);
    const asyncContext = opts ? opts.asyncContext : undefined;
    if (state.hang.indexOf(name) >= 0) return;
    setTimeout(() => {
      state.log.push("done:" + name);
      if (!cb) return;
      if (state.fail.indexOf(name) >= 0) {
        cb({ status: "failed", error: { code: 9002, name: "InternalError", message: "An internal error has occurred." }, asyncContext });
        return;
      }
      let value;
      try {
        value = compute();
      } catch (e) {
        cb({ status: "failed", error: { code: 9000, name: "InvalidArgument", message: e.message }, asyncContext });
        return;
      }
      cb({ status: "succeeded", value, asyncContext });
    }, state.delayMs);
  }

  /** A recipients field (to, cc, bcc) with Office's 100-per-call limit. */
  function field(name) {
    return {
      getAsync: function () {
        return answer(name + ".getAsync", arguments, () => state[name].map((a) => Object.assign({}, a)));
      },
      setAsync: function (list) {
        return answer(name + ".setAsync", arguments, () => {
          if (list.length > MAX_PER_CALL) throw new Error("The number of recipients exceeds the maximum of 100");
          state[name] = list.map(addr);
        });
      },
      addAsync: function (list) {
        return answer(name + ".addAsync", arguments, () => {
          if (list.length > MAX_PER_CALL) throw new Error("The number of recipients exceeds the maximum of 100");
          state[name] = state[name].concat(list.map(addr));
        });
      },
    };
  }

  const item = {
    itemType: "message",
    to: field("to"),
    cc: field("cc"),
    bcc: field("bcc"),
    from: {
      getAsync: function () {
        return answer("from.getAsync", arguments, () => Object.assign({}, state.from));
      },
    },
    subject: {
      getAsync: function () {
        return answer("subject.getAsync", arguments, () => state.subject);
      },
      setAsync: function (v) {
        return answer("subject.setAsync", arguments, () => {
          if (String(v).length > 255) throw new Error("subject too long");
          state.subject = String(v);
        });
      },
    },
    body: {
      getAsync: function (coercion) {
        return answer("body.getAsync", arguments, () => {
          if (coercion !== "html") throw new Error("the test item holds HTML only");
          return state.body;
        });
      },
    },
    getAttachmentsAsync: function () {
      return answer("getAttachmentsAsync", arguments, () =>
        state.attachments.map((a) => ({ id: a.id, name: a.name, contentType: a.contentType, size: a.size, attachmentType: a.attachmentType, isInline: a.isInline })),
      );
    },
    getAttachmentContentAsync: function (id) {
      return answer("getAttachmentContentAsync", arguments, () => {
        const a = state.attachments.find((x) => x.id === id);
        if (!a) throw new Error("no such attachment");
        return { format: "base64", content: a.content };
      });
    },
    addHandlerAsync: function (type, handler) {
      return answer("addHandlerAsync", arguments, () => {
        state.handlers[type] = handler;
      });
    },
    getInitializationContextAsync: function () {
      return answer("getInitializationContextAsync", arguments, () => state.initContext);
    },
    sessionData: {
      getAsync: function (name) {
        return answer("sessionData.getAsync", arguments, () => (name in state.sessionData ? state.sessionData[name] : ""));
      },
      setAsync: function (name, value) {
        return answer("sessionData.setAsync", arguments, () => {
          state.sessionData[name] = value;
        });
      },
    },
  };

  const context = {
    mailbox: {
      item,
      userProfile: { displayName: state.from.displayName, emailAddress: state.from.emailAddress },
    },
    requirements: {
      isSetSupported: function (set, version) {
        return set === "Mailbox" && state.requirements.indexOf(version) >= 0;
      },
    },
    diagnostics: { hostName: "Outlook", hostVersion: "16.0.18324.20000", platform: "OfficeOnline" },
  };
  if (s.runtimeUrl) context.urls = { javascriptRuntimeUrl: s.runtimeUrl };

  const office = {
    context,
    CoercionType: { Html: "html", Text: "text" },
    AsyncResultStatus: { Succeeded: "succeeded", Failed: "failed" },
    MailboxEnums: { SendModeOverride: { PromptUser: "promptUser" } },
    EventType: { InitializationContextChanged: "olkInitializationContextChanged" },
    actions: {
      associate: function (name, fn) {
        state.handlers[name] = fn;
      },
    },
    onReady: function (cb) {
      const info = { host: "Outlook", platform: "OfficeOnline" };
      const p = Promise.resolve(info);
      if (cb) p.then(cb);
      return p;
    },
  };
  return { office, state };
}

/**
 * An event object whose completed() records its options once.
 * @returns {{event: {completed: Function}, done: Promise<object>, count: () => number}}
 */
export function createSendEvent() {
  let resolve;
  let n = 0;
  const done = new Promise((r) => {
    resolve = r;
  });
  return {
    event: {
      completed: function (opts) {
        n++;
        resolve(opts === undefined ? {} : opts);
      },
    },
    done,
    count: () => n,
  };
}
