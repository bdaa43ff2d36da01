/**
 * inputs.json, written entry by entry: byte for byte what `JSON.stringify({ data }, null, 2)`
 * gives, without building that one string (a million-turn trace would exceed the engine's
 * string length limit).
 */
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";

export type InputsEntry = { session_id: string; payloads: unknown[] };

export function writeInputsJson(path: string, data: readonly InputsEntry[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, "w");
  try {
    if (data.length === 0) {
      writeSync(fd, '{\n  "data": []\n}');
      return;
    }
    let pending = '{\n  "data": [\n';
    data.forEach((entry, i) => {
      pending += `    ${JSON.stringify(entry, null, 2).replaceAll("\n", "\n    ")}${i + 1 < data.length ? ",\n" : "\n"}`;
      if (pending.length > 1 << 20) {
        writeSync(fd, pending);
        pending = "";
      }
    });
    writeSync(fd, `${pending}  ]\n}`);
  } finally {
    closeSync(fd);
  }
}
