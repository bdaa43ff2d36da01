/** Small JSON helpers shared by the endpoint parsers. */
import type { ParsedResponse, Skip } from "./parsed.ts";
import { readUsage } from "./usage.ts";

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
export const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** Trims, drops "" and [DONE], and parses JSON; a Skip when there is nothing to read. */
export function readJson(payload: string): { value: unknown } | Skip {
  const trimmed = payload.trim();
  if (trimmed === "") return { skip: "empty" };
  if (trimmed === "[DONE]") return { skip: "done" };
  try {
    return { value: JSON.parse(trimmed) };
  } catch (error) {
    return { skip: "invalid-json", detail: error instanceof Error ? error.message : String(error) };
  }
}

/** A text response, or a dropped one when both parts are empty (so TTFT skips it). */
export function textResponse(text: string, reasoning = ""): ParsedResponse | Skip {
  return text === "" && reasoning === "" ? { skip: "no-content" } : { kind: "text", text, reasoning };
}

/** Attaches the usage object `u` reports, if any, to a parse result. */
export function withUsage<T extends ParsedResponse | Skip>(result: T, u: unknown): T {
  const usage = readUsage(u);
  if (usage !== undefined) result.usage = usage;
  return result;
}
