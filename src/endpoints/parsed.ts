/** What a parser makes of one response payload: a response, or why it is none. */
import type { ServerUsage } from "./usage.ts";

/** `usage`: what the payload reported, if anything; usage-only chunks are skips that carry it. */
export type ParsedResponse = (
  | { kind: "text"; text: string; reasoning: string }
  | { kind: "embeddings"; count: number }
  | { kind: "rankings"; count: number }
  | { kind: "images"; count: number }
) & { usage?: ServerUsage };

/** Why a payload gave no response: dropped on purpose, or not understood (worth a debug line). */
export type Skip = { skip: "empty" | "done" | "no-content" | "invalid-json" | "unknown-object"; detail?: string; usage?: ServerUsage };
