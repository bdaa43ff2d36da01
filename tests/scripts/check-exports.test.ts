/** The unused-export gate's reader: what counts as an export and as a use. */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { exportedNames, importedNames, unusedExports } from "../../scripts/check-exports.ts";
import { ROOT } from "../process/helpers.ts";

test("declarations and local export lists are exports; re-exports are not", () => {
  const text = [
    "export const A = 1;",
    "export async function b() {}",
    "export type C = number;",
    "export interface D {}",
    "export class E {}",
    "const f = 1, g = 2;",
    "export { f, g as h };",
    'export { i } from "./x.ts";',
    "const notExported = 3;",
  ].join("\n");
  expect(exportedNames(text).sort()).toEqual(["A", "C", "D", "E", "b", "f", "h"]);
});

test("named, type, renamed, namespace, dynamic and re-export imports are uses of the module they name", () => {
  const file = join(ROOT, "src", "cli", "x.ts");
  const text = [
    'import { a, type B, c as d } from "../core/one.ts";',
    'import type { E } from "../core/two.ts";',
    'import * as ns from "../core/three.ts";',
    'const m = await import("../core/four.ts");',
    'export { f } from "../core/five.ts";',
    'import Papa from "papaparse";',
  ].join("\n");
  const uses = importedNames(file, text);
  expect([...(uses.get("src/core/one.ts") ?? [])].sort()).toEqual(["B", "a", "c"]);
  expect([...(uses.get("src/core/two.ts") ?? [])]).toEqual(["E"]);
  expect([...(uses.get("src/core/three.ts") ?? [])]).toEqual(["*"]);
  expect([...(uses.get("src/core/four.ts") ?? [])]).toEqual(["*"]);
  expect([...(uses.get("src/core/five.ts") ?? [])]).toEqual(["f"]);
  expect(uses.has("papaparse")).toBe(false);
});

test("this tree exports nothing that nothing imports", () => {
  expect(unusedExports()).toEqual([]);
});
