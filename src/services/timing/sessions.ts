/**
 * Multi-turn sessions on the timing side (aiperf-features §4.7, newer upstream): one credit is
 * one turn. A session's first turn goes out per the load strategy; each later turn waits for the
 * previous turn's credit to come back plus that turn's delay, and goes to the same worker, which
 * holds the conversation history. The Session object is the sticky route: it lives while a
 * credit or a pending turn refers to it and is dropped after the last turn.
 */
import type { DatasetReader } from "../../protocol/dataset-file.ts";
import { releaseAt, type TimingClock } from "./clock.ts";
import type { Gate } from "./gate.ts";
import type { PhaseTracker } from "./phase.ts";

/** What timing needs of the dataset: how many turns each conversation has and their delays. */
export type SessionData = Pick<DatasetReader, "turnCount" | "delayMs">;

export type Session = {
  conversation: number;
  /** X-Correlation-ID of every turn of the session. */
  correlationId: string;
  turns: number;
  /** The turn the next credit carries. */
  next: number;
  /** The worker holding the history; set by the first turn's send. */
  worker: string | undefined;
  /** Set by a driver that paces the session itself (user-centric): called instead of scheduling a follow-up. */
  onReturn?: () => void;
};

/** `held`: it was ready but found no slot, so it goes when one frees (drain runs right then). */
type Due = { session: Session; tracker: PhaseTracker; dueNs: number; intendedNs: number; stop: AbortSignal; held: boolean };

/** `readyNs`: when the slot a held turn waited for freed (its send lag counts from there). */
type IssueTurn = (tracker: PhaseTracker, intendedNs: number, session: Session, readyNs?: number) => void;

/** Later turns waiting for their delay, then for room under the concurrency ceiling. */
export class FollowUps {
  readonly #clock: TimingClock;
  readonly #data: SessionData;
  readonly #gate: Gate;
  readonly #issue: IssueTurn;
  readonly #onError: (error: unknown) => void;
  #ready: Due[] = [];
  /** Fixed schedule: a later turn's time on the schedule (ns), or null to follow the reply plus its delay. */
  scheduleOf: ((conversation: number, turn: number) => number | null) | undefined;

  /** `onError` gets a failed send (no worker left): it runs from a return or a timer, never the send loop. */
  constructor(clock: TimingClock, data: SessionData, gate: Gate, issue: IssueTurn, onError: (error: unknown) => void) {
    this.#clock = clock;
    this.#data = data;
    this.#gate = gate;
    this.#issue = issue;
    this.#onError = onError;
  }

  /** A session's turn came back: schedule its next turn, unless that was the last or sending stopped. */
  returned(session: Session, tracker: PhaseTracker, stop: AbortSignal): void {
    if (session.next >= session.turns || stop.aborted) return;
    const nowNs = this.#clock.nowNs();
    const scheduledNs = this.scheduleOf?.(session.conversation, session.next) ?? null;
    // A scheduled turn keeps its schedule time as intended even when its previous reply came late.
    const intendedNs = scheduledNs ?? nowNs + Math.max(0, Math.round(this.#data.delayMs(session.conversation, session.next) * 1e6));
    const dueNs = Math.max(nowNs, intendedNs);
    const due: Due = { session, tracker, dueNs, intendedNs, stop, held: false };
    const releaseNs = releaseAt(this.#clock, dueNs);
    if (releaseNs <= nowNs) {
      this.#ready.push(due);
      return;
    }
    // The credit leaves a little ahead of dueNs; the worker waits the rest (worker/send-at.ts).
    void this.#clock.sleepUntil(releaseNs, { signal: stop }).then(() => {
      if (stop.aborted) return;
      this.#ready.push(due);
      this.drain();
    });
  }

  /**
   * Sends ready turns while the gate has room. Called synchronously right after a return frees a
   * slot, so a session in progress gets it before the send loop starts another session.
   */
  drain(): void {
    while (this.#ready.length > 0 && this.#gate.isOpen()) {
      const due = this.#ready.shift() as Due;
      if (due.stop.aborted || !due.tracker.mayIssue(due.intendedNs, true)) continue;
      try {
        this.#issue(due.tracker, due.intendedNs, due.session, due.held ? Math.max(due.intendedNs, this.#clock.nowNs()) : due.intendedNs);
      } catch (error) {
        this.#onError(error);
        return;
      }
    }
    // Still waiting: no slot. Whenever drain next runs, a slot has just freed.
    for (const due of this.#ready) due.held = true;
  }

  /** The phase ended: turns still waiting are not sent (their sessions end truncated). */
  clear(): void {
    this.#ready = [];
  }
}

/** Every conversation is one turn: what timing assumes when the plan names no dataset file. */
export const SINGLE_TURN: SessionData = { turnCount: () => 1, delayMs: () => 0 };
