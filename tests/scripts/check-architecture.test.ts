/** The architecture gate itself: each rule catches what it is for (and the real tree passes it). */
import { expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type Graph, importCycles, importGraph, layerViolations } from "../../scripts/check-architecture.ts";
import { ROOT } from "../process/helpers.ts";

const graph = (edges: Record<string, string[]>): Graph => new Map(Object.entries(edges));

test("an import that goes up a layer is reported, one that goes down is not", () => {
  const g = graph({ "protocol/a.ts": ["endpoints/registry.ts"], "endpoints/registry.ts": ["protocol/a.ts"] });
  expect(layerViolations(g)).toEqual(["protocol/a.ts → endpoints/registry.ts: protocol (layer 2) imports endpoints (layer 3); imports must go down"]);
});

test("folders of one layer do not import each other, and one role does not import another", () => {
  const g = graph({
    "dataset/x.ts": ["metrics/y.ts"],
    "metrics/y.ts": [],
    "services/worker/a.ts": ["services/records/b.ts", "services/worker/c.ts"],
    "services/records/b.ts": [],
    "services/worker/c.ts": [],
    "services/registry.ts": ["services/worker/a.ts"],
  });
  expect(layerViolations(g)).toEqual([
    "dataset/x.ts → metrics/y.ts: dataset (layer 4) imports metrics (layer 4); imports must go down",
    "services/worker/a.ts → services/records/b.ts: one role imports another (share it through src/protocol/ or a lower layer)",
  ]);
});

test("a role that imports the registry is reported (through it, it would reach every role)", () => {
  const g = graph({ "services/worker/a.ts": ["services/registry.ts"], "services/registry.ts": [] });
  expect(layerViolations(g)).toEqual([
    "services/worker/a.ts → services/registry.ts: a role imports the role registry (roles talk through their contracts in src/protocol/contracts/)",
  ]);
});

test("protocol importing upwards is caught in every import form, type-only ones included", () => {
  const dir = mkdtempSync(join(tmpdir(), "aiperf-arch-"));
  try {
    const files: Record<string, string> = {
      "protocol/a.ts": 'import type { A } from "../services/worker/index.ts";\nexport type X = A;\n',
      "protocol/b.ts": 'import {\n  type B,\n} from "../controller/supervisor.ts";\nexport type Y = B;\n',
      "protocol/c.ts": 'export type { C } from "../runtime/context.ts";\n',
      "protocol/d.ts": 'export type Z = typeof import("../config/resolve.ts");\n',
      "protocol/e.ts": 'import { type E } from "../endpoints/chat.ts";\nexport type W = E;\n',
      "services/worker/index.ts": "export type A = 1;\n",
      "controller/supervisor.ts": "export type B = 1;\n",
      "runtime/context.ts": "export type C = 1;\n",
      "config/resolve.ts": "export const D = 1;\n",
      "endpoints/chat.ts": "export type E = 1;\n",
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, dirname(path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    const found = layerViolations(importGraph(dir)).filter((p) => p.startsWith("protocol/"));
    expect(found.map((p) => p.split(":")[0]).sort()).toEqual([
      "protocol/a.ts → services/worker/index.ts",
      "protocol/b.ts → controller/supervisor.ts",
      "protocol/c.ts → runtime/context.ts",
      "protocol/d.ts → config/resolve.ts",
      "protocol/e.ts → endpoints/chat.ts",
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the real protocol layer imports only itself and the layers below it (core, bus, records, cluster)", () => {
  const g = importGraph(join(ROOT, "src"));
  const below = new Set(["protocol", "core", "bus", "records", "cluster"]);
  const outside = [...g]
    .filter(([from]) => from.startsWith("protocol/"))
    .flatMap(([from, targets]) => targets.filter((t) => !below.has(t.split("/")[0] as string)).map((t) => `${from} → ${t}`));
  expect(outside).toEqual([]);
});

test("a folder without a layer is reported", () => {
  expect(layerViolations(graph({ "extras/a.ts": [] }))).toEqual([
    'extras/a.ts: the folder "extras" has no layer (add it to LAYERS in scripts/check-architecture.ts)',
  ]);
});

test("cycles are found however long, and only real ones", () => {
  const g = graph({ "m/a.ts": ["m/b.ts"], "m/b.ts": ["m/c.ts"], "m/c.ts": ["m/a.ts"], "m/d.ts": ["m/a.ts"], "m/e.ts": ["m/e.ts"] });
  expect(importCycles(g)).toEqual([["m/a.ts", "m/b.ts", "m/c.ts"]]);
});

test("the import reader sees static, type-only, re-export and dynamic imports", () => {
  const g = importGraph(join(ROOT, "src"));
  expect(g.get("services/registry.ts")).toContain("services/worker/index.ts");
  expect(g.get("metrics/catalogue.ts")).toContain("metrics/spec.ts");
  expect(g.get("metrics/record-metrics.ts")).toContain("metrics/spec.ts");
});

test("this tree passes", () => {
  const g = importGraph(join(ROOT, "src"));
  expect(layerViolations(g)).toEqual([]);
  expect(importCycles(g)).toEqual([]);
});
