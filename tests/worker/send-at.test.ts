/** The worker sends on credit arrival and never spins; only far-ahead credits wait, on timers. */
import { describe, expect, test } from "bun:test";
import { monoNs } from "../../src/core/clock.ts";
import { NEAR_NS, type SendClock, untilSendTime } from "../../src/services/worker/send-at.ts";

/** A clock that moves only when slept on, counting reads: a spin would read it forever. */
function fakeClock(startNs: number): SendClock & { reads: number; sleeps: number[]; now: number } {
  const c = {
    now: startNs,
    reads: 0,
    sleeps: [] as number[],
    nowNs() {
      c.reads++;
      if (c.reads > 1000) throw new Error("the wait keeps reading the clock: it spins");
      return c.now;
    },
    async sleepMs(ms: number) {
      c.sleeps.push(ms);
      // Timers fire a little late.
      c.now += ms * 1e6 + 150_000;
    },
  };
  return c;
}

describe("untilSendTime", () => {
  test("a due, past or nearly due credit is sent at once, with no wait and one clock read", () => {
    for (const aheadNs of [-5e9, 0, 300_000, NEAR_NS]) {
      const clock = fakeClock(1e12);
      expect(untilSendTime(1e12 + aheadNs, undefined, clock)).toBeUndefined();
      expect(clock.reads).toBe(1);
      expect(clock.sleeps).toEqual([]);
    }
  });

  test("a credit meant for later waits on whole-millisecond timers, never early, without spinning", async () => {
    const clock = fakeClock(0);
    const target = 7_400_000;
    const wait = untilSendTime(target, undefined, clock);
    expect(wait).toBeDefined();
    await wait;
    // 7.4 ms rounds up to an 8 ms timer (a timer floors its argument), which fires at 8.15 ms.
    expect(clock.sleeps).toEqual([8]);
    expect(clock.now).toBeGreaterThanOrEqual(target);
    expect(clock.reads).toBeLessThan(5);
  });

  test("a timer that fires early is followed by another timer, not a spin", async () => {
    const clock = fakeClock(0);
    let first = true;
    clock.sleepMs = async (ms: number) => {
      clock.sleeps.push(ms);
      // The first timer comes back 2 ms early; later ones on time.
      clock.now += ms * 1e6 - (first ? 2e6 : 0);
      first = false;
    };
    await untilSendTime(10e6, undefined, clock);
    expect(clock.sleeps).toEqual([10, 2]);
    expect(clock.now).toBeGreaterThanOrEqual(10e6);
  });

  test("aborting ends a long wait", async () => {
    const ctl = new AbortController();
    const t0 = monoNs();
    const wait = untilSendTime(t0 + 60e9, ctl.signal);
    setTimeout(() => ctl.abort(), 5);
    await wait;
    expect(monoNs() - t0).toBeLessThan(30e9);
  });

  test("on the host clock the event loop keeps running during a wait", async () => {
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    const target = monoNs() + 20e6;
    await untilSendTime(target);
    clearInterval(ticker);
    expect(monoNs()).toBeGreaterThanOrEqual(target);
    expect(ticks).toBeGreaterThan(3);
  });
});
