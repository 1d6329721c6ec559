// Shared parts of the Chromium tests: the real sendguard binary serving
// the real add-in files and engine, Debian's chromium driven by
// playwright-core, and the test Outlook served in place of office.js.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { wasmExecPlugin } from "../../build.mjs";

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, "..", "..", "..");
export const results = join(root, "testresults", "addin");

/** The URL Office.js is loaded from in the add-in's pages. */
export const OFFICE_JS = "https://appsforoffice.microsoft.com/lib/1/hosted/office.js";

/**
 * The sendguard binary: $SENDGUARD_BIN (make builds it after the add-in,
 * so it embeds the fresh bundles), else built here.
 * @returns {string}
 */
export function sendguardBinary() {
  if (process.env.SENDGUARD_BIN) return process.env.SENDGUARD_BIN;
  const out = join(root, ".cache", "sendguard-addin");
  execFileSync("go", ["build", "-o", out, "./server/cmd/sendguard"], { cwd: root, stdio: "inherit" });
  return out;
}

/**
 * Starts `sendguard serve --dev` on a free loopback port with a throwaway
 * SQLite database, and resolves when it prints its address.
 * @returns {Promise<{url: string, stop: () => Promise<void>, log: () => string}>}
 */
export async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), "sendguard-addin-"));
  const proc = spawn(sendguardBinary(), ["serve", "--dev", "--addr", "127.0.0.1:0", "--database-url", join(dir, "sendguard.db"), "--rate-limit", "0"], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sendguard serve did not start in 30 s:\n${output}`)), 30000);
    const onData = (b) => {
      output += b.toString();
      const m = output.match(/listening on (http:\/\/[0-9.:]+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout.on("data", onData);
    proc.stderr.on("data", onData);
    proc.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`sendguard serve exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    log: () => output,
    stop: () =>
      new Promise((resolve) => {
        proc.removeAllListeners("exit");
        proc.on("exit", () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        proc.kill("SIGTERM");
      }),
  };
}

/**
 * Launches Debian's chromium headless with a fresh profile. Never
 * downloads a browser.
 * @returns {Promise<import("playwright-core").BrowserContext>}
 */
export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), "sendguard-chromium-"));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
    viewport: { width: 420, height: 900 },
  });
  const close = ctx.close.bind(ctx);
  ctx.close = async () => {
    await close();
    rmSync(profile, { recursive: true, force: true });
  };
  return ctx;
}

let outlookBundle = null;

/**
 * The test Outlook (test/support/fake-outlook.js) as a classic script that
 * defines window.SendguardTestOutlook.
 * @returns {Promise<string>}
 */
async function outlookScript() {
  if (!outlookBundle) {
    const r = await build({
      entryPoints: [join(root, "addin", "test", "support", "fake-outlook.js")],
      bundle: true,
      format: "iife",
      globalName: "SendguardTestOutlook",
      write: false,
      target: "es2020",
    });
    outlookBundle = r.outputFiles[0].text;
  }
  return outlookBundle;
}

/**
 * Makes the page load the test Outlook instead of office.js, holding the
 * item described by spec; the item's state is window.__outlook. Every
 * other request that leaves loopback is refused: tests run offline.
 * @param {import("playwright-core").Page} page
 * @param {object} spec see fake-outlook.js
 */
export async function useOutlook(page, spec) {
  const lib = await outlookScript();
  await page.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => {
    if (route.request().url() === OFFICE_JS) {
      route.fulfill({
        contentType: "application/javascript",
        body: `${lib}\n(function(){var t=SendguardTestOutlook.createOutlook(${JSON.stringify(spec)});window.Office=t.office;window.__outlook=t.state;})();`,
      });
    } else {
      route.abort();
    }
  });
}

let harnessBundle = null;

/**
 * The replay harness: the add-in's own modules (check.js, env.js, the
 * engine loader) plus the test Outlook, as window.sendguardReplay.
 * @returns {Promise<string>}
 */
export async function harnessScript() {
  if (!harnessBundle) {
    const r = await build({
      entryPoints: [join(here, "harness", "replay-entry.js")],
      bundle: true,
      format: "iife",
      write: false,
      target: "es2020",
      supported: { "dynamic-import": false },
      external: ["node:*"],
      plugins: [wasmExecPlugin],
    });
    harnessBundle = r.outputFiles[0].text;
  }
  return harnessBundle;
}

/**
 * Serves the replay harness at {server}/addin/test/replay.html from inside
 * the browser (route interception), so the real server never carries test
 * pages yet the harness is same-origin with the API and the engine.
 * @param {import("playwright-core").Page} page
 * @param {string} server
 * @returns {Promise<string>} the harness URL
 */
export async function useHarness(page, server) {
  const js = await harnessScript();
  await page.route(`${server}/addin/test/replay.js`, (route) => route.fulfill({ contentType: "application/javascript", body: js }));
  await page.route(`${server}/addin/test/replay.html`, (route) =>
    route.fulfill({ contentType: "text/html", body: '<!DOCTYPE html><html><head><meta charset="utf-8"><script src="replay.js"></script></head><body></body></html>' }),
  );
  await page.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
  return `${server}/addin/test/replay.html`;
}

/** Makes the results directory for screenshots. */
export function resultsDir() {
  mkdirSync(results, { recursive: true });
  return results;
}

/**
 * Presses Send: calls the registered OnMessageSend handler in the page and
 * resolves with the options it completed with and how long it took.
 * @param {import("playwright-core").Page} page
 * @returns {Promise<{options: object, ms: number, sinceLoad: number, count: number}>}
 *   ms: from the call to completion; sinceLoad: from the page's navigation
 *   start to completion, so a cold send's figure includes loading the page
 */
export function pressSend(page) {
  return page.evaluate(
    () =>
      new Promise((resolve) => {
        let count = 0;
        const t0 = performance.now();
        window.__outlook.handlers.onMessageSendHandler({
          completed(options) {
            count++;
            const at = performance.now();
            // Wait a moment to catch a second completion.
            setTimeout(() => resolve({ options: options || {}, ms: at - t0, sinceLoad: at, count }), 100);
          },
        });
      }),
  );
}

/**
 * Waits until the page's script has registered the send handler.
 * @param {import("playwright-core").Page} page
 */
export async function handlersReady(page) {
  await page.waitForFunction(() => window.__outlook && typeof window.__outlook.handlers.onMessageSendHandler === "function");
}
