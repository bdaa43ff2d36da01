/**
 * SIGINT/SIGTERM that arrive while the program is still loading, before a command has installed
 * its own handlers. Without this a Ctrl-C in the first few hundred milliseconds kills `profile`
 * outright (no results file, no word) and kills a service child that the controller still counts
 * on. Held signals are remembered, not acted on; the command takes them over and replays them.
 */
export type HeldSignal = "SIGINT" | "SIGTERM";

const held: HeldSignal[] = [];
const remember = (signal: HeldSignal): void => void held.push(signal);

/** Catches both signals from now on (only for commands that will take them over). */
export function holdSignals(): void {
  process.on("SIGINT", remember);
  process.on("SIGTERM", remember);
}

/** Stops holding; returns what arrived meanwhile. Call it after installing the command's own handlers. */
export function takeHeldSignals(): HeldSignal[] {
  process.off("SIGINT", remember);
  process.off("SIGTERM", remember);
  return held.splice(0);
}
