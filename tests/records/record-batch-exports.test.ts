/**
 * The record batch encoding changes no output: the same records, once through version 1's JSON and
 * once through version 2's frames (src/protocol/record-batch.ts), give the records service
 * byte-identical per-request files (profile_export.jsonl, the raw file, outputs, timeslices) and
 * the same summary, which is all the run report's JSON and CSV are rendered from.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConsola } from "consola";
import { DEFAULT_EXPORT_FILES } from "../../src/export/export-files.ts";
import { decodeRecordBatch, encodeRecordBatch, type RecordBatch } from "../../src/protocol/record-batch.ts";
import type { RequestRecord } from "../../src/records/record.ts";
import { whitespaceCounter } from "../../src/replies/counter.ts";
import { parseRecord } from "../../src/replies/parse-record.ts";
import { createRecordsState } from "../../src/services/records/state.ts";
import { variedRecords } from "../protocol/record-fixtures.ts";
import { chatEvent, streamed } from "../replies/support.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Streamed chat replies parsed as the record processor does, with usage on some and errors on others. */
function parsedRecords(): RequestRecord[] {
  const out: RequestRecord[] = [];
  for (let i = 0; i < 60; i++) {
    const t0 = 1_000_000_000 + i * 7_345_678;
    const parts = [{ text: chatEvent({ role: "assistant" }), ns: t0 + 900_000 }];
    for (let k = 0; k < 5 + (i % 7); k++) parts.push({ text: chatEvent({ content: ` w${k}${i}` }), ns: t0 + 1_000_000 + k * 1_234_567 + i });
    if (i % 3 === 0)
      parts.push({ text: `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 11, completion_tokens: 5 + (i % 7) } })}\n\n`, ns: t0 + 20_000_000 });
    parts.push({ text: "data: [DONE]\n\n", ns: t0 + 21_000_000 });
    const { raw, chunks } = streamed(parts, {
      sessionNum: i,
      xRequestId: `req-${i}`,
      xCorrelationId: `corr-${i >> 1}`,
      turn: i & 1,
      startNs: t0,
      intendedNs: t0 - (i % 5) * 1000,
      ackNs: t0 + 500_000,
      endNs: t0 + 21_000_000,
      wallStartNs: 1_796_392_005_341_629_700 + i * 7_345_678,
      ...(i % 4 === 0 ? { readyNs: t0 - 10 } : {}),
      ...(i % 11 === 5 ? { status: 503, statusText: "Service Unavailable" } : {}),
    });
    out.push(
      parseRecord(raw, chunks, {
        endpointType: "chat",
        counter: whitespaceCounter,
        processorId: `record-processor:${i % 2}`,
        dataset: { inputTokens: () => 64, conversationId: (c) => `conv-${c}` },
      }),
    );
  }
  return out;
}

/** Every file the records service wrote and its summary (paths made relative), for one decoding. */
async function exportsVia(decode: (batch: RecordBatch) => RecordBatch): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), "aiperf-record-batch-"));
  dirs.push(dir);
  const state = createRecordsState(
    {
      artifactDir: dir,
      endpointType: "chat",
      streaming: true,
      goodput: { time_to_first_token: 5 },
      duration: null,
      logFile: join(dir, "log"),
      exports: { files: DEFAULT_EXPORT_FILES, level: "raw", outputsJson: true, sliceDurationSec: 0.1 },
    },
    createConsola({ level: -999 }),
  );
  const records = [...variedRecords(), ...parsedRecords()];
  // As the record processor sends them: in batches, from two processors.
  for (let i = 0; i < records.length; i += 16) {
    for (const r of decode({ processor: `record-processor:${(i / 16) % 2}`, records: records.slice(i, i + 16) }).records) state.add(r);
  }
  state.phaseStarted({ phase: "profiling", startNs: 0 });
  const summary = await state.finalize({ expected: records.length - 1, inputConfig: { a: 1 }, idleMs: 1000 });
  const files: Record<string, string> = { summary: JSON.stringify(summary).replaceAll(dir, "DIR") };
  for (const name of readdirSync(dir)) files[name] = readFileSync(join(dir, name), "utf8");
  return files;
}

test("version 2 frames give byte-identical per-request files and summary to version 1's JSON", async () => {
  const before = await exportsVia((b) => JSON.parse(JSON.stringify(b)));
  const after = await exportsVia((b) => {
    // The frames at an odd offset, as a received read may hold them.
    const frames = encodeRecordBatch(b).map((f) => {
      const buf = new Uint8Array(f.byteLength + 5);
      buf.set(f, 5);
      return buf.subarray(5);
    });
    return decodeRecordBatch(frames);
  });
  expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
  // The files this compares, so a plan that writes none cannot pass by comparing nothing.
  expect(Object.keys(after).sort()).toEqual(
    [
      "summary",
      "profile_export.jsonl",
      "profile_export_raw.jsonl",
      "profile_export_aiperf_timeslices.json",
      "profile_export_aiperf_timeslices.csv",
      "outputs.json",
    ].sort(),
  );
  for (const name of Object.keys(before)) expect(`${name}: ${after[name]}`).toBe(`${name}: ${before[name]}`);
  expect((before["profile_export.jsonl"] as string).trim().split("\n").length).toBe(63);
});
