/**
 * The send loop of one phase. With a rate, credits follow an absolute schedule (anchor + offset)
 * rather than "sleep one interval after each send", so time spent sending or waking late is not
 * added to every interval. Being a little behind is caught up by sending at once; being further
 * behind than `maxCatchupNs` (a stalled loop, a full concurrency ceiling) moves the anchor to now,
 * because bursting all the missed credits would hit the server with a load the user never asked for.
 */
import type { Arrivals } from "./arrivals.ts";
import { releaseAt, type TimingClock } from "./clock.ts";
import type { Gate } from "./gate.ts";

type SendLoopOptions = {
  clock: TimingClock;
  /** Aborted when issuing must stop: the run was cancelled or the phase's duration ran out. */
  stop: AbortSignal;
  /** The schedule; null for a closed loop (concurrency_burst: send whenever the gate has room). */
  arrivals: Arrivals | null;
  gate: Gate;
  maxCatchupNs: number;
  /** False once the phase may send no more: count reached, or `intendedNs` past its duration. */
  mayIssue(intendedNs: number): boolean;
  /** Sends one credit meant for `intendedNs`; takes a gate slot. `readyNs`: when the slot it waited for freed. */
  issue(intendedNs: number, readyNs?: number): void;
};

/** Issues credits until the phase says stop or `stop` aborts. */
export async function sendLoop(o: SendLoopOptions): Promise<void> {
  const startNs = o.clock.nowNs();
  let anchorNs = startNs;
  o.arrivals?.restart(0);
  let offsetNs = o.arrivals?.next() ?? 0;
  // When the gate last let this credit go after holding it: waiting for a slot is not lag.
  let openedNs = 0;
  while (!o.stop.aborted) {
    if (!o.gate.isOpen()) {
      await o.gate.whenOpen(o.stop);
      openedNs = o.clock.nowNs();
      continue;
    }
    const nowNs = o.clock.nowNs();
    let intendedNs = nowNs;
    if (o.arrivals !== null) {
      intendedNs = anchorNs + offsetNs;
      if (nowNs - intendedNs > o.maxCatchupNs) {
        anchorNs = nowNs;
        o.arrivals.restart(nowNs - startNs);
        offsetNs = o.arrivals.next();
        intendedNs = nowNs + offsetNs;
      }
    }
    if (!o.mayIssue(intendedNs)) return;
    const releaseNs = releaseAt(o.clock, intendedNs);
    if (releaseNs > nowNs) {
      await o.clock.sleepUntil(releaseNs, { signal: o.stop });
      if (o.stop.aborted) return;
      // A session's later turn may have taken the slot or the last count while we slept.
      if (!o.gate.isOpen()) continue;
      if (!o.mayIssue(intendedNs)) return;
    }
    o.issue(intendedNs, Math.max(intendedNs, openedNs));
    openedNs = 0;
    if (o.arrivals !== null) offsetNs = o.arrivals.next();
  }
}
