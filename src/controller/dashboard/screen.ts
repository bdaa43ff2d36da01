/**
 * The dashboard's terminal: the alternate screen (the shell's screen comes back untouched when it
 * closes), cursor hidden, each frame written in one write as cursor-home + overwrite of every row
 * (no clear, so no flicker), wrapped in synchronized-output mode (DEC 2026: a terminal that knows
 * it shows the frame at once; one that does not ignores the unknown mode, as DEC private modes are).
 *
 * While it is open, whatever else the process writes to stderr (log lines, a child's warning) is
 * held and shown in the dashboard's log panel instead of tearing through the frame, and written
 * out, unchanged, once the screen closes. The terminal is restored on close, and also from the
 * process's "exit" event (a forced quit, an uncaught error), synchronously, so no exit path leaves
 * a hidden cursor or the alternate screen behind. (SIGKILL cannot be caught: `reset` fixes that.)
 */
import { writeSync } from "node:fs";
import type { Line } from "./view.ts";

const ENTER = "\x1b[?1049h\x1b[?25l\x1b[2J";
const RESTORE = "\x1b[?2026l\x1b[0m\x1b[?25h\x1b[?1049l";
const SYNC_BEGIN = "\x1b[?2026h";
const SYNC_END = "\x1b[?2026l";
/** Log lines kept for the panel. */
const LOG_KEEP = 200;

const STYLE: Record<NonNullable<Line["style"]>, string> = { title: "\x1b[7m", label: "\x1b[1m", dim: "\x1b[2m", warn: "\x1b[1;33m" };

type Screen = {
  size(): { cols: number; rows: number };
  draw(lines: Line[]): void;
  /** Plain text of what was written to stderr while open, one entry a line (escape codes removed). */
  log(): readonly string[];
  close(): void;
};

export function openScreen(out: NodeJS.WriteStream = process.stderr): Screen {
  const fd = (out as { fd?: number }).fd ?? 2;
  const write = out.write.bind(out);
  // Put back exactly as it was: an own property, or the prototype's method.
  const ownWrite = Object.getOwnPropertyDescriptor(out, "write");
  const held: (string | Uint8Array)[] = [];
  const logLines: string[] = [];
  let partial = "";
  let open = true;
  let last = "";
  let resized = false;

  // Everything else written to this stream while the screen is up: held, and its text shown.
  out.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    held.push(chunk);
    const text = partial + (typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk));
    const parts = text.split(/\r?\n/);
    partial = parts.pop() ?? "";
    for (const p of parts) {
      const plain = plainText(p);
      if (plain.trim() !== "") logLines.push(plain);
    }
    if (logLines.length > LOG_KEEP) logLines.splice(0, logLines.length - LOG_KEEP);
    const done = rest.find((r) => typeof r === "function") as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof out.write;

  const onResize = (): void => void (resized = true);
  out.on("resize", onResize);
  const restoreOnExit = (): void => {
    if (!open) return;
    open = false;
    try {
      writeSync(fd, RESTORE);
    } catch {}
  };
  process.on("exit", restoreOnExit);
  write(ENTER);

  return {
    size: () => ({ cols: Math.max(20, out.columns || 80), rows: Math.max(5, out.rows || 24) }),
    draw(lines) {
      if (!open) return;
      const cols = Math.max(20, out.columns || 80);
      let frame = "";
      lines.forEach((l, i) => {
        const text = l.style === "title" ? l.text.padEnd(cols) : l.text;
        frame += `\x1b[${i + 1};1H${l.style === undefined ? text : `${STYLE[l.style]}${text}\x1b[0m`}\x1b[K`;
      });
      // Below the last line: cleared (a shrunk frame, or a resize that left old text there).
      // (Not when the frame fills the screen: the cursor would stay on the last row and clear it.)
      if (lines.length < (out.rows || 24)) frame += `\x1b[${lines.length + 1};1H\x1b[J`;
      if (frame === last && !resized) return;
      last = frame;
      write(`${SYNC_BEGIN}${resized ? "\x1b[2J" : ""}${frame}${SYNC_END}`);
      resized = false;
    },
    log: () => logLines,
    close() {
      if (!open) return;
      open = false;
      process.off("exit", restoreOnExit);
      out.off("resize", onResize);
      if (ownWrite === undefined) delete (out as { write?: unknown }).write;
      else Object.defineProperty(out, "write", ownWrite);
      write(RESTORE);
      // What was logged during the run, as it would have appeared without the dashboard.
      for (const chunk of held) write(chunk);
      if (partial !== "") write("\n");
    },
  };
}

/** Escape sequences and other control characters removed: the panel shows text only. */
function plainText(s: string): string {
  // biome-ignore lint: control characters are the point here.
  return s
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, "")
    .replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, "")
    .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "");
}
