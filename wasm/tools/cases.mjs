// Reads the conformance corpus (engine/testdata/cases) for the WebAssembly
// and Worker parity tests. Each case is <name>.json = {"description",
// "request", optional "policy", "expect"} and <name>.verdict.json = the
// exact bytes of the native verdict.
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, from this file's place in it. */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Where the corpus lives; SENDGUARD_CASES points elsewhere for a trial. */
export const CASES_DIR = process.env.SENDGUARD_CASES || join(REPO, "engine/testdata/cases");

/**
 * Loads every case, sorted by name.
 * @param {string} [dir]
 * @returns {Promise<Array<{name: string, requestJSON: string, policyJSON?: string, verdict: string}>>}
 */
export async function loadCases(dir = CASES_DIR) {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".json") && !f.endsWith(".verdict.json")).sort();
  const cases = [];
  for (const f of files) {
    const name = f.slice(0, -".json".length);
    const doc = JSON.parse(await readFile(join(dir, f), "utf8"));
    const verdict = await readFile(join(dir, `${name}.verdict.json`), "utf8");
    cases.push({
      name,
      requestJSON: JSON.stringify(doc.request),
      policyJSON: doc.policy === undefined ? undefined : JSON.stringify(doc.policy),
      verdict,
    });
  }
  return cases;
}

/**
 * Known gaps per runner, each with the reason (wasm/testdata/exceptions.json:
 * {"wasm": {"case": "why"}, "worker": {...}}).
 * @param {"wasm"|"worker"} runner
 * @returns {Promise<Record<string, string>>}
 */
export async function loadExceptions(runner) {
  const all = JSON.parse(await readFile(join(REPO, "wasm/testdata/exceptions.json"), "utf8"));
  return all[runner] ?? {};
}

/**
 * Describes where two verdicts first differ, for a readable failure: the
 * verdicts are long single lines and a full diff hides the point.
 * @param {string} got
 * @param {string} want
 * @returns {string} "" when equal
 */
export function firstDifference(got, want) {
  if (got === want) return "";
  let i = 0;
  while (i < got.length && i < want.length && got[i] === want[i]) i++;
  const from = Math.max(0, i - 60);
  return `verdicts differ at byte ${i} (-want +got):\n- …${want.slice(from, i + 80)}\n+ …${got.slice(from, i + 80)}`;
}
