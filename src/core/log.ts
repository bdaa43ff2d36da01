/**
 * Logging through consola. A child writes each entry as one JSON line on stderr; the controller
 * re-renders those lines under the child's tag on its console and appends them to the log file.
 * Everything the controller prints or appends goes through displayText (safe-text.ts): control
 * characters from servers or bus peers are shown escaped, URL credentials redacted.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { type ConsolaInstance, type ConsolaReporter, createConsola } from "consola";
import { LEVELS, type LogLevelName, message, type WireLine } from "./child-log.ts";
import { displayText, escapeControls } from "./safe-text.ts";

// Level names live with the child logger (a child must not load this file); callers keep importing them here.
export { LOG_LEVEL_NAMES, type LogLevelName } from "./child-log.ts";

/** The consola types a child may send; anything else is shown as a plain "log". */
const LOG_TYPES: Record<string, true> = {
  silent: true,
  fatal: true,
  error: true,
  warn: true,
  log: true,
  info: true,
  success: true,
  fail: true,
  ready: true,
  start: true,
  box: true,
  debug: true,
  trace: true,
  verbose: true,
};

/** A reporter that gets the entry as one safe string (and a safe tag) instead of its raw arguments. */
function sanitizing(reporter: ConsolaReporter): ConsolaReporter {
  return {
    log(o, ctx) {
      reporter.log({ ...o, tag: escapeControls(o.tag, false), args: [displayText(message(o))] }, ctx);
    },
  };
}

/**
 * The controller's logger: consola's console output, plus every line appended to `logFile`.
 * Every level goes to stderr (consola sends info and debug to stdout, which would land inside the
 * result tables of `aiperf profile > results.txt`); the fancy, coloured reporter only when stderr
 * is a terminal (consola decides colour from stdout, so `2> file` would get escape codes).
 * `console: false`: the file only.
 */
export function createControllerLogger(level: LogLevelName, logFile?: string, options: { console?: boolean } = {}): ConsolaInstance {
  // `fancy` is an option of consola's node entry (what Bun loads); tsc sees the browser typings.
  const fancy = { fancy: process.stderr.isTTY === true } as object;
  const log = createConsola({ level: LEVELS[level], throttle: 0, stdout: process.stderr, stderr: process.stderr, ...fancy });
  // The programmatic API logs to the file only: a test suite's output is not ours to fill.
  const reporters: ConsolaReporter[] = options.console === false ? [] : [...log.options.reporters];
  if (logFile !== undefined) {
    mkdirSync(dirname(logFile), { recursive: true });
    // The file exists from the start, even if nothing is logged (its path is printed at the end).
    appendFileSync(logFile, "");
    reporters.push({
      log(o) {
        appendFileSync(logFile, `${o.date.toISOString()} ${o.type.toUpperCase().padEnd(7)} [${o.tag || "controller"}] ${message(o)}\n`);
      },
    });
  }
  return log.setReporters(reporters.map(sanitizing));
}

/**
 * Appends one line to `logFile` only, whatever the level: facts of a run the file must always hold
 * (resolved config, exit reason) that would be noise, or a repeat, on the console.
 */
export function appendLogLine(logFile: string, tag: string, text: string): void {
  try {
    mkdirSync(dirname(logFile), { recursive: true });
    appendFileSync(logFile, `${new Date().toISOString()} ${"INFO".padEnd(7)} [${tag}] ${displayText(text)}\n`);
  } catch {
    // A log line never fails the run (a full disk shows up in the exports' own writes).
  }
}

/** Re-emits one stderr line of a child: structured lines keep their level and tag, others are warnings. */
export function forwardChildLine(log: ConsolaInstance, line: string, fallbackTag: string): void {
  if (line.trim() === "") return;
  let entry: WireLine | undefined;
  if (line.startsWith("{")) {
    try {
      entry = JSON.parse(line) as WireLine;
    } catch {
      entry = undefined;
    }
  }
  if (entry === undefined || typeof entry.m !== "string") {
    log.warn({ tag: fallbackTag, args: [line] });
    return;
  }
  // A line that only looks like ours (no epoch ms, an unknown type) must not break the log file's date.
  const date = typeof entry.d === "number" && Number.isFinite(entry.d) ? new Date(entry.d) : new Date();
  const type = typeof entry.y === "string" && Object.hasOwn(LOG_TYPES, entry.y) ? entry.y : "log";
  log[type]({ tag: typeof entry.g === "string" ? entry.g : fallbackTag, args: [entry.m], date });
}
