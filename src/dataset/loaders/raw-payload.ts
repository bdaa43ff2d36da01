/**
 * raw_payload (newer upstream, aiperf-features §3.2): request bodies sent verbatim. A file holds one
 * JSON object per non-empty line, each a single-turn conversation; a directory holds `.jsonl`
 * files (sorted by name, other files ignored), each one conversation whose lines are its turns.
 * Payloads are not validated beyond being JSON objects; empty files in a directory are skipped.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { LoaderContext, Piece } from "./context.ts";
import { readLines } from "./lines.ts";
import { DatasetInputError, type Turn } from "./model.ts";

export async function* loadRawPayload(ctx: LoaderContext): AsyncGenerator<Piece> {
  if (!statSync(ctx.path).isDirectory()) {
    for await (const turn of payloadTurns(ctx.path)) yield { session: undefined, turns: [turn] };
    return;
  }
  const files = readdirSync(ctx.path)
    .filter((f) => f.endsWith(".jsonl") && !f.startsWith("."))
    .sort()
    .map((f) => join(ctx.path, f))
    .filter((f) => statSync(f).isFile());
  if (files.length === 0) throw new DatasetInputError(ctx.path, undefined, "the directory holds no .jsonl files");
  for (const file of files) {
    // One session per file: its lines join one conversation as they are read.
    const session = ctx.sessionId();
    for await (const turn of payloadTurns(file)) yield { session, turns: [turn] };
  }
}

/** Each non-empty line of `file` as a verbatim-payload turn. */
async function* payloadTurns(file: string): AsyncGenerator<Turn> {
  for await (const { text, line } of readLines(file)) {
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new DatasetInputError(file, line, `invalid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new DatasetInputError(file, line, "expected a JSON object (a request body)");
    yield { texts: [], images: [], audios: [], role: "user", payload: value as Record<string, unknown> };
  }
}
