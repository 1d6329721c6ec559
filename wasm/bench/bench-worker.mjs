// `make bench-worker`: the Worker under workerd on 127.0.0.1, with our
// keep-alive shim (synchronous bridge, then syumai's streaming path on the
// same long-lived instance) and with syumai's stock shim (a new Go instance
// per request). For each: cold start (process spawn to first 200), the
// first check's latency, and wrk's requests/s and latency percentiles for
// the typical request. Bounded: 5 s of wrk per variant, loopback only.
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { REPO } from "../tools/cases.mjs";
import { startWorkerd, workerSizes } from "../worker/workerd.mjs";

const DURATION = process.env.BENCH_WORKER_DURATION || "5s";
const requestJSON = JSON.stringify(JSON.parse(await readFile(join(REPO, "wasm/testdata/typical-request.json"), "utf8")));

const VARIANTS = [
  { name: "keep-alive shim, sync bridge", opts: { shim: "keepalive" } },
  { name: "keep-alive shim, syumai streams", opts: { shim: "keepalive", bridge: false } },
  { name: "stock syumai shim", opts: { shim: "stock" } },
];

function haveWrk() {
  try {
    execFileSync("wrk", ["--version"], { stdio: "ignore" });
    return true;
  } catch (err) {
    // wrk --version exits 1 after printing its version.
    return err.status === 1;
  }
}

/** Parses wrk's --latency output. */
function parseWrk(out) {
  const pick = (re) => out.match(re)?.[1];
  const ms = (s) => (s === undefined ? NaN : s.endsWith("us") ? parseFloat(s) / 1000 : s.endsWith("ms") ? parseFloat(s) : parseFloat(s) * 1000);
  return {
    rps: Number(pick(/Requests\/sec:\s+([\d.]+)/)),
    p50: ms(pick(/50%\s+([\d.]+\w+)/)),
    p90: ms(pick(/90%\s+([\d.]+\w+)/)),
    p99: ms(pick(/99%\s+([\d.]+\w+)/)),
    requests: Number(pick(/(\d+) requests in/)),
    non2xx: Number(pick(/Non-2xx or 3xx responses: (\d+)/) ?? 0),
  };
}

async function main() {
  const sizes = await workerSizes();
  for (const [name, s] of Object.entries(sizes)) console.log(`size   ${name.padEnd(14)} raw ${s.raw} bytes, gzip ${s.gzip} bytes`);
  if (!haveWrk()) {
    console.log("bench-worker: skipping load runs: wrk is not installed (apt-get install wrk)");
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), "sendguard-wrk-"));
  const lua = join(dir, "post.lua");
  // Long brackets keep the JSON verbatim in Lua.
  await writeFile(lua, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [==[${requestJSON}]==]\n`);
  try {
    for (const v of VARIANTS) {
      const w = await startWorkerd(v.opts);
      try {
        const t = performance.now();
        const first = await fetch(`${w.url}/api/v1/check`, { method: "POST", body: requestJSON });
        const verdict = await first.text();
        const firstMs = performance.now() - t;
        if (first.status !== 200) throw new Error(`${v.name}: first check answered ${first.status}: ${verdict}`);
        // Warm up (JIT tiers, Go heap) before measuring.
        // V8 moves hot wasm from Liftoff to TurboFan in the background;
        // before that, requests are several times slower.
        execFileSync("wrk", ["-t1", "-c8", v.opts.shim === "stock" ? "-d1s" : "-d3s", "-s", lua, `${w.url}/api/v1/check`], { stdio: "ignore" });
        const out = execFileSync("wrk", ["-t1", "-c8", `-d${DURATION}`, "-s", lua, "--latency", `${w.url}/api/v1/check`], {
          encoding: "utf8",
        });
        const r = parseWrk(out);
        // One connection shows the service time without queueing: workerd
        // runs an isolate's requests on one thread, so at -c8 each request
        // waits for up to seven others.
        const c1 = v.opts.shim === "stock" ? undefined : parseWrk(
          execFileSync("wrk", ["-t1", "-c1", "-d2s", "-s", lua, "--latency", `${w.url}/api/v1/check`], { encoding: "utf8" }),
        );
        console.log(
          `${v.name.padEnd(32)} cold start ${w.coldStartMs.toFixed(0)} ms, first check ${firstMs.toFixed(1)} ms; ` +
            `wrk -t1 -c8 -d${DURATION}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p90 ${r.p90.toFixed(2)} ms, ` +
            `p99 ${r.p99.toFixed(2)} ms (${r.requests} requests, ${r.non2xx} non-2xx)` +
            (c1 ? `; -c1 -d2s: ${c1.rps.toFixed(0)} req/s, p50 ${c1.p50.toFixed(2)} ms` : ""),
        );
      } finally {
        await w.stop();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  console.log("goal: p50 ≤ 3 ms warm");
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`bench-worker: ${err.stack || err.message}`);
    process.exit(1);
  },
);
