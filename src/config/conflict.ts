/**
 * The two configuration errors, exit 2 before anything starts: one flag's value breaks its rule
 * ("Invalid value … for --flag: rule"), or flags break a rule together ("Invalid options: …").
 */
import { BenchError } from "../core/errors.ts";

export function invalidValue(flag: string, value: unknown, rule: string): BenchError {
  return new BenchError("CONFIG_INVALID", `Invalid value ${JSON.stringify(value)} for ${flag}: ${rule}`);
}

export function optionConflict(message: string, hint?: string): BenchError {
  return new BenchError("CONFIG_INVALID", `Invalid options: ${message}`, hint === undefined ? {} : { hint });
}
