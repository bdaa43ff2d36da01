/** Per-credit cancellation draws, the "cancel" of a whole run, and least-loaded worker choice. */
import { describe, expect, test } from "bun:test";
import type { TimingPhaseResult } from "../../src/protocol/timing-plan.ts";
import { BASE_PLAN, simulate } from "./harness.ts";

const MS = 1_000_000;
const SEC = 1e9;

describe("request cancellation", () => {
  const plan = { ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 4, requestCount: 2000, cancellationDelaySec: 0.25 } as const;

  test("rate 0 marks no credit and rate 100 marks every one, with the delay in ns", async () => {
    const none = await simulate({ ...plan, cancellationRate: 0 });
    expect(none.sent.every((s) => s.credit.cancelAfterNs === null)).toBe(true);
    expect(none.result.phases[0]?.cancellationsPlanned).toBe(0);
    const all = await simulate({ ...plan, cancellationRate: 100 });
    expect(all.sent.every((s) => s.credit.cancelAfterNs === 250 * MS)).toBe(true);
    expect(all.result.phases[0]?.cancellationsPlanned).toBe(2000);
  });

  test("rate 30 marks about 30 % of credits, the same ones for the same seed", async () => {
    const marked = async (seed: number): Promise<number[]> =>
      (await simulate({ ...plan, cancellationRate: 30, randomSeed: seed })).sent.filter((s) => s.credit.cancelAfterNs !== null).map((s) => s.credit.num);
    const a = await marked(3);
    // 2000 draws at p = 0.3: σ ≈ 20, so 540..660 is a ±3σ band.
    expect(a.length).toBeGreaterThan(540);
    expect(a.length).toBeLessThan(660);
    expect(await marked(3)).toEqual(a);
    expect(await marked(4)).not.toEqual(a);
  });

  test("turning cancellation on does not move the poisson schedule or the conversation picks", async () => {
    const base = { ...BASE_PLAN, rateMode: "poisson", requestRate: 100, requestCount: 200 } as const;
    const off = await simulate({ ...base, cancellationRate: 0 });
    const on = await simulate({ ...base, cancellationRate: 50 });
    const shape = (r: typeof off) => r.sent.map((s) => [s.credit.intendedNs - (r.result.phases[0]?.startNs ?? 0), s.credit.conversation]);
    expect(shape(on)).toEqual(shape(off));
  });
});

describe("conversation picks", () => {
  test("uniform with replacement over the dataset, turn 0, seeded", async () => {
    const run = (seed: number) =>
      simulate({ ...BASE_PLAN, conversations: 5, rateMode: "concurrency_burst", concurrency: 2, requestCount: 1000, randomSeed: seed });
    const a = await run(8);
    const picks = a.sent.map((s) => s.credit.conversation);
    for (let c = 0; c < 5; c++) expect(picks.filter((p) => p === c).length).toBeGreaterThan(140);
    expect(picks.every((p) => p >= 0 && p < 5)).toBe(true);
    expect(a.sent.every((s) => s.credit.turn === 0)).toBe(true);
    expect((await run(8)).sent.map((s) => s.credit.conversation)).toEqual(picks);
    expect(new Set(a.sent.map((s) => s.credit.correlationId)).size).toBe(1000);
  });
});

describe("least-loaded worker choice", () => {
  test("every credit goes to a worker with the fewest outstanding; an idle pool round-robins", async () => {
    const workers = ["w0", "w1", "w2"];
    const { sent } = await simulate(
      { ...BASE_PLAN, workers, rateMode: "constant", requestRate: 1000, requestCount: 600 },
      // w0 is slow: it should end up with fewer credits.
      { serviceNs: (_c, worker) => (worker === "w0" ? 20 * MS : 2 * MS) },
    );
    expect(sent.slice(0, 3).map((s) => s.worker)).toEqual(workers);
    const notLeast = sent.filter((s) => (s.loadsBefore[s.worker] ?? 0) > Math.min(...Object.values(s.loadsBefore)));
    expect(notLeast).toEqual([]);
    const per = (w: string): number => sent.filter((s) => s.worker === w).length;
    expect(per("w0")).toBeLessThan(per("w1"));
    expect(per("w0")).toBeLessThan(per("w2"));
  });

  test("an unreachable worker is dropped and its credit goes to another", async () => {
    let refused = 0;
    const { sent, result } = await simulate(
      { ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 2, requestCount: 20 },
      { refuse: (worker) => worker === "w0" && ++refused > 0 },
    );
    expect(sent.every((s) => s.worker === "w1")).toBe(true);
    expect(result.phases[0]).toMatchObject({ sent: 20, completed: 20 });
  });
});

describe("cancelling a run", () => {
  test("stops issuing and waits at most 2 s for credits that never return", async () => {
    const { result, sent } = await simulate(
      { ...BASE_PLAN, rateMode: "constant", requestRate: 100, durationSec: 10, graceSec: 30 },
      { serviceNs: () => null, setup: ({ clock, run }) => clock.at(clock.nowNs() + 205 * MS, () => run.cancel()) },
    );
    const phase = result.phases[0] as TimingPhaseResult;
    expect(result.cancelled).toBe(true);
    expect(sent).toHaveLength(21);
    expect(phase).toMatchObject({ sent: 21, completed: 0, cancelled: true, timeoutTriggered: false });
    expect(phase.sendEndNs).toBe(phase.startNs + 205 * MS);
    expect(phase.endNs).toBe(phase.startNs + 205 * MS + 2 * SEC);
  });

  test("ends as soon as the credits in flight are back", async () => {
    const { result } = await simulate(
      { ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 3, requestCount: 1000 },
      {
        serviceNs: () => 40 * MS,
        // As the controller does: the run is cancelled and the workers told (cancel_requests), which returns their queued credits unsent.
        setup: ({ clock, run, workers }) =>
          clock.at(clock.nowNs() + 100 * MS, () => {
            run.cancel();
            workers.cancel(["warmup", "profiling"]);
          }),
      },
    );
    const phase = result.phases[0] as TimingPhaseResult;
    expect(phase).toMatchObject({ sent: 9, completed: 9, cancelled: true });
    expect(phase.endNs - phase.startNs).toBe(120 * MS);
  });

  test("a cancel during warmup skips profiling", async () => {
    const { result, sent } = await simulate(
      { ...BASE_PLAN, rateMode: "constant", requestRate: 100, requestCount: 100, warmupRequestCount: 50 },
      { setup: ({ clock, run }) => clock.at(clock.nowNs() + 105 * MS, () => run.cancel()) },
    );
    expect(result.cancelled).toBe(true);
    expect(result.phases.map((p) => p.phase)).toEqual(["warmup"]);
    expect(sent.every((s) => s.credit.phase === "warmup")).toBe(true);
  });

  test("a cancel before start runs no phase", async () => {
    const { result, sent } = await simulate({ ...BASE_PLAN, rateMode: "constant", requestRate: 100, requestCount: 10 }, { setup: ({ run }) => run.cancel() });
    expect(result).toMatchObject({ cancelled: true, phases: [], randomSeed: 42 });
    expect(sent).toEqual([]);
  });
});
