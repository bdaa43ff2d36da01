/**
 * A service child's logger: each entry one JSON line on stderr, re-rendered by the controller
 * (core/log.ts forwardChildLine). Kept apart from the controller's logger on purpose: consola's
 * node entry and `process.stderr` build Node's stream and tty machinery when first touched, ~10 ms
 * of CPU in every child at start-up for nothing (console.error writes fd 2 directly).
 */
import type { formatWithOptions as Format } from "node:util";
import { type ConsolaInstance, type ConsolaReporter, createConsola, type LogObject, type LogType } from "consola/core";

export const LOG_LEVEL_NAMES = ["error", "warn", "info", "debug", "trace"] as const;
export type LogLevelName = (typeof LOG_LEVEL_NAMES)[number];
export const LEVELS: Record<LogLevelName, number> = { error: 0, warn: 1, info: 3, debug: 4, trace: 5 };

/** One forwarded entry: level, consola type, tag, message, epoch ms. */
export type WireLine = { l: number; y: LogType; g: string; m: string; d: number };

let format: typeof Format | undefined;

/** The entry's text as console.log would print it; plain strings are joined without loading node:util (~5 ms in a child). */
export function message(o: LogObject): string {
  const args = o.args as unknown[];
  if (args.every((a) => typeof a === "string") && !(args[0] as string | undefined)?.includes("%")) return args.join(" ");
  format ??= (require("node:util") as typeof import("node:util")).formatWithOptions;
  return format({ colors: false, breakLength: Number.POSITIVE_INFINITY }, ...args);
}

/** A child's logger: JSON lines on stderr, nothing else (`write`: elsewhere, e.g. a service thread's message to the controller). */
export function createChildLogger(level: LogLevelName, tag: string, write: (line: string) => void = (line) => console.error(line)): ConsolaInstance {
  const reporter: ConsolaReporter = {
    log(o) {
      const line: WireLine = { l: o.level, y: o.type, g: o.tag, m: message(o), d: o.date.getTime() };
      write(JSON.stringify(line));
    },
  };
  return createConsola({ level: LEVELS[level], reporters: [reporter], throttle: 0 }).withTag(tag);
}
