// Shows where a Go WebAssembly binary's bytes go, by package (for `make
// wasm-size`). `go tool nm` cannot read wasm, so this reads the module
// itself: each function body's size from the code section, named by the
// "name" custom section (build without -s -w to keep it). Data segments are
// reported as one line because Go packs all packages' data together.
//
// usage: node wasm/tools/nmsize.mjs FILE.wasm
import { readFile } from "node:fs/promises";

/** Reads an unsigned LEB128 at pos; returns [value, nextPos]. */
function uleb(b, pos) {
  let result = 0;
  let shift = 0;
  for (;;) {
    const byte = b[pos++];
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [result, pos];
    shift += 7;
  }
}

/**
 * The package a Go symbol belongs to: "encoding/json.(*decodeState).object"
 * -> "encoding/json", "runtime.mallocgc" -> "runtime".
 * @param {string} sym
 */
export function packageOf(sym) {
  // The name section spells "/" as "_"; keep a module host's dot.
  const host = /^[a-z0-9-]+\.(com|org|net|io|in|dev)[_/]/.exec(sym);
  if (host) {
    const dot = sym.indexOf(".", host[0].length);
    return dot === -1 ? sym : sym.slice(0, dot);
  }
  const slash = sym.lastIndexOf("/");
  const dot = sym.indexOf(".", slash + 1);
  return dot === -1 ? sym : sym.slice(0, dot);
}

/**
 * Code bytes per package plus the data and other sections' sizes.
 * @param {Uint8Array} b the module
 */
export function breakdown(b) {
  let pos = 8;
  let imported = 0;
  const bodies = [];
  const names = new Map();
  const sections = new Map();
  const td = new TextDecoder();
  while (pos < b.length) {
    const id = b[pos++];
    let size;
    [size, pos] = uleb(b, pos);
    const end = pos + size;
    let label = ["custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code", "data"][id] ?? `section${id}`;
    if (id === 2) {
      let n;
      let p = pos;
      [n, p] = uleb(b, p);
      for (let i = 0; i < n; i++) {
        let len;
        [len, p] = uleb(b, p);
        p += len;
        [len, p] = uleb(b, p);
        p += len;
        const kind = b[p++];
        if (kind === 0) {
          imported++;
          [, p] = uleb(b, p);
        } else if (kind === 1) {
          p++;
          let flags;
          [flags, p] = uleb(b, p);
          [, p] = uleb(b, p);
          if (flags & 1) [, p] = uleb(b, p);
        } else if (kind === 2) {
          let flags;
          [flags, p] = uleb(b, p);
          [, p] = uleb(b, p);
          if (flags & 1) [, p] = uleb(b, p);
        } else if (kind === 3) {
          p += 2;
        }
      }
    } else if (id === 10) {
      let n;
      let p = pos;
      [n, p] = uleb(b, p);
      for (let i = 0; i < n; i++) {
        let len;
        const start = p;
        [len, p] = uleb(b, p);
        p += len;
        bodies.push(p - start);
      }
    } else if (id === 0) {
      let len;
      let p = pos;
      [len, p] = uleb(b, p);
      const name = td.decode(b.subarray(p, p + len));
      label = `custom:${name}`;
      p += len;
      if (name === "name") {
        while (p < end) {
          const sub = b[p++];
          let subSize;
          [subSize, p] = uleb(b, p);
          const subEnd = p + subSize;
          if (sub === 1) {
            let n;
            [n, p] = uleb(b, p);
            for (let i = 0; i < n; i++) {
              let idx;
              let l;
              [idx, p] = uleb(b, p);
              [l, p] = uleb(b, p);
              names.set(idx, td.decode(b.subarray(p, p + l)));
              p += l;
            }
          }
          p = subEnd;
        }
      }
    }
    sections.set(label, (sections.get(label) ?? 0) + size);
    pos = end;
  }
  const code = new Map();
  bodies.forEach((size, i) => {
    const pkg = packageOf(names.get(imported + i) ?? "(unnamed)");
    code.set(pkg, (code.get(pkg) ?? 0) + size);
  });
  return { code, sections, named: names.size > 0 };
}

async function main() {
  const file = process.argv[2];
  if (!file) throw new Error("usage: node wasm/tools/nmsize.mjs FILE.wasm");
  const { code, sections, named } = breakdown(await readFile(file));
  if (!named) console.log("(no name section: build without -ldflags=-s -w to see packages)");
  console.log("code bytes by package (top 30):");
  for (const [pkg, size] of [...code].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    console.log(`${String(size).padStart(9)}  ${pkg}`);
  }
  console.log("sections:");
  for (const [name, size] of [...sections].sort((a, b) => b[1] - a[1])) {
    console.log(`${String(size).padStart(9)}  ${name}`);
  }
}

if (process.argv[1]?.endsWith("nmsize.mjs")) main().catch((err) => {
  console.error(`wasm-size: ${err.message}`);
  process.exit(1);
});
