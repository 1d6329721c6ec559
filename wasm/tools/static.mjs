// A tiny static file server on 127.0.0.1 for the Chromium test and bench:
// wasm/dist under /dist/, wasm/browser under /browser/, plus fixed pages.
// It sends the headers a production host should: application/wasm (so
// compileStreaming is used), immutable caching for the hashed module, and
// no-cache for everything else.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, normalize, sep } from "node:path";

import { REPO } from "./cases.mjs";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".json": "application/json",
  ".wasm": "application/wasm",
};

/**
 * Starts the server. pages maps a path ("/") to {type, body}.
 * @param {Record<string, {type: string, body: string}>} pages
 * @returns {Promise<{url: string, close: () => Promise<void>, requests: string[]}>}
 */
export async function serveStatic(pages = {}) {
  const root = join(REPO, "wasm");
  const requests = [];
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    requests.push(path);
    try {
      let body;
      let type;
      if (pages[path]) {
        ({ body, type } = pages[path]);
      } else if (path.startsWith("/dist/") || path.startsWith("/browser/")) {
        const file = normalize(join(root, path));
        if (!file.startsWith(root + sep)) throw new Error("outside the root");
        body = await readFile(file);
        type = TYPES[extname(file)] ?? "application/octet-stream";
      } else {
        throw new Error("not found");
      }
      res.writeHead(200, {
        "content-type": type,
        "cache-control": /engine\.[0-9a-f]{16}\.wasm$/.test(path) ? "public, max-age=31536000, immutable" : "no-cache",
      });
      res.end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** Chromium flags for headless runs that touch no network but loopback. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Debian's chromium; CHROMIUM overrides (make test sets it). */
export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
