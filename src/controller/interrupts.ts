/**
 * The controller's count of SIGINT/SIGTERM. The first stops the run (results still written), a
 * second one later forces the exit. A repeat within DUPLICATE_SIGNAL_MS is the same interrupt
 * delivered twice, not a user asking again: coreutils `timeout` signals its child and then the
 * whole process group, so the controller gets one SIGTERM twice within microseconds, and Bun gives
 * no siginfo (sender pid) to tell them apart. A person pressing Ctrl-C twice takes longer.
 */
export const DUPLICATE_SIGNAL_MS = 500;

export type InterruptSignal = "SIGINT" | "SIGTERM";

const EXIT_BY_SIGNAL: Record<InterruptSignal, number> = { SIGINT: 130, SIGTERM: 143 };

type InterruptKind = "first" | "duplicate" | "force";

export class Interrupts {
  #first: { signal: InterruptSignal; atMs: number } | undefined;

  /** What this signal means given the ones before it. */
  receive(signal: InterruptSignal, nowMs: number): InterruptKind {
    if (this.#first === undefined) {
      this.#first = { signal, atMs: nowMs };
      return "first";
    }
    return nowMs - this.#first.atMs < DUPLICATE_SIGNAL_MS ? "duplicate" : "force";
  }

  /** 130 after SIGINT, 143 after SIGTERM (the first signal decides); undefined when none came. */
  get exitCode(): number | undefined {
    return this.#first === undefined ? undefined : EXIT_BY_SIGNAL[this.#first.signal];
  }
}
