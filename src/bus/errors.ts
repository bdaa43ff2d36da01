/** Errors the bus raises to its callers; codes are stable, messages name the offending value. */
export type BusErrorCode = "BAD_ENDPOINT" | "BIND_FAILED" | "CLOSED" | "HOST_UNREACHABLE" | "BAD_USE" | "TIMEOUT";

export class BusError extends Error {
  readonly code: BusErrorCode;

  constructor(code: BusErrorCode, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "BusError";
    this.code = code;
  }
}
