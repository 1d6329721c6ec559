/**
 * A loopback HTTP server that answers the add-in's API routes the way a
 * test scenario needs (a verdict, a status, a delay, a dropped
 * connection), and records what the add-in sent. The handler tests use it
 * with node's real fetch, so timeouts and network failures are real.
 */

import { createServer } from "node:http";

/**
 * @typedef {{status?: number, json?: *, headers?: object, delayMs?: number, drop?: boolean}} Reply
 * @typedef {{[route: string]: Reply | ((body: *, req: object) => Reply)}} Routes
 *   keys like "GET /api/v1/policy"
 */

/**
 * Starts the server.
 * @param {Routes} routes
 * @returns {Promise<{url: string, requests: Array<{route: string, body: *, headers: object}>, routes: Routes, close: () => Promise<void>}>}
 */
export async function startApi(routes) {
  const requests = [];
  const sockets = new Set();
  const api = { url: "", requests, routes };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const route = `${req.method} ${req.url.split("?")[0]}`;
      const raw = Buffer.concat(chunks).toString("utf8");
      let body = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        body = raw;
      }
      requests.push({ route, body, headers: req.headers });
      const r = api.routes[route];
      let reply = typeof r === "function" ? r(body, req) : r;
      if (!reply) reply = { status: 404, json: { error: { code: "not_found", message: "no such route" } } };
      const send = () => {
        if (reply.drop) {
          req.socket.destroy();
          return;
        }
        res.writeHead(reply.status || 200, { "Content-Type": "application/json", ...(reply.headers || {}) });
        res.end(reply.json === undefined ? "" : JSON.stringify(reply.json));
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  api.url = `http://127.0.0.1:${server.address().port}`;
  api.close = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return api;
}

/**
 * Requests to one route.
 * @param {{requests: Array<{route: string}>}} api
 * @param {string} route
 */
export function calls(api, route) {
  return api.requests.filter((r) => r.route === route);
}
