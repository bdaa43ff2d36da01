/**
 * The record processor keeps its event loop turning while it parses: a slow batch is worked in
 * slices (timers such as the heartbeat run between them), records stay in order, and a reply over
 * BIG_REPLY_BYTES is announced (ServiceContext.busy) before it is parsed.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { createConsola } from "consola";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSocket, type Message, setBusLogger } from "../../src/bus/index.ts";
import { writeDatasetFile } from "../../src/protocol/dataset-file.ts";
import { encodeRawBatch } from "../../src/protocol/raw-batch.ts";
import { decodeRecordBatch } from "../../src/protocol/record-batch.ts";
import type { RequestRecord } from "../../src/records/record.ts";
import { BIG_REPLY_BYTES, busyFor } from "../../src/replies/intake.ts";
import { ProcessorEngine } from "../../src/services/record-processor/engine.ts";
import { chatEvent, enc, rawRecord } from "../replies/support.ts";

setBusLogger({ warn: () => {}, debug: () => {} });

const dir = mkdtempSync(join(tmpdir(), "aiperf-slices-"));
const datasetPath = join(dir, "dataset.bin");
writeDatasetFile(datasetPath, [{ id: "c0", turns: [{ body: enc("{}"), inputTokens: 1 }] }]);

const tag = `${process.pid}-${Date.now()}`;
const pull = createSocket("PULL", { name: "slices raw" });
const rawEndpoint = pull.bind(`inproc://slices-raw-${tag}`);
const out = createSocket("PULL", { name: "slices records" });
const recordsEndpoint = out.bind(`inproc://slices-records-${tag}`);
const feed = createSocket("PUSH", { name: "slices feed" });
feed.connect(rawEndpoint);
const received: RequestRecord[] = [];
out.onMessage((msg: Message) => received.push(...decodeRecordBatch(msg).records));

/** 5 ms of work per count: a batch of 40 replies blocks for about 400 ms unless sliced. */
const slowCounter = {
  count(text: string): number {
    const until = performance.now() + 5;
    while (performance.now() < until) {}
    return text.length > 0 ? 1 : 0;
  },
};
const announced: number[] = [];
const engine = new ProcessorEngine(
  "record-processor:0",
  pull,
  { recordsEndpoint, datasetPath, endpointType: "chat", streaming: true, useServerTokenCount: false },
  slowCounter,
  createConsola({ level: 0 }),
  async (ms) => {
    announced.push(ms);
  },
);
afterAll(() => {
  engine.stop();
  for (const s of [pull, out, feed]) s.close();
});

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await Bun.sleep(5);
  }
}

function batch(ids: string[], text: string): Uint8Array[] {
  const chunk = enc(chatEvent({ content: text }));
  const records = ids.map((id) => rawRecord({ xRequestId: id, xCorrelationId: id, chunkNs: [5_000], chunkBytes: [chunk.byteLength] }));
  const bytes = new Uint8Array(chunk.byteLength * ids.length);
  ids.forEach((_, i) => bytes.set(chunk, i * chunk.byteLength));
  return encodeRawBatch({ records, bytes });
}

describe("record processor slices", () => {
  test("a slow batch yields to timers between slices and keeps the records' order", async () => {
    await engine.ready();
    const ids = Array.from({ length: 40 }, (_, i) => `r${i}`);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    try {
      await feed.send(batch(ids, "hello"));
      await waitFor(() => received.length >= 40);
    } finally {
      clearInterval(ticker);
    }
    expect(received.map((r) => r.xRequestId)).toEqual(ids);
    // Unsliced, no timer could run until the whole batch was done: at most one tick.
    expect(ticks).toBeGreaterThan(3);
    expect(announced).toEqual([]);
  });

  test("a reply over BIG_REPLY_BYTES is announced with its bound before it is parsed", async () => {
    const before = received.length;
    const text = "x".repeat(BIG_REPLY_BYTES);
    await feed.send(batch(["big"], text));
    await waitFor(() => received.length > before);
    expect(received.at(-1)?.error).toBeNull();
    expect(announced.length).toBe(1);
    expect(announced[0]).toBe(busyFor(enc(chatEvent({ content: text })).byteLength));
  });
});
