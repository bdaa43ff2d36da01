/** The real-clock sleeps. These check behaviour (never early, abortable), not how precise a busy machine is. */
import { describe, expect, test } from "bun:test";
import { monoNs } from "../../src/core/clock.ts";
import { systemClock } from "../../src/services/timing/clock.ts";
import { coarseSleepUntil, preciseSleepUntil } from "../../src/services/timing/pacer.ts";

describe("preciseSleepUntil", () => {
  test("never returns before the target, for waits below and above the timer's resolution", async () => {
    for (const waitNs of [0, 50_000, 299_000, 700_000, 1_300_000, 2_000_000, 3_700_000]) {
      const targetNs = monoNs() + waitNs;
      await preciseSleepUntil(targetNs, monoNs);
      expect(monoNs()).toBeGreaterThanOrEqual(targetNs);
    }
  });

  test("lets the event loop run on every call, even when each target is under a millisecond away", async () => {
    // A send loop at over 800/s waits less than a timer's resolution each time; if those waits
    // never yield, I/O callbacks (the bus's socket flush) starve and every credit leaves at once.
    let turns = 0;
    const tick = (): void => {
      turns++;
      if (turns < 1000) setImmediate(tick);
    };
    setImmediate(tick);
    let targetNs = monoNs();
    for (let i = 0; i < 50; i++) {
      targetNs += 200_000;
      await preciseSleepUntil(targetNs, monoNs);
    }
    expect(turns).toBeGreaterThanOrEqual(50);
  });

  test("a target in the past returns at once", async () => {
    const before = monoNs();
    await preciseSleepUntil(before - 1e9, monoNs);
    // Generous: no timer was involved, so even a loaded machine is far below a second.
    expect(monoNs() - before).toBeLessThan(1e9);
  });

  test("aborting wakes a long sleep", async () => {
    const stop = new AbortController();
    const before = monoNs();
    setTimeout(() => stop.abort(), 20);
    await preciseSleepUntil(before + 60e9, monoNs, stop.signal);
    expect(monoNs() - before).toBeLessThan(30e9);
  });
});

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

  test("systemClock reads monoNs and sleeps on it, precise or coarse", async () => {
    const a = systemClock.nowNs();
    expect(Math.abs(a - monoNs())).toBeLessThan(1e9);
    const t1 = a + 1_500_000;
    await systemClock.sleepUntil(t1);
    expect(systemClock.nowNs()).toBeGreaterThanOrEqual(t1);
    const t2 = systemClock.nowNs() + 1_500_000;
    await systemClock.sleepUntil(t2, { coarse: true });
    expect(systemClock.nowNs()).toBeGreaterThanOrEqual(t2);
  });
});
