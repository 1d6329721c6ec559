// Builds the add-in into addin/dist (embedded by the Go package addin):
//   launchevent.js  the event handlers, one ES2016 file with no imports,
//                   for classic Outlook's JavaScript-only runtime and
//                   commands.html alike; it carries Go's wasm_exec.js so
//                   the engine loads without a module import
//   taskpane.js     the task pane
//   engine/         the WebAssembly engine from wasm/dist (make wasm)
// and prints the bundles' raw and gzip sizes.
//
// usage: node addin/build.mjs [--wasm-dist DIR]
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const dist = join(here, "dist");

const args = process.argv.slice(2);
const wasmDist = args[0] === "--wasm-dist" ? args[1] : join(root, "wasm", "dist");

/** Go's wasm_exec.js from the toolchain that built the module. */
function wasmExecPath() {
  const fromDist = join(wasmDist, "wasm_exec.js");
  if (existsSync(fromDist)) return fromDist;
  const goroot = execFileSync("go", ["env", "GOROOT"], { encoding: "utf8" }).trim();
  return join(goroot, "lib", "wasm", "wasm_exec.js");
}

/** The built-in policy's fail mode, the handler's default before it has a policy. */
async function defaultFailMode() {
  const p = JSON.parse(await readFile(join(root, "engine", "policy", "default.json"), "utf8"));
  if (p.failMode !== "open" && p.failMode !== "closed") throw new Error("engine/policy/default.json: failMode must be open or closed");
  return p.failMode;
}

/**
 * Provides the virtual module "sendguard:wasm-exec": Go's wasm_exec.js
 * wrapped in an exported function, installGo(). wasm_exec.js throws at
 * load when crypto, performance or TextEncoder are missing, as they may be
 * in classic Outlook's JavaScript-only runtime; wrapped, it runs only once
 * the handler has checked they exist.
 */
export const wasmExecPlugin = {
  name: "wasm-exec",
  setup(b) {
    b.onResolve({ filter: /^sendguard:wasm-exec$/ }, () => ({ path: wasmExecPath(), namespace: "wasm-exec" }));
    b.onLoad({ filter: /.*/, namespace: "wasm-exec" }, async (a) => ({
      contents: `export function installGo() {\n${await readFile(a.path, "utf8")}\n}\n`,
      loader: "js",
    }));
  },
};

async function main() {
  await mkdir(dist, { recursive: true });
  for (const f of await readdir(dist)) {
    if (f !== ".keep") await rm(join(dist, f), { recursive: true, force: true });
  }
  const define = { SENDGUARD_DEFAULT_FAIL_MODE: JSON.stringify(await defaultFailMode()) };
  await build({
    entryPoints: [join(here, "src", "launchevent.js")],
    outfile: join(dist, "launchevent.js"),
    bundle: true,
    format: "iife",
    platform: "browser",
    // Classic Outlook on Windows before build 2403 runs ES2016 at most.
    target: "es2016",
    // The loader imports wasm_exec.js dynamically when Go is missing; the
    // bundle carries it instead, and import() must not reach ES2016 parsers.
    supported: { "dynamic-import": false },
    external: ["node:*"],
    minify: true,
    legalComments: "none",
    define,
    plugins: [wasmExecPlugin],
    logLevel: "warning",
  });
  await build({
    entryPoints: [join(here, "src", "taskpane.js")],
    outfile: join(dist, "taskpane.js"),
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2017",
    supported: { "dynamic-import": false },
    external: ["node:*"],
    minify: true,
    legalComments: "none",
    define,
    plugins: [wasmExecPlugin],
    logLevel: "warning",
  });
  const manifestPath = join(wasmDist, "engine-manifest.json");
  if (existsSync(manifestPath)) {
    const manifest = JSON.parse(await readFile(manifestPath, "utf8"));
    await mkdir(join(dist, "engine"), { recursive: true });
    for (const f of ["engine-manifest.json", manifest.wasm, manifest.wasmExec || "wasm_exec.js"]) {
      await copyFile(join(wasmDist, f), join(dist, "engine", f));
    }
  } else {
    console.error(`addin: ${manifestPath} is missing: run make wasm first (the add-in would check on the server only)`);
    process.exitCode = 1;
  }
  for (const f of ["launchevent.js", "taskpane.js"]) {
    const b = await readFile(join(dist, f));
    console.log(`addin: ${f.padEnd(15)} raw ${String(b.length).padStart(7)} bytes  gzip ${String(gzipSync(b, { level: 9 }).length).padStart(6)} bytes`);
  }
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  main().catch((e) => {
    console.error(`addin: ${e.message}`);
    process.exit(1);
  });
}
