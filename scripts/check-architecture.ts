/**
 * The architecture gate `npm test` runs: imports only go down the layers below, no role imports
 * another role (nor the registry, which loads them all), and no import cycle between files (type-only imports count: a cycle of types is
 * still two modules that cannot be understood apart). Prints every violation; exits 1 if any.
 *
 *   bun scripts/check-architecture.ts [src-dir]
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/**
 * Bottom to top. A file may import its own folder and any folder of a lower layer; folders of
 * one layer do not import each other. README "Layout" says what each folder is.
 */
export const LAYERS: string[][] = [
  ["core"],
  ["bus", "records", "cluster"],
  ["protocol"],
  ["tokenizer", "endpoints"],
  ["dataset", "metrics", "replies"],
  ["export"],
  ["plugins"],
  ["config"],
  ["server-metrics", "compare", "report"],
  ["runtime"],
  ["services", "mock-server"],
  ["controller", "node"],
  ["study", "kube"],
  ["slurm"],
  ["cli", "api"],
  ["main.ts"],
];

export type Graph = Map<string, string[]>;

/** Every relative import of every .ts file under `srcDir`, as paths relative to it. */
export function importGraph(srcDir: string): Graph {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith(".ts")) files.push(path);
    }
  };
  walk(srcDir);
  const graph: Graph = new Map();
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    const targets = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm)].map((m) =>
      relative(srcDir, resolve(dirname(file), m[1] as string)),
    );
    graph.set(relative(srcDir, file), [...new Set(targets)]);
  }
  return graph;
}

const folderOf = (path: string): string => path.split("/")[0] as string;
const layerOf = (folder: string): number => LAYERS.findIndex((layer) => layer.includes(folder));

/** Imports that go up, or sideways to another folder of the same layer, or from one role to another. */
export function layerViolations(graph: Graph): string[] {
  const out: string[] = [];
  for (const [from, targets] of graph) {
    const fromFolder = folderOf(from);
    const fromLayer = layerOf(fromFolder);
    if (fromLayer < 0) out.push(`${from}: the folder "${fromFolder}" has no layer (add it to LAYERS in scripts/check-architecture.ts)`);
    for (const to of targets) {
      const toFolder = folderOf(to);
      if (toFolder === fromFolder) {
        // Roles: src/services/<role>/ may use only its own folder (the registry may load them all;
        // a role that imported the registry would reach every other role through it).
        const role = (p: string): string | undefined => (p.split("/").length > 2 ? p.split("/")[1] : undefined);
        if (fromFolder === "services" && role(from) !== undefined && role(to) !== undefined && role(from) !== role(to))
          out.push(`${from} → ${to}: one role imports another (share it through src/protocol/ or a lower layer)`);
        if (fromFolder === "services" && role(from) !== undefined && role(to) === undefined)
          out.push(`${from} → ${to}: a role imports the role registry (roles talk through their contracts in src/protocol/contracts/)`);
        continue;
      }
      const toLayer = layerOf(toFolder);
      if (toLayer >= fromLayer) out.push(`${from} → ${to}: ${fromFolder} (layer ${fromLayer}) imports ${toFolder} (layer ${toLayer}); imports must go down`);
    }
  }
  return out;
}

/** Strongly connected components of more than one file (Tarjan), each as a sorted list. */
export function importCycles(graph: Graph): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    indices.set(node, index);
    low.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) as number, low.get(next) as number));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node) as number, indices.get(next) as number));
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) visit(node);
  return cycles;
}

/** Imports of a file that does not exist (a stale path: a text asset the type-checker cannot see). */
function missingTargets(graph: Graph, srcDir: string): string[] {
  return [...graph].flatMap(([from, targets]) =>
    targets.filter((t) => !graph.has(t) && !existsSync(join(srcDir, t))).map((t) => `${from} → ${t}: no such file`),
  );
}

if (import.meta.main) {
  const srcDir = resolve(process.argv[2] ?? join(import.meta.dir, "..", "src"));
  const graph = importGraph(srcDir);
  const problems = [...layerViolations(graph), ...importCycles(graph).map((c) => `import cycle: ${c.join(" ↔ ")}`), ...missingTargets(graph, srcDir)];
  if (problems.length === 0) {
    console.log(`architecture: ${graph.size} files, imports go down ${LAYERS.length} layers, no role imports another, no cycles`);
  } else {
    console.error(`architecture: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join("\n")}`);
    process.exit(1);
  }
}
