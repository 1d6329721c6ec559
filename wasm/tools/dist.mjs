// Finishes `make wasm`: names the freshly built module by its content hash
// (so the add-in can cache it forever), writes engine-manifest.json, prints
// raw, gzip and brotli sizes, and fails when brotli exceeds the budget.
// Node's zlib does the compression so no extra tool is needed.
//
// usage: node wasm/tools/dist.mjs DIST_DIR BUILT_WASM
import { createHash } from "node:crypto";
import { realpathSync } from "node:fs";
import { readFile, readdir, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

/** The budget: at most 1 MB brotli for the browser module. */
export const BROTLI_BUDGET = 1_000_000;

/**
 * Raw, gzip -9 and brotli (quality 11, as served by a CDN) sizes.
 * @param {Uint8Array} bytes
 * @returns {{raw: number, gzip: number, brotli: number}}
 */
export function sizes(bytes) {
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
        [constants.BROTLI_PARAM_LGWIN]: 24,
      },
    }).length,
  };
}

/**
 * Formats one size line.
 * @param {string} name
 * @param {{raw: number, gzip: number, brotli: number}} s
 */
export function sizeLine(name, s) {
  const kb = (n) => `${(n / 1024).toFixed(0)} KiB`.padStart(9);
  return `${name.padEnd(34)} raw ${kb(s.raw)}  gzip ${kb(s.gzip)}  brotli ${kb(s.brotli)}  (${s.raw} / ${s.gzip} / ${s.brotli} bytes)`;
}

/**
 * Reads the engine version from the module itself, so the manifest cannot
 * disagree with the binary.
 * @param {Uint8Array} bytes
 * @param {string} wasmExecPath
 */
async function moduleVersion(bytes, wasmExecPath) {
  await import(pathToFileURL(wasmExecPath).href);
  const go = new globalThis.Go();
  const { instance } = await WebAssembly.instantiate(bytes, go.importObject);
  go.run(instance);
  const version = globalThis.sendguard?.version;
  if (typeof version !== "string") throw new Error("the module did not publish globalThis.sendguard.version");
  return version;
}

async function main() {
  const [dist, built] = process.argv.slice(2);
  if (!dist || !built) throw new Error("usage: node wasm/tools/dist.mjs DIST_DIR BUILT_WASM");
  const bytes = await readFile(built);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const name = `engine.${sha256.slice(0, 16)}.wasm`;
  for (const f of await readdir(dist)) {
    if (/^engine\.[0-9a-f]{16}\.wasm$/.test(f) && f !== name) await unlink(join(dist, f));
  }
  await rename(built, join(dist, name));
  const version = await moduleVersion(bytes, join(dist, "wasm_exec.js"));
  const manifest = { wasm: name, sha256, bytes: bytes.length, version };
  await writeFile(join(dist, "engine-manifest.json"), JSON.stringify(manifest, null, 2) + "\n");

  const s = sizes(bytes);
  console.log(sizeLine(`${dist}/${name}`, s));
  console.log(sizeLine(`${dist}/wasm_exec.js`, sizes(await readFile(join(dist, "wasm_exec.js")))));
  if (s.brotli > BROTLI_BUDGET) {
    console.error(`wasm: ${name} is ${s.brotli} bytes brotli, over the ${BROTLI_BUDGET}-byte budget; see docs/wasm.md for how to find where the bytes go`);
    process.exit(1);
  }
  console.log(`wasm: brotli ${s.brotli} bytes is within the ${BROTLI_BUDGET}-byte budget; manifest ${dist}/engine-manifest.json (engine ${version})`);
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    // The Go program is still waiting for calls; nothing else to do.
    () => process.exit(0),
    (err) => {
      console.error(`wasm: ${err.message}`);
      process.exit(1);
    },
  );
}
