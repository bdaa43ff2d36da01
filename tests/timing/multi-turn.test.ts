import { describe, expect, test } from "bun:test";
import type { SessionData } from "../../src/services/timing/sessions.ts";
import { BASE_PLAN, type Sent, simulate } from "./harness.ts";

const MS = 1_000_000;
/** Every conversation has three turns; turn 1 waits 5 ms after turn 0's reply, turn 2 waits 10 ms. */
const THREE_TURNS: SessionData = { turnCount: () => 3, delayMs: (_c, t) => [0, 5, 10][t] ?? 0 };

function bySession(sent: Sent[]): Map<string, Sent[]> {
  const out = new Map<string, Sent[]>();
  for (const s of sent) out.set(s.credit.correlationId, [...(out.get(s.credit.correlationId) ?? []), s]);
  return out;
}

describe("multi-turn sessions: one credit per turn", () => {
  test("a session's turns go in order to one worker, with one correlation id and one conversation", async () => {
    const r = await simulate(
      { ...BASE_PLAN, workers: ["w0", "w1", "w2", "w3"], rateMode: "concurrency_burst", concurrency: 4, requestCount: 30 },
      { sessions: THREE_TURNS, serviceNs: (c) => (1 + (c.id % 3)) * MS },
    );
    const sessions = bySession(r.sent);
    expect(sessions.size).toBeGreaterThan(4);
    for (const turns of sessions.values()) {
      expect(turns.map((s) => s.credit.turn)).toEqual([0, 1, 2].slice(0, turns.length));
      expect(new Set(turns.map((s) => s.worker)).size).toBe(1);
      expect(new Set(turns.map((s) => s.credit.conversation)).size).toBe(1);
    }
    // The count is of requests (turns), not sessions.
    expect(r.result.phases[0]?.sent).toBe(30);
    expect(r.result.phases[0]?.completed).toBe(30);
  });

  test("the next turn waits for the previous turn's return plus its delay", async () => {
    const serviceNs = 2 * MS;
    const r = await simulate(
      { ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 2, requestCount: 12 },
      { sessions: THREE_TURNS, serviceNs: () => serviceNs },
    );
    let checked = 0;
    for (const turns of bySession(r.sent).values()) {
      for (let t = 1; t < turns.length; t++) {
        const prev = turns[t - 1] as Sent;
        const cur = turns[t] as Sent;
        const delayNs = (t === 1 ? 5 : 10) * MS;
        expect(cur.credit.intendedNs).toBeGreaterThanOrEqual(prev.atNs + serviceNs + delayNs);
        expect(cur.atNs).toBeGreaterThanOrEqual(prev.atNs + serviceNs + delayNs);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3);
  });

  test("concurrency counts turns in flight, and other sessions use the slot during a delay", async () => {
    const r = await simulate({ ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 2, requestCount: 20 }, { sessions: THREE_TURNS });
    expect(r.maxInFlight).toBe(2);
    for (const s of r.sent) expect(s.inFlightAfter).toBeLessThanOrEqual(2);
    // Turn delays are longer than a request: more sessions than slots are open at once.
    expect(bySession(r.sent).size).toBeGreaterThan(2);
  });

  test("without delays a session in progress gets the freed slot first; the count truncates the last session", async () => {
    const noDelay: SessionData = { turnCount: () => 3, delayMs: () => 0 };
    const r = await simulate({ ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 1, requestCount: 7 }, { sessions: noDelay });
    expect(r.sent.map((s) => s.credit.turn)).toEqual([0, 1, 2, 0, 1, 2, 0]);
    expect(r.sent.map((s) => s.credit.correlationId)).toEqual(["uuid-0", "uuid-0", "uuid-0", "uuid-1", "uuid-1", "uuid-1", "uuid-2"]);
    expect(r.result.phases[0]?.completed).toBe(7);
  });

  test("with a rate, only first turns follow the schedule", async () => {
    const r = await simulate({ ...BASE_PLAN, rateMode: "constant", requestRate: 100, requestCount: 9 }, { sessions: THREE_TURNS });
    const firsts = r.sent.filter((s) => s.credit.turn === 0);
    for (let i = 1; i < firsts.length; i++) expect((firsts[i] as Sent).credit.intendedNs - (firsts[i - 1] as Sent).credit.intendedNs).toBe(10 * MS);
    expect(r.sent.length).toBe(9);
  });

  test("a multi-turn warmup's unfinished sessions do not leak into profiling", async () => {
    const r = await simulate(
      { ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 2, warmupRequestCount: 4, requestCount: 6 },
      { sessions: THREE_TURNS },
    );
    const warmupIds = new Set(r.sent.filter((s) => s.credit.phase === "warmup").map((s) => s.credit.correlationId));
    const profiling = r.sent.filter((s) => s.credit.phase === "profiling");
    expect(profiling.length).toBe(6);
    for (const s of profiling) expect(warmupIds.has(s.credit.correlationId)).toBe(false);
  });

  test("single-turn conversations carry turn 0 and a fresh correlation id per credit", async () => {
    const r = await simulate({ ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 2, requestCount: 5 });
    expect(r.sent.every((s) => s.credit.turn === 0)).toBe(true);
    expect(new Set(r.sent.map((s) => s.credit.correlationId)).size).toBe(5);
  });
});
