/** The fixed schedule built from a trace: schedule zero, order, offsets (drivers/fixed-schedule.test.ts replays it). */
import { describe, expect, test } from "bun:test";
import { buildSchedule, type TraceData } from "../../src/services/timing/fixed-schedule.ts";
import type { SessionData } from "../../src/services/timing/sessions.ts";

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

const STAMPS = [1000, 1000, 1250, 1100, 2000, 3500];

describe("buildSchedule", () => {
  test("zero is 0 by default, sorted by timestamp, equal stamps keep file order", () => {
    const s = buildSchedule(trace(STAMPS), { autoOffset: false });
    expect(s.zeroMs).toBe(0);
    expect(s.entries.map((e) => e.conversation)).toEqual([0, 1, 3, 2, 4, 5]);
    expect(s.entries.map((e) => e.offsetNs / MS)).toEqual([1000, 1000, 1100, 1250, 2000, 3500]);
    expect(s.turns).toBe(6);
  });

  test("auto offset starts at the first timestamp; start and end offsets drop what lies outside (end inclusive)", () => {
    expect(buildSchedule(trace(STAMPS), { autoOffset: true }).entries.map((e) => e.offsetNs / MS)).toEqual([0, 0, 100, 250, 1000, 2500]);
    const cut = buildSchedule(trace(STAMPS), { autoOffset: false, startOffsetMs: 1100, endOffsetMs: 2000 });
    expect(cut.zeroMs).toBe(1100);
    expect(cut.entries.map((e) => e.conversation)).toEqual([3, 2, 4]);
    expect(cut.entries.map((e) => e.offsetNs / MS)).toEqual([0, 150, 900]);
    expect(cut.turns).toBe(3);
  });

  test("a conversation without a timestamp is an error that names it", () => {
    expect(() => buildSchedule(trace([5, null]), { autoOffset: false })).toThrow("conversation 1 has no timestamp");
  });
});
