/** The architecture gate itself: each rule catches what it is for (and the real tree passes it). */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { type Graph, importCycles, importGraph, layerViolations } from "../../scripts/check-architecture.ts";
import { ROOT } from "../process/helpers.ts";

const graph = (edges: Record<string, string[]>): Graph => new Map(Object.entries(edges));

test("an import that goes up a layer is reported, one that goes down is not", () => {
  const g = graph({ "protocol/a.ts": ["endpoints/registry.ts"], "endpoints/registry.ts": ["protocol/a.ts"] });
  expect(layerViolations(g)).toEqual(["protocol/a.ts → endpoints/registry.ts: protocol (layer 2) imports endpoints (layer 3); imports must go down"]);
});

test("folders of one layer do not import each other, and one role does not import another", () => {
  const g = graph({ "dataset/x.ts": ["metrics/y.ts"], "metrics/y.ts": [], "services/worker/a.ts": ["services/records/b.ts", "services/worker/c.ts"], "services/records/b.ts": [], "services/worker/c.ts": [], "services/registry.ts": ["services/worker/a.ts"] });
  expect(layerViolations(g)).toEqual([
    "dataset/x.ts → metrics/y.ts: dataset (layer 4) imports metrics (layer 4); imports must go down",
    "services/worker/a.ts → services/records/b.ts: one role imports another (share it through src/protocol/ or a lower layer)",
  ]);
});

test("a folder without a layer is reported", () => {
  expect(layerViolations(graph({ "extras/a.ts": [] }))).toEqual(['extras/a.ts: the folder "extras" has no layer (add it to LAYERS in scripts/check-architecture.ts)']);
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
