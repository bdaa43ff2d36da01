/**
 * inputs.json, written entry by entry: byte for byte what `JSON.stringify({ data }, null, 2)`
 * gives, without building that one string (a million-turn trace would exceed the engine's
 * string length limit); `data` may be a generator, so the entries need not be in memory at once.
 */
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { scanDataset } from "../../protocol/dataset-file.ts";
import { createAppendFile } from "../../core/append-file.ts";
import { indentJson } from "./indent-json.ts";

export type InputsEntry = { session_id: string; payloads: unknown[] };

export function writeInputsJson(path: string, data: Iterable<InputsEntry>): void {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, "w");
  try {
    let pending = '{\n  "data": [';
    let first = true;
    for (const entry of data) {
      pending += `${first ? "\n" : ",\n"}    ${JSON.stringify(entry, null, 2).replaceAll("\n", "\n    ")}`;
      first = false;
      if (pending.length > 1 << 20) {
        writeSync(fd, pending);
        pending = "";
      }
    }
    writeSync(fd, first ? `${pending}]\n}` : `${pending}\n  ]\n}`);
  } finally {
    closeSync(fd);
  }
}

/**
 * A payload for createInputsJsonWriter: compact JSON bytes (indented here), or bytes already
 * indented as inputs.json has them (a spliced body's indented skeleton with its text).
 */
export type InputsPayload = Uint8Array | { indented: readonly Uint8Array[] };

export type InputsJsonWriter = {
  /** One conversation; the bytes given may be reused once this returns. */
  entry(sessionId: string, payloads: readonly InputsPayload[]): void;
  close(): void;
  /** Closes and removes the partial file. */
  abort(): void;
};

/** inputs.json written one conversation at a time, in the order given. */
export function createInputsJsonWriter(path: string): InputsJsonWriter {
  mkdirSync(dirname(path), { recursive: true });
  // Never read back by the run: written past the page cache where possible.
  const sink = createAppendFile(path);
  const encoder = new TextEncoder();
  const text = (s: string): void => sink.writeText(s);
  const FIRST = encoder.encode("\n        ");
  const NEXT = encoder.encode(",\n        ");
  let first = true;
  text('{\n  "data": [');
  return {
    entry(id, payloads) {
      text(first ? '\n    {\n      "session_id": ' : ',\n    {\n      "session_id": ');
      text(JSON.stringify(id));
      text(',\n      "payloads": [');
      for (let i = 0; i < payloads.length; i++) {
        const payload = payloads[i] as InputsPayload;
        sink.write(i === 0 ? FIRST : NEXT);
        if (payload instanceof Uint8Array) indentJson(payload, 8, sink);
        else for (const part of payload.indented) sink.write(part);
      }
      text(payloads.length === 0 ? "]\n    }" : "\n      ]\n    }");
      first = false;
    },
    close() {
      text(first ? "]\n}" : "\n  ]\n}");
      sink.close();
    },
    abort: () => sink.abort(),
  };
}

/**
 * inputs.json for a written dataset.bin, read back one conversation at a time in serving order:
 * the same bytes writeInputsJson gives for the parsed bodies, without parsing them.
 */
export function writeInputsJsonFromDataset(path: string, datasetPath: string): void {
  const writer = createInputsJsonWriter(path);
  try {
    for (const { id, bodies } of scanDataset(datasetPath)) writer.entry(id, bodies);
    writer.close();
  } catch (error) {
    writer.abort();
    throw error;
  }
}
