/**
 * The schedule of a fixed-schedule run (aiperf-features §4.3), from the dataset's timestamps: each
 * conversation's first turn at (timestamp − zero). Zero is the first timestamp kept (auto offset),
 * else the start offset, else 0; conversations starting before the start offset or after the end
 * offset are left out. drivers/fixed-schedule.ts replays it.
 */
import type { DatasetReader } from "../../protocol/dataset-file.ts";

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
