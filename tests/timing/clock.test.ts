/** The real-clock sleeps. These check behaviour (never early, abortable), not how precise a busy machine is. */
import { describe, expect, test } from "bun:test";
import { monoNs } from "../../src/core/clock.ts";
import { coarseSleepUntil, releaseAt, SEND_LEAD_NS, systemClock } from "../../src/services/timing/clock.ts";

describe("coarse sleeps and the system clock", () => {
  test("coarseSleepUntil never returns early and is abortable", async () => {
    const targetNs = monoNs() + 2_500_000;
    await coarseSleepUntil(targetNs, monoNs);
    expect(monoNs()).toBeGreaterThanOrEqual(targetNs);
    const stop = new AbortController();
    stop.abort();
    const before = monoNs();
    await coarseSleepUntil(before + 60e9, monoNs, stop.signal);
    expect(monoNs() - before).toBeLessThan(30e9);
  });

  test("systemClock reads monoNs, sleeps on it never early, and releases credits SEND_LEAD_NS ahead", async () => {
    const a = systemClock.nowNs();
    expect(Math.abs(a - monoNs())).toBeLessThan(1e9);
    for (const waitNs of [0, 300_000, 1_500_000, 2_700_000]) {
      const targetNs = systemClock.nowNs() + waitNs;
      await systemClock.sleepUntil(targetNs);
      expect(systemClock.nowNs()).toBeGreaterThanOrEqual(targetNs);
    }
    expect(releaseAt(systemClock, 10e9)).toBe(10e9 - SEND_LEAD_NS);
    expect(releaseAt({ ...systemClock, leadNs: undefined }, 10e9)).toBe(10e9);
  });
});
