/**
 * The unused-export gate `npm test` runs: every name a file under src/ exports is imported by
 * some other file (src, tests, scripts), or it should not be exported. The package's doors
 * (src/api/index.ts, src/main.ts) are exempt: their exports are for users. A namespace import
 * or a dynamic import uses every export of its module; a re-export counts as a use.
 *
 *   bun scripts/check-exports.ts
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = join(import.meta.dir, "..");
/** Files whose exports are the product's surface, not internal wiring. */
const DOORS = new Set(["src/api/index.ts", "src/main.ts"]);

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "node_modules" || name === "fixtures" ? [] : filesUnder(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** Names a module exports by declaration or by `export { a, b as c }` (not re-exports, which are uses). */
export function exportedNames(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(
    /^export\s+(?:declare\s+)?(?:async\s+)?(?:const|let|var|function\*?|class|type|interface|enum|abstract\s+class)\s+([A-Za-z_$][\w$]*)/gm,
  ))
    names.add(m[1] as string);
  for (const m of text.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}\s*(?!from)[;\n]/gm)) {
    for (const item of (m[1] as string).split(",")) {
      const name = item
        .trim()
        .replace(/^type\s+/, "")
        .split(/\s+as\s+/)
        .pop()
        ?.trim();
      if (name) names.add(name);
    }
  }
  return [...names];
}

/** What `file` takes from other modules: module path → names, or "*" for all of them. */
export function importedNames(file: string, text: string): Map<string, Set<string>> {
  const uses = new Map<string, Set<string>>();
  const add = (spec: string, names: string[]): void => {
    if (!spec.startsWith(".")) return;
    const target = relative(ROOT, resolve(dirname(file), spec));
    const set = uses.get(target) ?? new Set<string>();
    for (const n of names) set.add(n);
    uses.set(target, set);
  };
  const braces = (list: string): string[] =>
    list
      .split(",")
      .map(
        (i) =>
          i
            .trim()
            .replace(/^type\s+/, "")
            .split(/\s+as\s+/)[0]
            ?.trim() ?? "",
      )
      .filter((n) => n !== "");
  // import { a, type B as C } from "x"; import D, { e } from "x"; export { f } from "x"
  for (const m of text.matchAll(/^(?:import|export)\s+(?:type\s+)?(?:[A-Za-z_$][\w$]*\s*,\s*)?\{([^}]*)\}\s*from\s*["']([^"']+)["']/gm))
    add(m[2] as string, braces(m[1] as string));
  // import * as ns from "x"; export * from "x"; import("x"); import D from "x" (default)
  for (const m of text.matchAll(/^(?:import|export)\s+(?:type\s+)?\*(?:\s+as\s+\w+)?\s+from\s*["']([^"']+)["']/gm)) add(m[1] as string, ["*"]);
  for (const m of text.matchAll(/\bimport\s*\(\s*["']([^"']+)["']\s*\)/g)) add(m[1] as string, ["*"]);
  for (const m of text.matchAll(/^import\s+(?:type\s+)?([A-Za-z_$][\w$]*)\s*(?:,|\s+from)/gm)) {
    const from = /from\s*["']([^"']+)["']/.exec(text.slice(m.index))?.[1];
    if (from !== undefined) add(from, ["default"]);
  }
  return uses;
}

export function unusedExports(): string[] {
  const sources = filesUnder(join(ROOT, "src"));
  const everyFile = [...sources, ...filesUnder(join(ROOT, "tests")), ...filesUnder(join(ROOT, "scripts"))];
  const used = new Map<string, Set<string>>();
  for (const file of everyFile) {
    for (const [target, names] of importedNames(file, readFileSync(file, "utf8"))) {
      const set = used.get(target) ?? new Set<string>();
      for (const n of names) set.add(n);
      used.set(target, set);
    }
  }
  const out: string[] = [];
  for (const file of sources) {
    const rel = relative(ROOT, file);
    if (DOORS.has(rel)) continue;
    const uses = used.get(rel) ?? new Set<string>();
    if (uses.has("*")) continue;
    for (const name of exportedNames(readFileSync(file, "utf8"))) if (!uses.has(name)) out.push(`${rel}: ${name}`);
  }
  return out;
}

if (import.meta.main) {
  const unused = unusedExports();
  if (unused.length === 0) {
    console.log("exports: every export under src/ is imported somewhere");
  } else {
    console.error(`exports: ${unused.length} export(s) nothing imports (remove the export, or the code):\n${unused.map((u) => `  ${u}`).join("\n")}`);
    process.exit(1);
  }
}
