/**
 * The one error type user-facing code throws: a stable code, an exit code and an optional hint.
 * Exit codes (the README's table):
 *   0 success · 1 the run failed (every request failed, a threshold or --fail-on-* tripped)
 *   2 bad usage or input, nothing started · 3 a service did not register in time
 *   4 a service died or froze: results written from what arrived, marked incomplete
 *   5 results incomplete: records were lost between send and export (the run says how many)
 *   130 interrupted by SIGINT · 143 interrupted by SIGTERM (partial results written on the first)
 */
export const EXIT_CODES = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  SERVICE_START_TIMEOUT: 3,
  SERVICE_DIED: 4,
  RESULTS_INCOMPLETE: 5,
  INTERRUPTED: 130,
  TERMINATED: 143,
} as const;

type BenchErrorCode =
  | "CONFIG_INVALID"
  | "SERVICE_START_TIMEOUT"
  | "SERVICE_DIED"
  | "SERVICE_FAILED"
  | "COMMAND_FAILED"
  | "RESULTS_INCOMPLETE"
  | "INTERRUPTED"
  | "TERMINATED";

const EXIT_BY_CODE: Record<BenchErrorCode, number> = {
  CONFIG_INVALID: EXIT_CODES.USAGE,
  SERVICE_START_TIMEOUT: EXIT_CODES.SERVICE_START_TIMEOUT,
  SERVICE_DIED: EXIT_CODES.SERVICE_DIED,
  SERVICE_FAILED: EXIT_CODES.FAILED,
  COMMAND_FAILED: EXIT_CODES.FAILED,
  RESULTS_INCOMPLETE: EXIT_CODES.RESULTS_INCOMPLETE,
  INTERRUPTED: EXIT_CODES.INTERRUPTED,
  TERMINATED: EXIT_CODES.TERMINATED,
};

export class BenchError extends Error {
  readonly code: BenchErrorCode;
  readonly hint: string | undefined;

  constructor(code: BenchErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "BenchError";
    this.code = code;
    this.hint = options.hint;
  }

  get exitCode(): number {
    return EXIT_BY_CODE[this.code];
  }
}
