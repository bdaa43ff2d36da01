/**
 * Fixed schedule (aiperf-features §4.3): replay the dataset's timestamps. Each conversation's first
 * turn goes at anchor + (timestamp − zero); its later turns follow their replies, at their own
 * timestamps when they carry one (sessions.ts). Zero is the first timestamp kept (auto offset),
 * else the start offset, else 0; conversations starting before the start offset or after the end
 * offset are left out. The concurrency ceiling still applies: a turn held back by it goes late,
 * its intended time stays the schedule's.
 */
import type { DatasetReader } from "../../protocol/dataset-file.ts";
import type { TimingClock } from "./clock.ts";
import type { Gate } from "./gate.ts";

/** What the schedule needs of the dataset file. */
export type TraceData = Pick<DatasetReader, "conversations" | "turnCount" | "timestampMs">;

type FixedScheduleOptions = { autoOffset: boolean; startOffsetMs?: number | undefined; endOffsetMs?: number | undefined };

export type Schedule = {
  /** First turns in send order: offset from the anchor (ns) and conversation. */
  entries: { offsetNs: number; conversation: number }[];
  /** Schedule zero on the trace clock (ms). */
  zeroMs: number;
  /** Turns of every conversation kept: the phase's request count. */
  turns: number;
};

export function buildSchedule(data: TraceData, o: FixedScheduleOptions): Schedule {
  const kept: { ts: number; conversation: number }[] = [];
  let turns = 0;
  for (let c = 0; c < data.conversations; c++) {
    const ts = data.timestampMs(c, 0);
    if (ts === null) throw new Error(`Fixed schedule: conversation ${c} has no timestamp (every first turn needs one)`);
    if (o.startOffsetMs !== undefined && ts < o.startOffsetMs) continue;
    if (o.endOffsetMs !== undefined && ts > o.endOffsetMs) continue;
    kept.push({ ts, conversation: c });
    turns += data.turnCount(c);
  }
  // Stable: conversations with equal timestamps keep file order.
  kept.sort((a, b) => a.ts - b.ts);
  const zeroMs = o.autoOffset ? (kept[0]?.ts ?? 0) : (o.startOffsetMs ?? 0);
  return { entries: kept.map((k) => ({ offsetNs: Math.round((k.ts - zeroMs) * 1e6), conversation: k.conversation })), zeroMs, turns };
}

type FixedLoopOptions = {
  clock: TimingClock;
  stop: AbortSignal;
  gate: Gate;
  anchorNs: number;
  schedule: Schedule;
  mayIssue(intendedNs: number): boolean;
  /** `readyNs`: when the slot a held-back first turn waited for freed. */
  issue(intendedNs: number, conversation: number, readyNs?: number): void;
};

/** Sends each first turn at its schedule time (or as soon as the ceiling allows). */
export async function fixedScheduleLoop(o: FixedLoopOptions): Promise<void> {
  for (const entry of o.schedule.entries) {
    const intendedNs = o.anchorNs + entry.offsetNs;
    let readyNs = intendedNs;
    for (;;) {
      if (o.stop.aborted || !o.mayIssue(intendedNs)) return;
      if (intendedNs > o.clock.nowNs()) {
        await o.clock.sleepUntil(intendedNs, { signal: o.stop });
        continue;
      }
      if (o.gate.isOpen()) break;
      await o.gate.whenOpen(o.stop);
      readyNs = Math.max(intendedNs, o.clock.nowNs());
    }
    o.issue(intendedNs, entry.conversation, readyNs);
  }
}
