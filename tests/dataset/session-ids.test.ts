/**
 * Session ids (createSessionIds): digits written into a byte buffer give exactly the ids the plain
 * one did (four 32-bit draws as hex, UUID-shaped with "4" and "a" in place), so inputs.json and
 * dataset.bin name the same sessions under a seed as before.
 */
import { describe, expect, test } from "bun:test";
import { createRng, deriveSeed } from "../../src/core/rng.ts";
import { createSessionIds } from "../../src/services/dataset/synthesize.ts";

function reference(seed: number): () => string {
  const ids = createRng(deriveSeed(seed, "session-ids"));
  return () => {
    let hex = "";
    for (let i = 0; i < 4; i++)
      hex += ids
        .int(2 ** 32)
        .toString(16)
        .padStart(8, "0");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
  };
}

describe("createSessionIds", () => {
  test("the same ids as formatting each draw with toString and padStart", () => {
    for (const seed of [0, 1, 42, 123456]) {
      const expected = reference(seed);
      const actual = createSessionIds(seed);
      for (let i = 0; i < 20_000; i++) expect(actual()).toBe(expected());
    }
  });

  test("UUID-shaped, lower-case hex", () => {
    const next = createSessionIds(5);
    for (let i = 0; i < 1000; i++) expect(next()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
