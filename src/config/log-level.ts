/**
 * --log-level as upstream spells it: TRACE, DEBUG, INFO, NOTICE, WARNING, SUCCESS, ERROR, CRITICAL
 * in any case (plus our own `warn`). Our logger has five levels, so NOTICE and SUCCESS log as
 * info and CRITICAL as error: each shows at least what upstream's would.
 */
import type { LogLevelName } from "../core/log.ts";
import { invalidValue } from "./conflict.ts";

const UPSTREAM_LEVELS: Record<string, LogLevelName> = {
  trace: "trace",
  debug: "debug",
  info: "info",
  notice: "info",
  success: "info",
  warning: "warn",
  warn: "warn",
  error: "error",
  critical: "error",
};

const UPSTREAM_LOG_LEVEL_NAMES = ["TRACE", "DEBUG", "INFO", "NOTICE", "WARNING", "SUCCESS", "ERROR", "CRITICAL"] as const;

export function readLogLevel(flag: string, text: string): LogLevelName {
  const level = UPSTREAM_LEVELS[text.trim().toLowerCase()];
  if (level === undefined) throw invalidValue(flag, text, `expected one of ${UPSTREAM_LOG_LEVEL_NAMES.join(", ")} (any case)`);
  return level;
}
