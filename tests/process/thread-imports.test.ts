/**
 * What a service thread loads at start-up (runtime/thread-main.ts): every module a thread imports
 * is evaluated again in the thread's own VM, so the controller's logger (core/log.ts, which loads
 * consola's node entry: 12-27 ms of CPU per VM, measured in the compiled binary) must not be
 * reachable from a thread's entry or from the roles hosted as threads, by static value imports.
 * (A type-only import costs nothing; a dynamic import only when it runs.)
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { PROFILE_THREAD_ROLES } from "../../src/controller/launchers.ts";

const SRC = resolve(import.meta.dir, "..", "..", "src");

/** Static value imports and re-exports of one file: relative ones as absolute paths, packages by name. */
function valueImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs = [...text.matchAll(/^(?:import|export)\s+(?!type\b)(?:[^;'"]*?\bfrom\s*)?["']([^"']+)["']/gms)].map((m) => m[1] as string);
  return specs.map((s) => (s.startsWith(".") ? resolve(dirname(file), s) : s));
}

/** Everything reachable from `roots` by static value imports. */
function reachable(roots: string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...roots];
  while (todo.length > 0) {
    const next = todo.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    if (next.startsWith("/") && next.endsWith(".ts")) todo.push(...valueImports(next));
  }
  return seen;
}

test("a service thread's entry and the roles hosted as threads never load the controller's logger or consola's node entry", () => {
  const roots = [join(SRC, "runtime", "thread-main.ts"), join(SRC, "services", "registry.ts")];
  for (const role of PROFILE_THREAD_ROLES) roots.push(join(SRC, "services", role, "index.ts"));
  const loaded = reachable(roots);
  // The walk itself works: the thread's side and the child logger are found.
  expect(loaded.has(join(SRC, "runtime", "service-runtime.ts"))).toBe(true);
  expect(loaded.has("consola/core")).toBe(true);
  const offending = [...loaded].filter((m) => m === join(SRC, "core", "log.ts") || m === "consola").map((m) => (m.startsWith("/") ? relative(SRC, m) : m));
  expect(offending).toEqual([]);
});
