/** Concurrency, phases, duration/grace, warmup, cancellation and worker choice on the simulated clock. */
import { describe, expect, test } from "bun:test";
import type { TimingPhaseResult } from "../../src/protocol/timing-plan.ts";
import { BASE_PLAN, ofPhase, simulate, started } from "./harness.ts";

const MS = 1_000_000;
const SEC = 1e9;
/** A service time from a credit id: varied but reproducible. */
const varied = (id: number): number => (1 + ((id * 7919) % 13)) * MS;

describe("concurrency", () => {
  test("with a rate, the ceiling caps credits in flight and the rest wait for returns", async () => {
    const { result, sent, maxInFlight } = await simulate(
      { ...BASE_PLAN, rateMode: "constant", requestRate: 1000, concurrency: 5, requestCount: 200 },
      { serviceNs: () => 20 * MS },
    );
    expect(maxInFlight).toBe(5);
    expect(sent.every((s) => s.inFlightAfter <= 5)).toBe(true);
    expect(result.phases[0]).toMatchObject({ sent: 200, completed: 200 });
    // Five per 20 ms is far below 1000/s, so the whole run took about 200/5 · 20 ms, not 200 ms.
    const last = sent.at(-1)?.atNs ?? 0;
    expect(last - (sent[0]?.atNs ?? 0)).toBeGreaterThanOrEqual(39 * 20 * MS);
  });

  test("concurrency_burst keeps exactly N in flight until the count runs out", async () => {
    const r = await simulate({ ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 8, requestCount: 500 }, { serviceNs: (c) => varied(c.id) });
    const { result, maxInFlight } = r;
    // What the workers started (a queued credit starts when a slot of its worker frees, not when sent).
    const sent = started(r.sent);
    expect(sent).toHaveLength(500);
    expect(maxInFlight).toBe(8);
    expect(sent.slice(0, 8).every((s) => s.startedNs === sent[0]?.startedNs)).toBe(true);
    expect(sent.every((s, i) => s.runningAfter === Math.min(8, i + 1))).toBe(true);
    expect(sent.every((s) => s.credit.intendedNs === s.startedNs)).toBe(true);
    expect(result.phases[0]).toMatchObject({ phase: "profiling", sent: 500, completed: 500, timeoutTriggered: false });
  });
});

describe("count and duration modes", () => {
  test("count mode stops at N and ends when all N are back", async () => {
    const { result, sent } = await simulate({ ...BASE_PLAN, rateMode: "poisson", requestRate: 200, requestCount: 77 }, { serviceNs: (c) => varied(c.id) });
    const phase = result.phases[0] as TimingPhaseResult;
    expect(sent).toHaveLength(77);
    expect(phase).toMatchObject({ sent: 77, completed: 77, timeoutTriggered: false, cancelled: false });
    expect(phase.sendEndNs).toBe(sent.at(-1)?.atNs ?? 0);
    expect(phase.endNs).toBeGreaterThan(phase.sendEndNs);
    expect(sent.map((s) => s.credit.num)).toEqual(Array.from({ length: 77 }, (_, k) => k));
  });

  test("duration mode stops issuing at the duration and ends when the last credit returns", async () => {
    const { result, sent } = await simulate(
      { ...BASE_PLAN, rateMode: "constant", requestRate: 100, durationSec: 1, graceSec: 5 },
      { serviceNs: () => 30 * MS },
    );
    const phase = result.phases[0] as TimingPhaseResult;
    // Credits at 0, 10, ..., 1000 ms: elapsed ≤ duration, as upstream.
    expect(sent).toHaveLength(101);
    expect(sent.every((s) => s.atNs <= phase.startNs + SEC)).toBe(true);
    expect(phase).toMatchObject({ sent: 101, completed: 101, timeoutTriggered: false });
    expect(phase.endNs).toBe(phase.startNs + SEC + 30 * MS);
  });

  test("duration mode force-completes after the grace period when returns never come", async () => {
    const { result, sent } = await simulate({ ...BASE_PLAN, rateMode: "constant", requestRate: 100, durationSec: 1, graceSec: 2 }, { serviceNs: () => null });
    const phase = result.phases[0] as TimingPhaseResult;
    expect(sent).toHaveLength(101);
    expect(phase).toMatchObject({ sent: 101, completed: 0, timeoutTriggered: true, cancelled: false });
    expect(phase.sendEndNs).toBe(phase.startNs + SEC);
    expect(phase.endNs).toBe(phase.startNs + 3 * SEC);
  });

  test("concurrency_burst in duration mode stops at the deadline even while waiting for a slot", async () => {
    const r = await simulate({ ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 4, durationSec: 1, graceSec: 1 }, { serviceNs: () => 300 * MS });
    const phase = r.result.phases[0] as TimingPhaseResult;
    const sent = started(r.sent);
    // Slots free at 300, 600, 900 ms; the next refill would be at 1200 ms, past the duration.
    expect(sent).toHaveLength(16);
    expect(sent.every((s) => s.startedNs <= phase.startNs + SEC)).toBe(true);
    expect(phase.sendEndNs - phase.startNs).toBeLessThanOrEqual(SEC + 1);
    // Credits queued for 1200 ms went back unsent: neither sent nor completed.
    expect(phase).toMatchObject({ sent: 16, completed: 16, timeoutTriggered: false });
    expect(phase.endNs).toBe(phase.startNs + 1200 * MS);
  });
});

describe("warmup", () => {
  test("runs first with the same strategy, is drained before profiling, and is not counted in it", async () => {
    const { result, sent, events } = await simulate(
      { ...BASE_PLAN, rateMode: "constant", requestRate: 100, requestCount: 50, warmupRequestCount: 20 },
      { serviceNs: (c) => varied(c.id) },
    );
    const [warmup, profiling] = result.phases as [TimingPhaseResult, TimingPhaseResult];
    expect(result.phases.map((p) => p.phase)).toEqual(["warmup", "profiling"]);
    expect(warmup).toMatchObject({ sent: 20, completed: 20 });
    expect(profiling).toMatchObject({ sent: 50, completed: 50 });
    expect(profiling.startNs).toBeGreaterThanOrEqual(warmup.endNs);
    expect(sent.slice(0, 20).every((s) => s.credit.phase === "warmup")).toBe(true);
    expect(ofPhase(sent, "profiling").map((s) => s.credit.num)).toEqual(Array.from({ length: 50 }, (_, k) => k));
    expect(new Set(sent.map((s) => s.credit.id)).size).toBe(70);
    // Warmup paces at the same rate as profiling.
    expect(ofPhase(sent, "warmup").map((s) => s.credit.intendedNs - warmup.startNs)).toEqual(Array.from({ length: 20 }, (_, k) => k * 10 * MS));
    const order = events.filter((e) => e.name !== "progress").map((e) => `${e.name}:${(e.payload as { phase: string }).phase}`);
    expect(order).toEqual(["phase_start:warmup", "phase_complete:warmup", "phase_start:profiling", "phase_complete:profiling"]);
  });
});

describe("events", () => {
  test("progress comes about every 500 ms with sent, completed and total", async () => {
    const { events } = await simulate({ ...BASE_PLAN, rateMode: "constant", requestRate: 100, requestCount: 250 });
    const progress = events.filter((e) => e.name === "progress");
    expect(progress.length).toBe(4);
    const first = progress[0]?.payload as { phase: string; sent: number; completed: number; total: number };
    expect(first).toMatchObject({ phase: "profiling", total: 250 });
    // At 500 ms, credits 0..49 (or 50, due at that very instant) are out and 1 ms later back.
    expect(first.sent).toBeOneOf([50, 51]);
    expect(first.completed).toBe(50);
    expect(progress.slice(1).every((e, k) => e.atNs - (progress[k]?.atNs ?? 0) === 500 * MS)).toBe(true);
    const start = events.find((e) => e.name === "phase_start")?.payload;
    expect(start).toMatchObject({ phase: "profiling", total: 250 });
  });
});
