/** Rate pacing on the simulated clock: exact schedules, poisson statistics, bounded catch-up. */
import { describe, expect, test } from "bun:test";
import { BASE_PLAN, simulate } from "../harness.ts";

const MS = 1_000_000;

describe("constant rate", () => {
  test("10 000 credits go out exactly on start + k·interval, with no drift", async () => {
    const { result, sent } = await simulate({ ...BASE_PLAN, rateMode: "constant", requestRate: 1000, requestCount: 10_000 });
    const startNs = result.phases[0]?.startNs ?? Number.NaN;
    expect(sent).toHaveLength(10_000);
    const off = sent.filter((s, k) => s.credit.intendedNs !== startNs + k * MS || s.atNs !== s.credit.intendedNs);
    expect(off).toEqual([]);
    expect(sent.at(-1)?.credit.intendedNs).toBe(startNs + 9_999 * MS);
  });

  test("a rate whose interval is not a whole number of ns still lands on round(k·1e9/rate)", async () => {
    const { result, sent } = await simulate({ ...BASE_PLAN, rateMode: "constant", requestRate: 3, requestCount: 301 });
    const startNs = result.phases[0]?.startNs ?? Number.NaN;
    expect(sent.map((s) => s.credit.intendedNs - startNs)).toEqual(Array.from({ length: 301 }, (_, k) => Math.round((k * 1e9) / 3)));
  });
});

describe("poisson rate", () => {
  test("gaps average 1/rate with a coefficient of variation near 1", async () => {
    const { sent } = await simulate({ ...BASE_PLAN, rateMode: "poisson", requestRate: 100, requestCount: 10_000, randomSeed: 7 });
    const gaps = sent.slice(1).map((s, k) => s.credit.intendedNs - (sent[k]?.credit.intendedNs ?? 0));
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
    // 10 000 exponential gaps: the mean's σ is 1 %, so ±4 % only fails on a real bias.
    expect(Math.abs(mean / (10 * MS) - 1)).toBeLessThan(0.04);
    expect(Math.abs(sd / mean - 1)).toBeLessThan(0.05);
    expect(sent.every((s) => s.atNs === s.credit.intendedNs)).toBe(true);
  });

  test("the same seed reproduces the schedule; another seed does not", async () => {
    const plan = { ...BASE_PLAN, rateMode: "poisson", requestRate: 50, requestCount: 300 } as const;
    const offsets = async (seed: number): Promise<number[]> => {
      const { result, sent } = await simulate({ ...plan, randomSeed: seed });
      return sent.map((s) => s.credit.intendedNs - (result.phases[0]?.startNs ?? 0));
    };
    const a = await offsets(11);
    expect(await offsets(11)).toEqual(a);
    expect(await offsets(12)).not.toEqual(a);
  });
});

describe("bounded catch-up", () => {
  test("a 5 ms stall is caught up at once and the original schedule continues", async () => {
    const { result, sent } = await simulate(
      { ...BASE_PLAN, rateMode: "constant", requestRate: 1000, requestCount: 100 },
      { setup: ({ clock }) => clock.at(clock.nowNs() + 20.5 * MS, () => clock.stall(5 * MS)) },
    );
    const startNs = result.phases[0]?.startNs ?? Number.NaN;
    expect(sent.map((s) => s.credit.intendedNs)).toEqual(Array.from({ length: 100 }, (_, k) => startNs + k * MS));
    // Credits 21..25 were due during the stall and all went out when it ended.
    const atWake = sent.filter((s) => s.atNs === startNs + 25.5 * MS).map((s) => s.credit.num);
    expect(atWake).toEqual([21, 22, 23, 24, 25]);
  });

  test("a 50 ms stall bursts at most 10 ms worth of credits, then the schedule re-anchors", async () => {
    const { result, sent } = await simulate(
      { ...BASE_PLAN, rateMode: "constant", requestRate: 1000, requestCount: 200 },
      { setup: ({ clock }) => clock.at(clock.nowNs() + 20.5 * MS, () => clock.stall(50 * MS)) },
    );
    const startNs = result.phases[0]?.startNs ?? Number.NaN;
    const wakeNs = startNs + 70.5 * MS;
    const burst = sent.filter((s) => s.atNs === wakeNs);
    expect(burst.length).toBeGreaterThanOrEqual(1);
    expect(burst.length).toBeLessThanOrEqual(11);
    // Before the stall: the original schedule. After the burst: a fresh one from the wake-up.
    expect(sent.slice(0, 21).every((s, k) => s.credit.intendedNs === startNs + k * MS)).toBe(true);
    const after = sent.slice(21 + burst.length);
    const anchorNs = burst.at(-1)?.credit.intendedNs ?? 0;
    expect(after.every((s, k) => s.credit.intendedNs === anchorNs + (k + 1) * MS && s.atNs === s.credit.intendedNs)).toBe(true);
    expect(sent).toHaveLength(200);
    // Nothing was skipped: the count is the count, only later.
    expect(result.phases[0]?.sent).toBe(200);
  });

  test("maxCatchupSec 0 re-anchors on any lateness: the overdue credit goes, then a fresh schedule", async () => {
    const { result, sent } = await simulate(
      { ...BASE_PLAN, rateMode: "constant", requestRate: 1000, requestCount: 50, maxCatchupSec: 0 },
      { setup: ({ clock }) => clock.at(clock.nowNs() + 10.5 * MS, () => clock.stall(3 * MS)) },
    );
    const startNs = result.phases[0]?.startNs ?? Number.NaN;
    const wakeNs = startNs + 13.5 * MS;
    // Credit 11 was already waiting for its time; it keeps it, so its lateness stays visible.
    expect(sent[11]?.credit.intendedNs).toBe(startNs + 11 * MS);
    expect(sent[11]?.atNs).toBe(wakeNs);
    expect(sent.slice(12).map((s) => s.credit.intendedNs)).toEqual(Array.from({ length: 38 }, (_, k) => wakeNs + k * MS));
  });
});
