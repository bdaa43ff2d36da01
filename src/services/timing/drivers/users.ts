/**
 * User-centric rate (aiperf-features §4.8, upstream user_centric_rate.py): `users` simulated users,
 * each running one session. A user's turns are turn_gap = users/rate apart (measured from when the
 * previous turn was sent) and never overlap: a turn waits for the previous reply, and a reply later
 * than the gap sends the next turn at once and restarts the user's baseline from then, so a slow
 * server never gets a catch-up burst.
 *
 * Virtual history: at t=0 the users are already at different ages of their sessions, so the mix
 * of new and old sessions is steady-state from the start. With L = max(1, mean turns − 1) (the
 * session lifetime in gaps), user i of n has aged ⌊(n−i)·L/n⌋ gaps and has L minus that many turns
 * left, starting from its conversation's first turn; user 0 is "virtually done" and is replaced by
 * a fresh user (all its turns) that fires first. The others fire at order·(1/rate), their order
 * spreading similar ages apart ((n−i)·L mod n, or i·step mod n with a step coprime with n when n
 * and L share a factor). Each user, when it starts, books its replacement at start + turns·gap on
 * an absolute schedule (a fresh user with a whole session), whether or not it has finished by then.
 */
import { releaseAt, type TimingClock } from "../clock.ts";
import type { Gate } from "../gate.ts";
import type { Session } from "../sessions.ts";
import type { DriverContext, TimingDriver } from "./driver.ts";

export const userCentricDriver: TimingDriver = {
  async run(ctx: DriverContext) {
    const users = ctx.load.userCentric;
    if (users === undefined) throw new Error("A user-centric phase needs its users and rate");
    await userCentricLoop({
      clock: ctx.clock,
      stop: ctx.stop,
      gate: ctx.gate,
      users: users.users,
      ratePerSec: users.rate,
      meanTurns: ctx.meanTurns(),
      mayIssue: (intendedNs, continuing) => ctx.tracker.mayIssue(intendedNs, continuing),
      issue: (intendedNs, session, maxTurns, readyNs) => ctx.issue(intendedNs, { session, owned: true, maxTurns, readyNs }) as Session,
    });
  },
};

type UserLoopOptions = {
  clock: TimingClock;
  stop: AbortSignal;
  gate: Gate;
  users: number;
  ratePerSec: number;
  /** The dataset's mean turns per conversation (sets the virtual ages). */
  meanTurns: number;
  /** `continuing`: the credit is a later turn of a session already started. */
  mayIssue(intendedNs: number, continuing: boolean): boolean;
  /** Sends the next turn of `session`, or the first turn of a new session of at most `maxTurns` turns. */
  /** `readyNs`: when the slot this turn waited for freed. */
  issue(intendedNs: number, session: Session | null, maxTurns: number, readyNs?: number): Session;
};

/** One user at t=0: when it fires (in 1/rate steps) and the turns it has left (Infinity: a whole session). */
type VirtualUser = { order: number; maxTurns: number };

/** The smallest step above 1 coprime with n (1 when there is none). */
function coprimeStep(n: number): number {
  for (let step = 2; step < n; step++) if (gcd(n, step) === 1) return step;
  return 1;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The users at t=0 (see the file comment); always `users` of them, the fresh one first. */
export function virtualUsers(users: number, meanTurns: number): VirtualUser[] {
  const lifetime = Math.max(1, Math.round(meanTurns) - 1);
  const step = gcd(users, lifetime) > 1 ? coprimeStep(users) : 0;
  const out: VirtualUser[] = [{ order: 0, maxTurns: Number.POSITIVE_INFINITY }];
  for (let i = 0; i < users; i++) {
    const virtualAge = (users - i) * lifetime;
    const turnsLeft = lifetime - Math.floor(virtualAge / users);
    if (turnsLeft <= 0) continue;
    const slot = step > 0 ? (i * step) % users : virtualAge % users;
    out.push({ order: users - slot, maxTurns: turnsLeft });
  }
  return out;
}

/** Runs the users, and the users that replace them, until the phase stops issuing. */
async function userCentricLoop(o: UserLoopOptions): Promise<void> {
  const startNs = o.clock.nowNs();
  const gapNs = (o.users / o.ratePerSec) * 1e9;
  const staggerNs = 1e9 / o.ratePerSec;
  // Aborted when the phase stops, or when it may send nothing more (count reached): no user sleeps on.
  const quit = new AbortController();
  if (o.stop.aborted) quit.abort();
  else o.stop.addEventListener("abort", () => quit.abort(), { once: true, signal: quit.signal });
  const quitted = new Promise<void>((resolve) => (quit.signal.aborted ? resolve() : quit.signal.addEventListener("abort", () => resolve(), { once: true })));
  // Users alive or waiting for their slot; the loop ends when none is left (or one fails to send).
  let live = 0;
  let settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  const spawn = (firstNs: number, maxTurns: number): void => {
    live++;
    user(firstNs, maxTurns).then(
      () => void (--live === 0 && settle?.resolve()),
      (error: unknown) => {
        quit.abort();
        settle?.reject(error);
      },
    );
  };

  const user = async (firstNs: number, maxTurns: number): Promise<void> => {
    let dueNs = firstNs;
    let session: Session | null = null;
    let readyNs = 0;
    for (;;) {
      if (quit.signal.aborted || !o.mayIssue(dueNs, session !== null)) return;
      if (releaseAt(o.clock, dueNs) > o.clock.nowNs()) {
        await o.clock.sleepUntil(releaseAt(o.clock, dueNs), { signal: quit.signal });
        continue;
      }
      if (!o.gate.isOpen()) {
        await o.gate.whenOpen(quit.signal);
        readyNs = o.clock.nowNs();
        continue;
      }
      const sentNs = o.clock.nowNs();
      const current = o.issue(dueNs, session, maxTurns, Math.max(dueNs, readyNs));
      readyNs = 0;
      // The replacement's slot: this user's start plus its whole session, on an absolute schedule.
      if (session === null) spawn(firstNs + Math.round(current.turns * gapNs), Number.POSITIVE_INFINITY);
      if (!o.mayIssue(o.clock.nowNs(), true) && !o.mayIssue(o.clock.nowNs(), false)) quit.abort();
      const replied = new Promise<void>((resolve) => (current.onReturn = resolve));
      await Promise.race([replied, quitted]);
      if (quit.signal.aborted || current.next >= current.turns) return;
      // The baseline is this turn's send; a late reply sends at once and becomes the new baseline.
      dueNs = Math.max(sentNs + Math.round(gapNs), o.clock.nowNs());
      session = current;
    }
  };

  // A user books its replacement before it finishes, so `live` reaches 0 only at the end.
  for (const u of virtualUsers(o.users, o.meanTurns)) spawn(startNs + Math.round(u.order * staggerNs), u.maxTurns);
  try {
    await done;
  } finally {
    quit.abort();
  }
}
