/**
 * Fixed schedule / trace replay (aiperf-features §4.3): each conversation's first turn goes at the
 * phase start + its offset on the schedule (fixed-schedule.ts); its later turns follow their
 * replies, at their own timestamps when they carry one (sessions.ts). The concurrency ceiling
 * still applies: a turn held back by it goes late, its intended time stays the schedule's.
 */
import { releaseAt, type TimingClock } from "../clock.ts";
import type { Schedule } from "../fixed-schedule.ts";
import type { Gate } from "../gate.ts";
import type { DriverContext, TimingDriver } from "./driver.ts";

export const fixedScheduleDriver: TimingDriver = {
  async run(ctx: DriverContext) {
    const { schedule } = ctx.load;
    const trace = ctx.trace;
    if (schedule === undefined || trace === undefined) throw new Error("A fixed-schedule phase needs its schedule and the dataset's timestamps");
    const anchorNs = ctx.tracker.startNs;
    ctx.scheduleLaterTurns((conversation, turn) => {
      const ts = trace.timestampMs(conversation, turn);
      return ts === null ? null : anchorNs + Math.round((ts - schedule.zeroMs) * 1e6);
    });
    await fixedScheduleLoop({
      clock: ctx.clock,
      stop: ctx.stop,
      gate: ctx.gate,
      anchorNs,
      schedule,
      mayIssue: (intendedNs) => ctx.tracker.mayIssue(intendedNs),
      issue: (intendedNs, conversation, readyNs) => void ctx.issue(intendedNs, { conversation, readyNs }),
    });
    // After the last scheduled first turn, later turns still follow replies.
    await ctx.untilSessionsEnd();
  },
};

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
async function fixedScheduleLoop(o: FixedLoopOptions): Promise<void> {
  for (const entry of o.schedule.entries) {
    const intendedNs = o.anchorNs + entry.offsetNs;
    let readyNs = intendedNs;
    for (;;) {
      if (o.stop.aborted || !o.mayIssue(intendedNs)) return;
      if (releaseAt(o.clock, intendedNs) > o.clock.nowNs()) {
        await o.clock.sleepUntil(releaseAt(o.clock, intendedNs), { signal: o.stop });
        continue;
      }
      if (o.gate.isOpen()) break;
      await o.gate.whenOpen(o.stop);
      readyNs = Math.max(intendedNs, o.clock.nowNs());
    }
    o.issue(intendedNs, entry.conversation, readyNs);
  }
}
