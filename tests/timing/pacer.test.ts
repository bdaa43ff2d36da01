/** The real-clock sleeps. These check behaviour (never early, abortable), not how precise a busy machine is. */
import { describe, expect, test } from "bun:test";
import { monoNs } from "../../src/core/clock.ts";
import { systemClock } from "../../src/services/timing/clock.ts";
import { coarseSleepUntil, MAX_HOLD_NS, preciseSleepUntil } from "../../src/services/timing/pacer.ts";

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
    // The 50 targets span ≥ 10 ms; the loop gets a turn at least every MAX_HOLD_NS plus one
    // spin (≤ 0.5 ms), so ≥ 20 turns even when late targets share one (the bug left none).
    expect(turns).toBeGreaterThanOrEqual(20);
  });

  test("due targets in a row share event-loop turns, yet the loop still runs every MAX_HOLD_NS", async () => {
    // A clock far ahead of the host's, moving 10 µs per read: 1000 due targets span ≥ 10 ms of it.
    let fake = monoNs() + 1e15;
    const now = (): number => (fake += 10_000);
    let ticks = 0;
    let ticking = true;
    const tick = (): void => {
      ticks++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    for (let i = 0; i < 1000; i++) await preciseSleepUntil(0, now);
    ticking = false;
    // One yield per call would give ~1000 turns; holding gives one per MAX_HOLD_NS of clock.
    expect(ticks).toBeLessThan(500);
    expect(ticks).toBeGreaterThanOrEqual(10_000_000 / MAX_HOLD_NS / 2);
  });

  test("concurrent sleepers wake in target order, never early, however they were started", async () => {
    // 40 sessions' next turns due within 3 ms, started in a scrambled order: closer together than
    // the spin guard, so sleepers spinning independently would hold the loop past earlier targets.
    const base = monoNs() + 3e6;
    const targets = Array.from({ length: 40 }, (_, i) => base + ((i * 23) % 40) * 75_000);
    const woke: { target: number; at: number }[] = [];
    await Promise.all(targets.map((t) => preciseSleepUntil(t, monoNs).then(() => woke.push({ target: t, at: monoNs() }))));
    expect(woke.map((w) => w.target)).toEqual([...targets].sort((a, b) => a - b));
    for (const w of woke) expect(w.at).toBeGreaterThanOrEqual(w.target);
  });

  test("an aborted sleeper leaves the others on time", async () => {
    const stop = new AbortController();
    const t0 = monoNs();
    const long = preciseSleepUntil(t0 + 60e9, monoNs, stop.signal);
    const short = preciseSleepUntil(t0 + 2e6, monoNs);
    stop.abort();
    await long;
    await short;
    expect(monoNs()).toBeGreaterThanOrEqual(t0 + 2e6);
    expect(monoNs() - t0).toBeLessThan(30e9);
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
