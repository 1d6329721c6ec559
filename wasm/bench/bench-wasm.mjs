// `make bench-wasm`: the browser module's check time for the typical
// message (wasm/testdata/typical-request.json: 2 KB HTML body, 6
// recipients), warm, in node and in headless Chromium, as a ratio to native
// Go; and cold start in Chromium (fetch + compile + instantiate + first
// check) with a fresh profile. Bounded in iterations and time; loopback only.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";

import { REPO } from "../tools/cases.mjs";
import { loadSendguard } from "../browser/loader.js";

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const COLD_RUNS = 5;
const requestJSON = JSON.stringify(JSON.parse(await readFile(join(REPO, "wasm/testdata/typical-request.json"), "utf8")));

/** Runs fn in batches until maxMs or maxIters; returns per-call µs (median of batches). */
function measure(fn, { warm = 300, batch = 50, maxIters = 20000, maxMs = 3000 } = {}) {
  for (let i = 0; i < warm; i++) fn();
  const per = [];
  const start = performance.now();
  for (let n = 0; n < maxIters && performance.now() - start < maxMs; n += batch) {
    const t = performance.now();
    for (let i = 0; i < batch; i++) fn();
    per.push(((performance.now() - t) * 1000) / batch);
  }
  per.sort((a, b) => a - b);
  return { us: per[Math.floor(per.length / 2)], iters: per.length * batch };
}

/** Native ns/op from a Go benchmark, or undefined when it does not exist. */
function goBench(name, pkg) {
  try {
    const out = execFileSync("go", ["test", "-run=^$", `-bench=^${name}$`, "-benchtime=2s", "-count=1", pkg], {
      cwd: REPO,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    const m = out.match(new RegExp(`${name}\\S*\\s+\\d+\\s+([\\d.]+) ns/op`));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** A tiny static server for wasm/dist, the loader, the request and the page. */
async function serve() {
  const page = `<!doctype html><meta charset="utf-8"><script type="module">
import { loadSendguard } from "/browser/loader.js";
const req = await (await fetch("/request.json")).text();
const t0 = performance.now();
const sg = await loadSendguard({ baseUrl: "/dist/" });
const t1 = performance.now();
const first = sg.check(req);
const t2 = performance.now();
window.result = { loadMs: t1 - t0, firstCheckMs: t2 - t1, coldMs: t2 - t0, action: JSON.parse(first).action };
window.sg = sg; window.req = req;
</script>`;
  const types = { ".js": "text/javascript", ".mjs": "text/javascript", ".json": "application/json", ".wasm": "application/wasm" };
  const server = createServer(async (req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    try {
      let body;
      if (path === "/") body = page;
      else if (path === "/request.json") body = requestJSON;
      else if (path.startsWith("/dist/") || path.startsWith("/browser/")) {
        const file = normalize(join(REPO, "wasm", path));
        if (!file.startsWith(join(REPO, "wasm"))) throw new Error("outside");
        body = await readFile(file);
      } else throw new Error("not found");
      const immutable = /engine\.[0-9a-f]{16}\.wasm$/.test(path);
      res.writeHead(200, {
        "content-type": path === "/" ? "text/html" : types[extname(path)] ?? "application/octet-stream",
        "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
      });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${server.address().port}/` };
}

async function chromium(url) {
  const { chromium: pw } = await import("playwright-core");
  const args = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ];
  const cold = [];
  let warm;
  let revisit;
  for (let run = 0; run < COLD_RUNS; run++) {
    const profile = await mkdtemp(join(tmpdir(), "sendguard-bench-"));
    const ctx = await pw.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args });
    try {
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      await page.goto(url);
      await page.waitForFunction(() => window.result, null, { timeout: 30000 });
      cold.push(await page.evaluate(() => window.result));
      if (run === 0) {
        warm = await page.evaluate(() => {
          const per = [];
          for (let i = 0; i < 300; i++) window.sg.check(window.req);
          const start = performance.now();
          while (performance.now() - start < 3000) {
            const t = performance.now();
            for (let i = 0; i < 50; i++) window.sg.check(window.req);
            per.push(((performance.now() - t) * 1000) / 50);
          }
          per.sort((a, b) => a - b);
          return { us: per[Math.floor(per.length / 2)], iters: per.length * 50 };
        });
        // Second visit with the same profile: module bytes come from the
        // Cache API and V8 may reuse its compiled code.
        await page.reload();
        await page.waitForFunction(() => window.result, null, { timeout: 30000 });
        revisit = await page.evaluate(() => window.result);
      }
    } finally {
      await ctx.close();
      await rm(profile, { recursive: true, force: true });
    }
  }
  return { cold, warm, revisit };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const nativeJSON = goBench("BenchmarkCheckTypicalJSON", "./wasm/adapter/");
  const nativeEngine = goBench("BenchmarkCheckTypical", "./engine/");
  console.log(`native  checkjson.Check (JSON in/out), typical: ${nativeJSON ? (nativeJSON / 1000).toFixed(1) + " µs" : "n/a"}`);
  console.log(`native  engine BenchmarkCheckTypical:          ${nativeEngine ? (nativeEngine / 1000).toFixed(1) + " µs" : "n/a (no such benchmark in ./engine)"}`);

  const sg = await loadSendguard({ baseUrl: join(REPO, "wasm/dist") });
  if (JSON.parse(sg.check(requestJSON)).action === undefined) throw new Error("the typical request gave no verdict");
  const node = measure(() => sg.check(requestJSON));
  const ratio = (us) => (nativeJSON ? ` = ${((us * 1000) / nativeJSON).toFixed(2)}× native` : "");
  console.log(`node    wasm check, warm (median of ${node.iters}): ${node.us.toFixed(1)} µs${ratio(node.us)}  (goal ≤ 3×)`);

  if (!existsSync(CHROMIUM)) {
    console.log(`chromium: skipping: ${CHROMIUM} not found (install Debian's chromium)`);
    return;
  }
  const { server, url } = await serve();
  try {
    const r = await chromium(url);
    console.log(`chromium wasm check, warm (median of ${r.warm.iters}): ${r.warm.us.toFixed(1)} µs${ratio(r.warm.us)}  (goal ≤ 3×)`);
    const cold = r.cold.map((c) => c.coldMs);
    console.log(
      `chromium cold start, fresh profile (fetch+compile+instantiate+first check), ${cold.length} runs: ` +
        `median ${median(cold).toFixed(0)} ms, min ${Math.min(...cold).toFixed(0)}, max ${Math.max(...cold).toFixed(0)} ` +
        `(load ${median(r.cold.map((c) => c.loadMs)).toFixed(0)} + first check ${median(r.cold.map((c) => c.firstCheckMs)).toFixed(1)} ms; goal ≤ 150 ms)`,
    );
    console.log(`chromium second visit, same profile (Cache API): ${r.revisit.coldMs.toFixed(0)} ms`);
  } finally {
    server.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`bench-wasm: ${err.stack || err.message}`);
    process.exit(1);
  },
);
