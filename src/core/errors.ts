/** The one error type user-facing code throws: a stable code, an exit code and an optional hint. */
export const EXIT_CODES = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  SERVICE_START_TIMEOUT: 3,
  SERVICE_DIED: 4,
  INTERRUPTED: 130,
} as const;

export type BenchErrorCode = "CONFIG_INVALID" | "SERVICE_START_TIMEOUT" | "SERVICE_DIED" | "SERVICE_FAILED" | "COMMAND_FAILED" | "INTERRUPTED";

const EXIT_BY_CODE: Record<BenchErrorCode, number> = {
  CONFIG_INVALID: EXIT_CODES.USAGE,
  SERVICE_START_TIMEOUT: EXIT_CODES.SERVICE_START_TIMEOUT,
  SERVICE_DIED: EXIT_CODES.SERVICE_DIED,
  SERVICE_FAILED: EXIT_CODES.FAILED,
  COMMAND_FAILED: EXIT_CODES.FAILED,
  INTERRUPTED: EXIT_CODES.INTERRUPTED,
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
