/**
 * inputs.json, written entry by entry: byte for byte what `JSON.stringify({ data }, null, 2)`
 * gives, without building that one string (a million-turn trace would exceed the engine's
 * string length limit) or holding the entries in memory at once.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { scanDataset } from "../../protocol/dataset-file.ts";
import { createDirectFile } from "../../core/append-file.ts";
import type { TextSpans } from "../../dataset/loaders/model.ts";
import { indentJson } from "./indent-json.ts";
import { createLoopTurns } from "../../runtime/loop-turns.ts";

export type InputsEntry = { session_id: string; payloads: unknown[] };

/**
 * A payload for createInputsJsonWriter: compact JSON bytes (indented here), or a spliced body
 * as inputs.json has it: the skeleton's indented pieces with the text between every two.
 */
export type InputsPayload = Uint8Array | { pieces: readonly Uint8Array[]; text: TextSpans };

export type InputsJsonWriter = {
  /** One conversation; the bytes given may be reused once this returns. */
  entry(sessionId: string, payloads: readonly InputsPayload[]): void;
  /** Null, or a promise to wait for before more entries: writes are in flight (append-file.ts). */
  ready(): Promise<void> | null;
  close(): Promise<void>;
  /** Closes and removes the partial file. */
  abort(): Promise<void>;
};

/** inputs.json written one conversation at a time, in the order given. */
export function createInputsJsonWriter(path: string): InputsJsonWriter {
  mkdirSync(dirname(path), { recursive: true });
  // Never read back by the run: written past the page cache where possible.
  const sink = createDirectFile(path);
  const encoder = new TextEncoder();
  const text = (s: string): void => sink.writeText(s);
  // The fixed text around each entry and payload, encoded once.
  const FIRST = encoder.encode("\n        ");
  const NEXT = encoder.encode(",\n        ");
  const OPEN = encoder.encode('\n    {\n      "session_id": ');
  const OPEN_NEXT = encoder.encode(',\n    {\n      "session_id": ');
  const PAYLOADS = encoder.encode(',\n      "payloads": [');
  const CLOSE = encoder.encode("\n      ]\n    }");
  let first = true;
  text('{\n  "data": [');
  return {
    entry(id, payloads) {
      sink.write(first ? OPEN : OPEN_NEXT);
      text(JSON.stringify(id));
      sink.write(PAYLOADS);
      for (let i = 0; i < payloads.length; i++) {
        const payload = payloads[i] as InputsPayload;
        sink.write(i === 0 ? FIRST : NEXT);
        if (payload instanceof Uint8Array) indentJson(payload, 8, sink);
        else {
          const { pieces, text } = payload;
          for (let p = 0; p < pieces.length; p++) {
            if (p > 0) for (let k = 0; k < text.at.length; k += 2) sink.writeRange(text.bytes, text.at[k] as number, text.at[k + 1] as number);
            sink.write(pieces[p] as Uint8Array);
          }
        }
      }
      if (payloads.length === 0) text("]\n    }");
      else sink.write(CLOSE);
      first = false;
    },
    ready: () => sink.ready(),
    close() {
      text(first ? "]\n}" : "\n  ]\n}");
      return sink.close();
    },
    abort: () => sink.abort(),
  };
}

/**
 * inputs.json for a written dataset.bin, read back one conversation at a time in serving order:
 * the same bytes JSON.stringify gives for the parsed bodies, without parsing them.
 */
export async function writeInputsJsonFromDataset(path: string, datasetPath: string): Promise<void> {
  const writer = createInputsJsonWriter(path);
  const turn = createLoopTurns();
  try {
    for (const { id, bodies } of scanDataset(datasetPath)) {
      writer.entry(id, bodies);
      const wait = writer.ready() ?? turn();
      if (wait !== null) await wait;
    }
    await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
