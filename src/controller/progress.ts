/**
 * `--ui simple`: one progress bar per stage (warmup, profiling, record processing) redrawn in place
 * on a TTY. `--ui none` draws nothing; the final tables are printed either way. "lines" (no --ui on
 * a stream that is not a terminal: CI, a log file) writes one plain status line every few seconds,
 * so a long run shows it is alive without escape codes; `simple` falls back to it there too, and
 * with NO_COLOR (cursor movement is an escape code as well). `--ui dashboard` is controller/dashboard/.
 */
import type { ServiceEvents } from "../protocol/contracts/index.ts";

/** What the display hears: the services' events as they arrive, and the run's own stages. */
type UiEvents = ServiceEvents & { stage: string; stopping: string; collectors: { serverMetrics: boolean; gpu: boolean } };
/** One event as the display's `event` takes it: its name, then that event's payload. */
type UiEventArgs = { [E in keyof UiEvents]: [name: E, payload: UiEvents[E]] }[keyof UiEvents];

export type ProgressUi = {
  update(stage: string, done: number, total: number | undefined): void;
  /** The run's events as they arrive (phase_start, progress, records_live…), for the dashboard. */
  event?(...args: UiEventArgs): void;
  /** Closes the display; may be called again (the error paths call it too). */
  finish(): void;
};

const WIDTH = 30;
/** How often "lines" prints a status line. */
const STATUS_LINE_MS = 5_000;

export function createProgressUi(kind: "none" | "simple" | "lines", out: NodeJS.WriteStream = process.stderr, everyMs = STATUS_LINE_MS): ProgressUi {
  const ui = progressUi(kind, out, everyMs);
  // Finished once: a second finish (the command's error path) must not redraw over the tables.
  let finished = false;
  return {
    update: (stage, done, total) => (finished ? undefined : ui.update(stage, done, total)),
    finish() {
      if (!finished) ui.finish();
      finished = true;
    },
  };
}

function progressUi(kind: "none" | "simple" | "lines", out: NodeJS.WriteStream, everyMs: number): ProgressUi {
  if (kind === "none") return { update() {}, finish() {} };
  const plain = out.isTTY !== true || (process.env.NO_COLOR ?? "") !== "";
  if (kind === "lines" || plain) return statusLines(out, everyMs);
  const stages = new Map<string, { done: number; total: number | undefined }>();
  let drawn = 0;
  let last = 0;
  const draw = (force: boolean): void => {
    const now = performance.now();
    if (!force && now - last < 100) return;
    last = now;
    if (drawn > 0) out.write(`\x1b[${drawn}A`);
    for (const [stage, { done, total }] of stages) {
      const ratio = total ? Math.min(1, done / total) : 0;
      const bar = total ? `${"█".repeat(Math.round(ratio * WIDTH)).padEnd(WIDTH, "░")} ${(ratio * 100).toFixed(0).padStart(3)}%` : "".padEnd(WIDTH + 5);
      out.write(`\x1b[2K${stage.padEnd(22)} ${bar} ${done}${total ? `/${total}` : ""}\n`);
    }
    drawn = stages.size;
  };
  return {
    update(stage, done, total) {
      stages.set(stage, { done, total });
      draw(false);
    },
    finish() {
      if (stages.size > 0) draw(true);
    },
  };
}

/** "aiperf: Requests (Profiling) 120/500 (24%) | Records (Processing) 100/500 (20%) | 12 s": at a new stage and every `everyMs`. */
function statusLines(out: NodeJS.WriteStream, everyMs: number): ProgressUi {
  const stages = new Map<string, { done: number; total: number | undefined }>();
  const t0 = performance.now();
  let last = Number.NEGATIVE_INFINITY;
  let lastText = "";
  const status = (): string =>
    [...stages]
      .map(([stage, { done, total }]) => `${stage} ${done}${total ? `/${total} (${Math.min(100, Math.floor((done / total) * 100))}%)` : ""}`)
      .join(" | ");
  const print = (): void => {
    last = performance.now();
    lastText = status();
    out.write(`aiperf: ${lastText} | ${Math.round((last - t0) / 1000)} s\n`);
  };
  return {
    update(stage, done, total) {
      const fresh = !stages.has(stage);
      stages.set(stage, { done, total });
      if (fresh || performance.now() - last >= everyMs) print();
    },
    finish() {
      // The final state, unless the last line already showed it.
      if (stages.size > 0 && status() !== lastText) print();
    },
  };
}
