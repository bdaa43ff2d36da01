/** Warmup by duration, its grace period, and per-phase overrides that otherwise inherit the profiling load. */
import { describe, expect, test } from "bun:test";
import type { TimingPhaseResult } from "../../src/protocol/timing-plan.ts";
import type { TraceData } from "../../src/services/timing/fixed-schedule.ts";
import { BASE_PLAN, ofPhase, simulate, started } from "./harness.ts";

const MS = 1_000_000;

describe("warmup by duration", () => {
  test("issues for its duration at the profiling rate, drains, then profiling runs its count", async () => {
    const r = await simulate(
      { ...BASE_PLAN, rateMode: "constant", requestRate: 100, requestCount: 30, warmup: { durationSec: 0.5 } },
      { serviceNs: () => 5 * MS },
    );
    const [warmup, profiling] = r.result.phases as [TimingPhaseResult, TimingPhaseResult];
    expect(r.result.phases.map((p) => p.phase)).toEqual(["warmup", "profiling"]);
    // Credits at 0, 10, …, 500 ms (elapsed ≤ duration).
    expect(warmup).toMatchObject({ sent: 51, completed: 51, timeoutTriggered: false });
    expect(ofPhase(r.sent, "warmup").map((s) => (s.credit.intendedNs - warmup.startNs) / MS)).toEqual(Array.from({ length: 51 }, (_, k) => k * 10));
    expect(warmup.endNs).toBe(warmup.startNs + 505 * MS);
    expect(profiling).toMatchObject({ sent: 30, completed: 30 });
    expect(profiling.startNs).toBeGreaterThanOrEqual(warmup.endNs);
    const start = r.events.find((e) => e.name === "phase_start")?.payload;
    expect(start).toMatchObject({ phase: "warmup", durationSec: 0.5 });
  });

  test("by default it waits for every warmup reply; a grace period force-completes it", async () => {
    const slow = (c: { phase: string }) => (c.phase === "warmup" ? 3000 * MS : MS);
    const waited = await simulate({ ...BASE_PLAN, rateMode: "constant", requestRate: 10, requestCount: 3, warmup: { durationSec: 0.2 } }, { serviceNs: slow });
    const w1 = waited.result.phases[0] as TimingPhaseResult;
    expect(w1).toMatchObject({ phase: "warmup", sent: 3, completed: 3, timeoutTriggered: false });
    expect(w1.endNs - w1.startNs).toBe(3200 * MS);
    const cut = await simulate(
      { ...BASE_PLAN, rateMode: "constant", requestRate: 10, requestCount: 3, warmup: { durationSec: 0.2, graceSec: 0.1 } },
      { serviceNs: slow },
    );
    const w2 = cut.result.phases[0] as TimingPhaseResult;
    expect(w2).toMatchObject({ phase: "warmup", sent: 3, completed: 0, timeoutTriggered: true });
    expect(w2.endNs - w2.startNs).toBe(300 * MS);
    expect(cut.result.phases[1]).toMatchObject({ phase: "profiling", sent: 3 });
  });
});

describe("warmup overrides", () => {
  test("its own rate, pattern and concurrency apply to warmup only", async () => {
    const r = await simulate(
      {
        ...BASE_PLAN,
        rateMode: "poisson",
        requestRate: 100,
        requestCount: 20,
        warmupRequestCount: 5,
        warmup: { requestRate: 20, rateMode: "constant", concurrency: 1 },
      },
      { serviceNs: () => 30 * MS },
    );
    const [warmup] = r.result.phases as [TimingPhaseResult];
    // 20/s constant is 50 ms apart, and the 30 ms replies keep one in flight.
    expect(ofPhase(r.sent, "warmup").map((s) => (s.atNs - warmup.startNs) / MS)).toEqual([0, 50, 100, 150, 200]);
    expect(ofPhase(r.sent, "warmup").every((s) => s.inFlightAfter === 1)).toBe(true);
    // Profiling is poisson at 100/s with no ceiling: several in flight at once.
    expect(Math.max(...ofPhase(r.sent, "profiling").map((s) => s.inFlightAfter))).toBeGreaterThan(1);
  });

  test("warmup concurrency_burst drops the inherited rate", async () => {
    const r = await simulate(
      {
        ...BASE_PLAN,
        rateMode: "constant",
        requestRate: 10,
        requestCount: 2,
        warmupRequestCount: 6,
        warmup: { rateMode: "concurrency_burst", concurrency: 3 },
      },
      { serviceNs: () => 10 * MS },
    );
    const w = started(ofPhase(r.sent, "warmup"));
    const start = r.result.phases[0]?.startNs ?? 0;
    expect(w.map((s) => (s.startedNs - start) / MS)).toEqual([0, 0, 0, 10, 10, 10]);
  });

  test("a fixed schedule's warmup is a closed loop at concurrency 1, and the schedule is replayed only when profiling", async () => {
    const trace: TraceData = { conversations: 3, turnCount: () => 1, timestampMs: (c) => [0, 100, 200][c] ?? null };
    const r = await simulate(
      { workers: ["w0"], rateMode: "concurrency_burst", conversations: 3, randomSeed: 1, warmupRequestCount: 4, fixedSchedule: {} },
      { trace, serviceNs: () => 7 * MS },
    );
    const [warmup, profiling] = r.result.phases as [TimingPhaseResult, TimingPhaseResult];
    expect(started(ofPhase(r.sent, "warmup")).map((s) => (s.startedNs - warmup.startNs) / MS)).toEqual([0, 7, 14, 21]);
    expect(ofPhase(r.sent, "profiling").map((s) => (s.credit.intendedNs - profiling.startNs) / MS)).toEqual([0, 100, 200]);
  });
});
