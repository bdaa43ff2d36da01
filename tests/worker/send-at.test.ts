/**
 * Credits arrive ahead of their time and the worker waits the rest: timers to within a margin,
 * then a futex wait and a short spin when idle, event-loop turns when other requests are on the
 * wire; never early, earliest first.
 */
import { describe, expect, test } from "bun:test";
import { monoNs } from "../../src/core/clock.ts";
import { BUSY_SLICE_NS, BUSY_SPIN_NS, type SendClock, SendQueue, SPIN_GUARD_NS, WAKE_MARGIN_NS } from "../../src/services/worker/send-at.ts";

type FakeClock = SendClock & { now: number; reads: number; sleeps: number[]; blocks: number[]; turns: number };

/** Time moves 1 µs per read (so a spin ends), by the timer's length plus 150 µs per timer, 20 µs per turn. */
function fakeClock(startNs: number): FakeClock {
  const c: FakeClock = {
    now: startNs,
    reads: 0,
    sleeps: [],
    blocks: [],
    turns: 0,
    nowNs() {
      c.reads++;
      if (c.reads > 100_000) throw new Error("the wait keeps reading the clock");
      c.now += 1_000;
      return c.now;
    },
    async sleepMs(ms: number, signal?: AbortSignal) {
      c.sleeps.push(ms);
      await Promise.resolve();
      if (signal?.aborted !== true) c.now += ms * 1e6 + 150_000;
    },
    block(ns: number) {
      c.blocks.push(ns);
      c.now += ns + 50_000;
    },
    async turn() {
      c.turns++;
      await Promise.resolve();
      c.now += 20_000;
    },
  };
  return c;
}

describe("SendQueue", () => {
  test("a due or past credit is sent at once: no wait, no turn", () => {
    for (const aheadNs of [-5e9, -1, 0]) {
      const clock = fakeClock(1e12);
      expect(new SendQueue(() => false, clock).until(1e12 + aheadNs)).toBeUndefined();
      expect(clock.sleeps).toEqual([]);
      expect(clock.blocks).toEqual([]);
    }
  });

  test("idle: timers to the margin, one futex wait to the guard, then a spin; never early", async () => {
    const clock = fakeClock(0);
    const target = 7_400_000;
    await new SendQueue(() => false, clock).until(target);
    const sentAt = clock.now;
    expect(sentAt).toBeGreaterThanOrEqual(target);
    expect(sentAt - target).toBeLessThan(10_000);
    expect(clock.sleeps).toEqual([Math.floor((target - WAKE_MARGIN_NS) / 1e6)]);
    expect(clock.blocks).toHaveLength(1);
    expect(clock.turns).toBe(0);
    // The spin covered about the guard, not more.
    expect(clock.reads).toBeLessThan(SPIN_GUARD_NS / 1_000 + 100);
  });

  test("busy: short futex waits, each followed by an event-loop turn, and a spin no longer than BUSY_SPIN_NS", async () => {
    const clock = fakeClock(0);
    const target = 3_000_000;
    await new SendQueue(() => true, clock).until(target);
    expect(clock.now).toBeGreaterThanOrEqual(target);
    expect(clock.blocks.length).toBeGreaterThan(3);
    expect(clock.blocks.every((ns) => ns <= BUSY_SLICE_NS)).toBe(true);
    // Futex waits stop BUSY_GUARD_NS before the target; turns alone cover the rest.
    expect(clock.turns).toBeGreaterThan(clock.blocks.length);
    expect(clock.blocks.reduce((a, b) => a + b, 0)).toBeLessThan(target);
    expect(clock.reads - clock.turns * 2).toBeLessThan(BUSY_SPIN_NS / 1_000 + 100);
  });

  test("the earliest credit goes first, whatever the order they arrived in; each at or after its time", async () => {
    const clock = fakeClock(0);
    const q = new SendQueue(() => false, clock);
    const sent: [string, number][] = [];
    const late = q.until(9_000_000)?.then(() => sent.push(["late", clock.now]));
    const early = q.until(5_000_000)?.then(() => sent.push(["early", clock.now]));
    await Promise.all([late, early]);
    expect(sent.map(([n]) => n)).toEqual(["early", "late"]);
    expect((sent[0] as [string, number])[1]).toBeGreaterThanOrEqual(5_000_000);
    expect((sent[1] as [string, number])[1]).toBeGreaterThanOrEqual(9_000_000);
  });

  test("a released credit goes out before the wait for the next one may hold the loop", async () => {
    const clock = fakeClock(0);
    const q = new SendQueue(() => false, clock);
    let blocksWhenSent = -1;
    let sentAt = 0;
    const first = q.until(5e6)?.then(() => {
      blocksWhenSent = clock.blocks.length;
      sentAt = clock.now;
    });
    const second = q.until(5.9e6);
    await Promise.all([first, second]);
    // Only the first credit's own futex wait came before its send, not the second's.
    expect(blocksWhenSent).toBe(1);
    expect(sentAt - 5e6).toBeLessThan(20_000);
    expect(clock.now).toBeGreaterThanOrEqual(5.9e6);
  });

  test("aborting ends a long wait at once, and the others still wait for their time", async () => {
    const q = new SendQueue(() => true);
    const ctl = new AbortController();
    const t0 = monoNs();
    const far = q.until(t0 + 60e9, ctl.signal);
    const near = q.until(t0 + 30e6);
    setTimeout(() => ctl.abort(), 5);
    await far;
    expect(monoNs() - t0).toBeLessThan(20e6);
    await near;
    expect(monoNs()).toBeGreaterThanOrEqual(t0 + 30e6);
  });

  test("on the host clock the event loop keeps running while a credit waits on timers", async () => {
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    const target = monoNs() + 20e6;
    await new SendQueue(() => true).until(target);
    const at = monoNs();
    clearInterval(ticker);
    expect(at).toBeGreaterThanOrEqual(target);
    expect(ticks).toBeGreaterThan(3);
  });
});
