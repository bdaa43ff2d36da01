/** Warmup by sessions (--num-warmup-sessions) and warmup's own prefill ceiling (--warmup-prefill-concurrency). */
import { describe, expect, test } from "bun:test";
import type { TimingPhaseResult } from "../../src/protocol/timing-plan.ts";
import type { SessionData } from "../../src/services/timing/sessions.ts";
import { BASE_PLAN, ofPhase, type Sent, simulate } from "./harness.ts";

const MS = 1_000_000;
const turns = (n: number, delayMs = 0): SessionData => ({ turnCount: () => n, delayMs: () => delayMs });
const at = (s: Sent, startNs: number): number => Math.round((s.atNs - startNs) / MS);

function bySession(sent: Sent[]): Sent[][] {
  const out = new Map<string, Sent[]>();
  for (const s of sent) out.set(s.credit.correlationId, [...(out.get(s.credit.correlationId) ?? []), s]);
  return [...out.values()];
}

describe("warmup by sessions", () => {
  test("starts that many sessions, sends every turn of each, then profiling starts", async () => {
    const r = await simulate(
      { ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 4, requestCount: 3, warmup: { sessions: 2 } },
      { sessions: turns(3, 5), serviceNs: () => 10 * MS },
    );
    const [warmup, profiling] = r.result.phases as [TimingPhaseResult, TimingPhaseResult];
    // Room for four, but only two sessions start; their later turns follow each reply + 5 ms.
    expect(warmup).toMatchObject({ phase: "warmup", sent: 6, completed: 6, timeoutTriggered: false });
    const sessions = bySession(ofPhase(r.sent, "warmup"));
    expect(sessions).toHaveLength(2);
    for (const s of sessions) {
      expect(s.map((x) => x.credit.turn)).toEqual([0, 1, 2]);
      expect(s.map((x) => at(x, warmup.startNs))).toEqual([0, 15, 30]);
    }
    expect(warmup.endNs - warmup.startNs).toBe(40 * MS);
    expect(profiling.startNs).toBeGreaterThanOrEqual(warmup.endNs);
    expect(profiling).toMatchObject({ sent: 3, completed: 3 });
    // Neither a count nor a duration is announced for a sessions warmup.
    const start = r.events.find((e) => e.name === "phase_start")?.payload as Record<string, unknown>;
    expect(start).toMatchObject({ phase: "warmup" });
    expect(start.total).toBeUndefined();
    expect(start.durationSec).toBeUndefined();
  });

  test("at a rate, new sessions stop at the count while started ones finish", async () => {
    const r = await simulate(
      { ...BASE_PLAN, rateMode: "constant", requestRate: 100, requestCount: 2, warmup: { sessions: 3 } },
      { sessions: turns(2, 50), serviceNs: () => 5 * MS },
    );
    const warmup = r.result.phases[0] as TimingPhaseResult;
    const sent = ofPhase(r.sent, "warmup");
    // First turns at 0, 10, 20 ms; second turns 5 + 50 ms after each.
    expect(sent.map((s) => [at(s, warmup.startNs), s.credit.turn])).toEqual([
      [0, 0],
      [10, 0],
      [20, 0],
      [55, 1],
      [65, 1],
      [75, 1],
    ]);
    expect(warmup).toMatchObject({ sent: 6, completed: 6 });
  });

  test("user-centric warmup: virtual-history users and their replacements count as sessions", async () => {
    // 2 users, 4 turns, 10/s: a fresh user (4 turns) at 0, a user with 2 turns left at 100 ms,
    // its replacement (4 turns) at 100 + 2·200 = 500 ms; the fresh user's replacement (800 ms) is a 4th session: not sent.
    const r = await simulate(
      { ...BASE_PLAN, rateMode: "concurrency_burst", userCentric: { rate: 10, users: 2 }, requestCount: 2, warmup: { sessions: 3 } },
      { sessions: turns(4), serviceNs: () => 5 * MS },
    );
    const warmup = r.result.phases[0] as TimingPhaseResult;
    const sessions = bySession(ofPhase(r.sent, "warmup")).map((s) => s.map((x) => at(x, warmup.startNs)));
    expect(sessions).toEqual([
      [0, 200, 400, 600],
      [100, 300],
      [500, 700, 900, 1100],
    ]);
    expect(warmup).toMatchObject({ sent: 10, completed: 10 });
    expect(warmup.endNs - warmup.startNs).toBe(1105 * MS);
  });
});

describe("warmup prefill ceiling", () => {
  test("applies to warmup only; profiling keeps its own (here none)", async () => {
    const r = await simulate(
      { ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 4, requestCount: 4, warmupRequestCount: 3, warmup: { prefillConcurrency: 1 } },
      { serviceNs: () => 100 * MS, firstByteNs: () => 40 * MS },
    );
    const [warmup, profiling] = r.result.phases as [TimingPhaseResult, TimingPhaseResult];
    // One waiting for its first byte at a time: the next goes when the previous one's first byte (40 ms) is in.
    const w = ofPhase(r.sent, "warmup");
    expect(w.map((s) => at(s, warmup.startNs))).toEqual([0, 40, 80]);
    expect(w.every((s) => s.credit.reportFirstByte === true)).toBe(true);
    // Profiling has no prefill ceiling: all four at once, not asking for first bytes.
    const p = ofPhase(r.sent, "profiling");
    expect(p.map((s) => at(s, profiling.startNs))).toEqual([0, 0, 0, 0]);
    expect(p.every((s) => s.credit.reportFirstByte === undefined)).toBe(true);
  });

  test("inherits the profiling prefill ceiling when unset, and may differ from it", async () => {
    const run = (warmup: { prefillConcurrency?: number }) =>
      simulate(
        { ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 4, prefillConcurrency: 2, requestCount: 2, warmupRequestCount: 4, warmup },
        { serviceNs: () => 100 * MS, firstByteNs: () => 40 * MS },
      );
    const inherited = await run({});
    const s1 = inherited.result.phases[0]?.startNs ?? 0;
    expect(ofPhase(inherited.sent, "warmup").map((s) => at(s, s1))).toEqual([0, 0, 40, 40]);
    const own = await run({ prefillConcurrency: 4 });
    const s2 = own.result.phases[0]?.startNs ?? 0;
    expect(ofPhase(own.sent, "warmup").map((s) => at(s, s2))).toEqual([0, 0, 0, 0]);
  });
});
