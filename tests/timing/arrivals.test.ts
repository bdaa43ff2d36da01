import { describe, expect, test } from "bun:test";
import { constantArrivals, poissonArrivals } from "../../src/services/timing/arrivals.ts";
import { createRng } from "../../src/core/rng.ts";

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
