/**
 * An error a server reports inside a 200 event stream, as upstream detects it (sse_utils.py): an
 * `event: error` message, or a data payload whose JSON object has a truthy `error`. Either makes
 * the request an error record ("SSEResponseError"), with the error's own code when it is an HTTP
 * status (400–599) and 502 otherwise.
 */
import type { RecordError } from "../records/record.ts";

const SSE_ERROR_TYPE = "SSEResponseError";

/** The error the message carries, or null (the usual case: checked by substring first). */
export function sseError(data: string, event: string | undefined): RecordError | null {
  const named = event !== undefined && event.toLowerCase() === "error";
  if (!named && !data.includes('"error"')) return null;
  const fromData = dataError(data);
  if (fromData !== null) return fromData;
  if (!named) return null;
  return failure(502, data.trim() === "" ? "Unknown error in SSE response" : data);
}

function dataError(data: string): RecordError | null {
  let payload: unknown;
  try {
    payload = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return null;
  const error = (payload as { error?: unknown }).error;
  if (error === undefined || error === null || error === false || error === "" || error === 0) return null;
  if (typeof error === "string") return failure(502, error);
  if (typeof error === "object" && !Array.isArray(error)) {
    const { message, code } = error as { message?: unknown; code?: unknown };
    const status = typeof code === "number" && Number.isInteger(code) && code >= 400 && code <= 599 ? code : 502;
    return failure(status, typeof message === "string" ? message : JSON.stringify(error));
  }
  return failure(502, JSON.stringify(error));
}

function failure(code: number, message: string): RecordError {
  return { code, type: SSE_ERROR_TYPE, message: `Error occurred in SSE response: ${message}` };
}
