import { describe, expect, test } from "bun:test";
import { constantArrivals, poissonArrivals } from "../../src/services/timing/arrivals.ts";
import { createRng, exponential, streamSeed, uniformInt } from "../../src/services/timing/rng.ts";

describe("seeded generator", () => {
  test("the same seed gives the same sequence, another seed another", () => {
    const a = createRng(123);
    const b = createRng(123);
    const c = createRng(124);
    const xs = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c())).not.toEqual(xs);
  });

  test("draws are uniform in [0, 1)", () => {
    const rng = createRng(9);
    const bins = new Array<number>(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = rng();
      if (!(x >= 0 && x < 1)) outside++;
      const bin = Math.floor(x * 10);
      bins[bin] = (bins[bin] ?? 0) + 1;
    }
    expect(outside).toBe(0);
    // Each bin expects 10 000 (σ ≈ 95); ±5 % is far outside chance.
    for (const n of bins) expect(Math.abs(n - 10_000)).toBeLessThan(500);
  });

  test("streams of one seed differ, and big seeds use their high bits", () => {
    expect(streamSeed(1, "arrivals")).not.toBe(streamSeed(1, "cancellation"));
    expect(streamSeed(2 ** 40 + 5, "x")).not.toBe(streamSeed(5, "x"));
    expect(streamSeed(77, "x")).toBe(streamSeed(77, "x"));
  });

  test("uniformInt covers 0..n-1 and exponential has mean 1/rate", () => {
    const rng = createRng(5);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(uniformInt(rng, 7));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    let sum = 0;
    for (let i = 0; i < 50_000; i++) sum += exponential(rng, 4);
    expect(sum / 50_000).toBeCloseTo(0.25, 2);
  });
});

describe("arrivals", () => {
  test("constant offsets are k·interval with no accumulated drift", () => {
    const a = constantArrivals(3);
    const offsets = Array.from({ length: 10_001 }, () => a.next());
    expect(offsets[0]).toBe(0);
    expect(offsets[1]).toBe(333_333_333);
    expect(offsets[10_000]).toBe(3_333_333_333_333);
    a.restart();
    expect(a.next()).toBe(0);
    expect(a.next()).toBe(333_333_333);
  });

  test("poisson starts at 0, gaps average 1/rate, and restart resets the offset", () => {
    const a = poissonArrivals(50, createRng(1));
    expect(a.next()).toBe(0);
    let last = 0;
    for (let i = 0; i < 20_000; i++) last = a.next();
    expect(last / 20_000 / 1e6).toBeCloseTo(20, 0);
    a.restart();
    expect(a.next()).toBe(0);
    expect(a.next()).toBeLessThan(1e9);
  });
});
