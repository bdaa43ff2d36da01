/** The fixed-schedule driver: timestamps replayed as anchor + (timestamp − zero), offsets, the concurrency ceiling, later turns. */
import { describe, expect, test } from "bun:test";
import type { TimingPhaseResult } from "../../../src/protocol/timing-plan.ts";
import type { TraceData } from "../../../src/services/timing/fixed-schedule.ts";
import type { SessionData } from "../../../src/services/timing/sessions.ts";
import { simulate } from "../harness.ts";

const MS = 1_000_000;

/** Single-turn conversations with these first-turn timestamps (ms), in file order. */
function trace(
  stamps: (number | null)[],
  turns: (c: number) => number = () => 1,
  later: (c: number, t: number) => number | null = () => null,
): TraceData & SessionData {
  return {
    conversations: stamps.length,
    turnCount: turns,
    timestampMs: (c, t) => (t === 0 ? (stamps[c] ?? null) : later(c, t)),
    delayMs: () => 0,
  };
}

const PLAN = { workers: ["w0", "w1"], rateMode: "concurrency_burst" as const, randomSeed: 1 };
const STAMPS = [1000, 1000, 1250, 1100, 2000, 3500];

describe("fixed-schedule runs", () => {
  test("each credit goes at, and is intended for, anchor + (timestamp − zero); the count is the schedule's", async () => {
    const data = trace(STAMPS);
    const r = await simulate({ ...PLAN, conversations: 6, datasetPath: "x", fixedSchedule: { autoOffset: true } }, { trace: data, sessions: data });
    const phase = r.result.phases[0] as TimingPhaseResult;
    expect(phase).toMatchObject({ phase: "profiling", sent: 6, completed: 6 });
    expect(r.sent.map((s) => s.credit.conversation)).toEqual([0, 1, 3, 2, 4, 5]);
    expect(r.sent.map((s) => (s.credit.intendedNs - phase.startNs) / MS)).toEqual([0, 0, 100, 250, 1000, 2500]);
    expect(r.sent.every((s) => s.atNs === s.credit.intendedNs)).toBe(true);
    expect(r.events.find((e) => e.name === "phase_start")?.payload).toMatchObject({ total: 6 });
  });

  test("the start offset is schedule zero and the end offset cuts the tail", async () => {
    const data = trace(STAMPS);
    const r = await simulate({ ...PLAN, conversations: 6, fixedSchedule: { startOffsetMs: 1100, endOffsetMs: 2000 } }, { trace: data, sessions: data });
    const start = r.result.phases[0]?.startNs ?? 0;
    expect(r.sent.map((s) => [s.credit.conversation, (s.credit.intendedNs - start) / MS])).toEqual([
      [3, 0],
      [2, 150],
      [4, 900],
    ]);
  });

  test("concurrency is a ceiling: held-back credits go late but keep their schedule time as intended", async () => {
    const data = trace([0, 0, 0, 0, 10, 10]);
    const r = await simulate({ ...PLAN, conversations: 6, concurrency: 2, fixedSchedule: {} }, { trace: data, sessions: data, serviceNs: () => 30 * MS });
    expect(r.maxInFlight).toBe(2);
    const start = r.result.phases[0]?.startNs ?? 0;
    expect(r.sent.map((s) => (s.atNs - start) / MS)).toEqual([0, 0, 30, 30, 60, 60]);
    expect(r.sent.map((s) => (s.credit.intendedNs - start) / MS)).toEqual([0, 0, 0, 0, 10, 10]);
  });

  test("a session's later turn waits for its reply and goes at its own timestamp", async () => {
    // Conversation 0: turns at 0, 50 and 60 ms; the 60 ms turn comes after a 20 ms reply to the 50 ms one, so it is late.
    const data = trace(
      [0, 5],
      (c) => (c === 0 ? 3 : 1),
      (_c, t) => [0, 50, 60][t] ?? null,
    );
    const r = await simulate({ ...PLAN, conversations: 2, fixedSchedule: {} }, { trace: data, sessions: data, serviceNs: () => 20 * MS });
    const start = r.result.phases[0]?.startNs ?? 0;
    const conv0 = r.sent.filter((s) => s.credit.conversation === 0);
    expect(conv0.map((s) => s.credit.turn)).toEqual([0, 1, 2]);
    expect(conv0.map((s) => (s.atNs - start) / MS)).toEqual([0, 50, 70]);
    expect(conv0.map((s) => (s.credit.intendedNs - start) / MS)).toEqual([0, 50, 60]);
    expect(r.result.phases[0]).toMatchObject({ sent: 4, completed: 4 });
  });

  test("a plan with a fixed schedule but no dataset file fails with a clear message", async () => {
    await expect(simulate({ ...PLAN, conversations: 2, fixedSchedule: {} })).rejects.toThrow("needs the dataset file");
  });
});
