/**
 * Credits a worker holds (timing/queues.ts): in a closed loop at full concurrency, workers get a
 * few queued credits and start one in the slot of one of their own that ends. The simulated
 * workers (harness.ts) follow the worker engine's protocol, with a bus transit time so returns and
 * credits cross, and every count below is of what the workers actually started.
 */
import { describe, expect, test } from "bun:test";
import type { TimingPhaseResult } from "../../src/protocol/timing-plan.ts";
import { BASE_PLAN, ofPhase, type SimOutcome, simulate, started } from "./harness.ts";

/** A timing run queues none unless told (the plan's queuedCreditsPerSlot, which the controller sets): these runs queue one per slot, unless a test says otherwise. */
const simulateQueued: typeof simulate = (plan, options) => simulate(plan, { queueDepth: 1, ...options });

const US = 1000;
const MS = 1_000_000;
const SEC = 1e9;

/** Service times that differ per credit (0.2–3 ms), so slots free in no fixed order. */
const varied = (id: number): number => 200 * US + ((id * 7919) % 2800) * US;

const queuedStarts = (r: SimOutcome): number => started(r.sent).filter((s) => s.credit.queued === true).length;
const unsent = (r: SimOutcome): number => r.sent.filter((s) => s.unsent === true).length;

describe("queued credits in a concurrency burst", () => {
  for (const [workers, depth, transitNs] of [
    [1, 1, 0],
    [1, 0.25, 30 * US],
    [3, 1, 30 * US],
    [3, 0.5, 200 * US],
  ] as const) {
    test(`${workers} worker(s), ${depth} queued per slot, transit ${transitNs / US} µs: the ceiling holds at every start, the count is exact`, async () => {
      const ids = Array.from({ length: workers }, (_, i) => `w${i}`);
      const r = await simulateQueued(
        { ...BASE_PLAN, workers: ids, rateMode: "concurrency_burst", concurrency: 16, requestCount: 3000 },
        { serviceNs: (c) => varied(c.id), queueDepth: depth, transitNs },
      );
      const starts = started(r.sent);
      expect(starts).toHaveLength(3000);
      expect(new Set(starts.map((s) => s.credit.id)).size).toBe(3000);
      // Counted from the workers' own starts and ends, never more than the ceiling, and the ceiling reached.
      expect(r.maxInFlight).toBe(16);
      // The queues were in use: most requests started in a freed slot without timing in between.
      expect(queuedStarts(r)).toBeGreaterThan(1500);
      // A worker never holds more than its share, nor more than it has requests running to start them.
      expect(r.maxHeld.held).toBeLessThanOrEqual(Math.max(1, Math.ceil(depth * r.maxHeld.running)));
      expect(r.maxHeld.held).toBeLessThanOrEqual(r.maxHeld.running);
      expect(r.result.phases[0]).toMatchObject({ sent: 3000, completed: 3000, timeoutTriggered: false });
    });
  }

  test("progress counts requests started, not credits held: sent - completed never passes the concurrency", async () => {
    const r = await simulateQueued({ ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 4, requestCount: 10_000 }, { serviceNs: () => MS });
    expect(queuedStarts(r)).toBeGreaterThan(5000);
    const progress = r.events.filter((e) => e.name === "progress").map((e) => e.payload as { sent: number; completed: number });
    expect(progress.length).toBeGreaterThan(2);
    for (const p of progress) expect(p.sent - p.completed).toBeLessThanOrEqual(4);
    expect(progress.some((p) => p.sent - p.completed === 4)).toBe(true);
  });

  test("the sent count timing mirrors (protocol/sent-counts.ts) follows every send and unsent return, and ends at the phase's count", async () => {
    const last: Record<string, number> = {};
    let changes = 0;
    const r = await simulateQueued(
      { ...BASE_PLAN, workers: ["w0"], rateMode: "concurrency_burst", concurrency: 1, requestCount: 400, warmupRequestCount: 20 },
      { serviceNs: (c) => (c.id % 3 === 0 ? 20 * US : 300 * US), transitNs: 50 * US, onSent: (phase, sent) => ((last[phase] = sent), changes++) },
    );
    expect(unsent(r)).toBeGreaterThan(0);
    expect(last).toEqual({ warmup: 20, profiling: 400 });
    // Up for every credit sent, down for every queued one back unsent.
    expect(changes).toBe(r.sent.length + unsent(r));
  });

  test("a queued credit arriving at a worker with nothing in flight comes back unsent, and the count is still exact", async () => {
    // One slot, returns and credits crossing on the bus: the worker's only request often ends before its queued credit arrives.
    const r = await simulateQueued(
      { ...BASE_PLAN, workers: ["w0"], rateMode: "concurrency_burst", concurrency: 1, requestCount: 400 },
      { serviceNs: (c) => (c.id % 3 === 0 ? 20 * US : 300 * US), transitNs: 50 * US },
    );
    expect(unsent(r)).toBeGreaterThan(0);
    expect(started(r.sent)).toHaveLength(400);
    expect(r.maxInFlight).toBe(1);
    expect(r.result.phases[0]).toMatchObject({ sent: 400, completed: 400 });
  });

  test("what an unsent credit drew is drawn again: every conversation as often as with no queue (shuffle, sequential)", async () => {
    for (const sampling of [{ shuffle: true }, { sequential: true }]) {
      const r = await simulateQueued(
        { ...BASE_PLAN, ...sampling, conversations: 5, workers: ["w0"], rateMode: "concurrency_burst", concurrency: 1, requestCount: 400 },
        { serviceNs: (c) => (c.id % 3 === 0 ? 20 * US : 300 * US), transitNs: 50 * US },
      );
      expect(unsent(r)).toBeGreaterThan(0);
      const order = started(r.sent).map((s) => s.credit.conversation);
      expect(order).toHaveLength(400);
      // Each conversation 80 times in all; at any point of the run no conversation is more than a
      // pass ahead of another (a credit sent again may start after a later draw: order moves, counts do not).
      const counts = [0, 0, 0, 0, 0];
      for (const c of order) {
        counts[c] = (counts[c] as number) + 1;
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(2);
      }
      expect(counts).toEqual([80, 80, 80, 80, 80]);
    }
  });

  test("a queued credit starts at once in the freed slot, intended for then", async () => {
    const r = await simulateQueued(
      { ...BASE_PLAN, workers: ["w0"], rateMode: "concurrency_burst", concurrency: 2, requestCount: 40 },
      { serviceNs: () => 5 * MS },
    );
    const queued = started(r.sent).filter((s) => s.credit.queued === true);
    expect(queued.length).toBeGreaterThan(0);
    const start = r.result.phases[0]?.startNs ?? 0;
    for (const s of queued) {
      expect((s.startedNs - start) % (5 * MS)).toBe(0);
      expect(s.credit.intendedNs).toBe(s.startedNs);
      expect(s.credit.readyNs).toBeUndefined();
    }
  });

  test("duration stop: nothing starts after the send deadline; queued credits past it come back unsent and are not counted", async () => {
    const r = await simulateQueued(
      { ...BASE_PLAN, workers: ["w0", "w1"], rateMode: "concurrency_burst", concurrency: 8, durationSec: 0.5, graceSec: 10 },
      { serviceNs: (c) => 2 * varied(c.id), transitNs: 20 * US },
    );
    const phase = r.result.phases[0] as TimingPhaseResult;
    const starts = started(r.sent);
    expect(r.sent.filter((s) => s.credit.queued === true).every((s) => s.credit.notAfterNs === phase.startNs + 0.5 * SEC)).toBe(true);
    expect(starts.every((s) => s.startedNs <= phase.startNs + 0.5 * SEC)).toBe(true);
    expect(unsent(r)).toBeGreaterThan(0);
    expect(phase.sent).toBe(starts.length);
    expect(phase).toMatchObject({ completed: starts.length, timeoutTriggered: false });
    expect(r.maxInFlight).toBe(8);
  });

  test("a grace period that ends with requests hanging: queued credits still held are not counted as sent, nor as in flight", async () => {
    let inFlightMidway = -1;
    const r = await simulateQueued(
      { ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 4, durationSec: 1, graceSec: 1 },
      { serviceNs: () => null, setup: ({ clock, run }) => clock.at(clock.nowNs() + 500 * MS, () => (inFlightMidway = run.inFlight)) },
    );
    const phase = r.result.phases[0] as TimingPhaseResult;
    expect(r.sent.filter((s) => s.credit.queued === true).length).toBeGreaterThan(0);
    expect(started(r.sent)).toHaveLength(4);
    expect(inFlightMidway).toBe(4);
    // The records service is told 4 were sent, so it waits for 4 records, not for credits that never became requests.
    expect(phase).toMatchObject({ sent: 4, completed: 0, timeoutTriggered: true });
  });

  test("cancel: the workers return their queued credits unsent at once; none starts after the cancel", async () => {
    const cancelAt = 1 * SEC;
    let startNs = 0;
    const r = await simulateQueued(
      { ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 8, requestCount: 100_000 },
      {
        serviceNs: () => 10 * MS,
        setup: ({ clock, run, workers }) => {
          startNs = clock.nowNs();
          clock.at(clock.nowNs() + cancelAt + 3 * MS, () => {
            run.cancel();
            workers.cancel(["warmup", "profiling"]);
          });
        },
      },
    );
    const phase = r.result.phases[0] as TimingPhaseResult;
    const starts = started(r.sent);
    expect(starts.every((s) => s.startedNs <= startNs + cancelAt + 3 * MS)).toBe(true);
    expect(unsent(r)).toBeGreaterThan(0);
    expect(phase).toMatchObject({ sent: starts.length, completed: starts.length, cancelled: true });
    // The requests in flight end at 1.01 s; the unsent ones do not hold the phase up.
    expect(phase.endNs - phase.startNs).toBe(cancelAt + 10 * MS);
  });

  test("warmup: its queued credits all run within warmup (a count warmup and a duration warmup)", async () => {
    for (const [warmup, durationNs] of [
      [{ warmupRequestCount: 200 }, undefined],
      [{ warmupRequestCount: 0, warmup: { durationSec: 0.2 } }, 0.2 * SEC],
    ] as const) {
      const r = await simulateQueued(
        { ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 6, requestCount: 300, ...warmup },
        { serviceNs: (c) => varied(c.id), transitNs: 20 * US },
      );
      const [w, p] = r.result.phases as [TimingPhaseResult, TimingPhaseResult];
      const warm = started(ofPhase(r.sent, "warmup"));
      expect(warm.filter((s) => s.credit.queued === true).length).toBeGreaterThan(0);
      expect(warm.every((s) => s.startedNs < p.startNs)).toBe(true);
      if (durationNs !== undefined) expect(warm.every((s) => s.startedNs <= w.startNs + durationNs)).toBe(true);
      expect(w.sent).toBe(warm.length);
      expect(started(ofPhase(r.sent, "profiling"))).toHaveLength(300);
      expect(r.maxInFlight).toBe(6);
    }
  });

  test("a worker that stops answering loses its queued credits with its in-flight ones: the cancelled phase counts them", async () => {
    let deadFromNs = Number.POSITIVE_INFINITY;
    const r = await simulateQueued(
      { ...BASE_PLAN, workers: ["w0", "w1"], rateMode: "concurrency_burst", concurrency: 8, requestCount: 100_000 },
      {
        serviceNs: (_c, worker) => (worker === "w1" && deadFromNs !== Number.POSITIVE_INFINITY ? null : MS),
        // w1 dies at 200 ms; the controller notices and cancels the run at 300 ms (cancel_requests reaches only w0).
        setup: ({ clock, run, workers }) => {
          clock.at(clock.nowNs() + 200 * MS, () => (deadFromNs = clock.nowNs()));
          clock.at(clock.nowNs() + 300 * MS, () => {
            run.cancel();
            workers.cancel(["profiling"], ["w0"]);
          });
        },
      },
    );
    const phase = r.result.phases[0] as TimingPhaseResult;
    const lost = r.sent.filter((s) => s.worker === "w1" && s.unsent !== true && (s.startedNs === undefined || s.startedNs >= deadFromNs));
    expect(lost.some((s) => s.startedNs === undefined)).toBe(true);
    expect(phase.cancelled).toBe(true);
    expect(phase.sent - phase.completed).toBe(lost.length);
  });
});

describe("queued credits stay out of every other load", () => {
  const none = (r: SimOutcome): void => expect(r.sent.filter((s) => s.credit.queued === true)).toEqual([]);

  test("a rate, even one the ceiling holds back", async () => {
    none(await simulateQueued({ ...BASE_PLAN, rateMode: "poisson", requestRate: 2000, concurrency: 4, requestCount: 300 }, { serviceNs: () => 10 * MS }));
  });

  test("multi-turn conversations", async () => {
    const sessions = { turnCount: (c: number) => (c === 7 ? 2 : 1), delayMs: () => 0 };
    none(await simulateQueued({ ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 4, requestCount: 300 }, { sessions, serviceNs: () => MS }));
  });

  test("a prefill ceiling", async () => {
    none(
      await simulateQueued({ ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 4, prefillConcurrency: 2, requestCount: 300 }, { serviceNs: () => MS }),
    );
  });

  test("a sessions warmup", async () => {
    const r = await simulateQueued(
      { ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 4, requestCount: 10, warmup: { sessions: 100 } },
      { serviceNs: () => MS },
    );
    expect(ofPhase(r.sent, "warmup").filter((s) => s.credit.queued === true)).toEqual([]);
  });

  test("no depth given: none", async () => {
    none(await simulate({ ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 4, requestCount: 300 }, { serviceNs: () => MS }));
  });

  test("depth 0", async () => {
    none(await simulateQueued({ ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 4, requestCount: 300 }, { serviceNs: () => MS, queueDepth: 0 }));
  });

  test("a concurrency ramp, until it reached its target", async () => {
    const r = await simulateQueued(
      { ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 4, concurrencyRampSec: 1, requestCount: 2000 },
      { serviceNs: () => 10 * MS },
    );
    const start = r.result.phases[0]?.startNs ?? 0;
    const queued = r.sent.filter((s) => s.credit.queued === true);
    expect(queued.length).toBeGreaterThan(0);
    expect(queued.every((s) => s.atNs - start >= SEC)).toBe(true);
    expect(r.maxInFlight).toBe(4);
  });
});
