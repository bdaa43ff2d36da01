/**
 * Upstream's raw_payload auto-detection (docs/tutorials/raw-payload-replay.md): with no
 * --custom-dataset-type, an input whose first JSON line (a file's, or a directory's first
 * `.jsonl` file's) holds a `messages` list, and neither `conversation_id` nor a `data` list, is
 * read as raw_payload. Only the first MiB of one file is read.
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";

export function looksLikeRawPayload(path: string): boolean {
  try {
    if (!statSync(path).isDirectory()) return firstLineIsPayload(path);
    const first = readdirSync(path)
      .filter((f) => f.endsWith(".jsonl") && !f.startsWith("."))
      .sort()[0];
    return first !== undefined && firstLineIsPayload(join(path, first));
  } catch {
    return false;
  }
}

function firstLineIsPayload(file: string): boolean {
  const fd = openSync(file, "r");
  const buffer = Buffer.alloc(1 << 20);
  let read: number;
  try {
    read = readSync(fd, buffer, 0, buffer.length, 0);
  } finally {
    closeSync(fd);
  }
  const line = buffer
    .toString("utf8", 0, read)
    .split("\n")
    .find((l) => l.trim() !== "");
  if (line === undefined) return false;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return false;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const o = value as Record<string, unknown>;
  return Array.isArray(o.messages) && !("conversation_id" in o) && !Array.isArray(o.data);
}
