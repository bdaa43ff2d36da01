/**
 * The record processor does not hold up a run's start for its tokenizer: the engine takes the
 * tokenizer while it still loads, parses nothing until it has it (records wait, in order), and
 * when it fails to load, every record becomes an error naming why (none is dropped).
 */
import { afterAll, expect, test } from "bun:test";
import { createConsola } from "consola";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BusSocket, createSocket, type Message, setBusLogger } from "../../src/bus/index.ts";
import { writeDatasetFile } from "../../src/protocol/dataset-file.ts";
import { decodeJson, encodeRawBatch, type ParsedBatch } from "../../src/protocol/pipeline.ts";
import type { RequestRecord } from "../../src/records/record.ts";
import { type Counter, whitespaceCounter } from "../../src/services/record-processor/counter.ts";
import { ProcessorEngine } from "../../src/services/record-processor/engine.ts";
import { chatEvent, enc, rawRecord } from "./support.ts";

setBusLogger({ warn: () => {}, debug: () => {} });

const dir = mkdtempSync(join(tmpdir(), "aiperf-tokload-"));
const datasetPath = join(dir, "dataset.bin");
writeDatasetFile(datasetPath, [{ id: "c0", turns: [{ body: enc("{}"), inputTokens: 1 }] }]);
const sockets: BusSocket[] = [];
const engines: ProcessorEngine[] = [];
afterAll(() => {
  for (const e of engines) e.stop();
  for (const s of sockets) s.close();
});

/** An engine on its own inproc sockets, fed one batch of `ids`; returns what it sends on. */
async function run(name: string, counter: Promise<Counter>, ids: string[]): Promise<{ received: RequestRecord[] }> {
  const tag = `${name}-${process.pid}-${Date.now()}`;
  const pull = createSocket("PULL", { name: `${name} raw` });
  const rawEndpoint = pull.bind(`inproc://tokload-raw-${tag}`);
  const out = createSocket("PULL", { name: `${name} records` });
  const recordsEndpoint = out.bind(`inproc://tokload-records-${tag}`);
  const feed = createSocket("PUSH", { name: `${name} feed` });
  feed.connect(rawEndpoint);
  sockets.push(pull, out, feed);
  const received: RequestRecord[] = [];
  out.onMessage((msg: Message) => received.push(...decodeJson<ParsedBatch>(msg[0]).records));
  const engine = new ProcessorEngine(`record-processor:${name}`, pull, { recordsEndpoint, datasetPath, endpointType: "chat", streaming: true, useServerTokenCount: false }, counter, createConsola({ level: -999 }));
  engines.push(engine);
  await engine.ready();
  const chunk = enc(chatEvent({ content: "three little words" }));
  const records = ids.map((id) => rawRecord({ xRequestId: id, xCorrelationId: id, chunkNs: [5_000], chunkBytes: [chunk.byteLength] }));
  const bytes = new Uint8Array(chunk.byteLength * ids.length);
  ids.forEach((_, i) => bytes.set(chunk, i * chunk.byteLength));
  await feed.send(encodeRawBatch({ records, bytes }));
  return { received };
}

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await Bun.sleep(5);
  }
}

test("records that arrive while the tokenizer loads wait for it, then are counted with it, in order", async () => {
  let loaded!: (c: Counter) => void;
  const counter = new Promise<Counter>((resolve) => (loaded = resolve));
  const ids = ["a", "b", "c"];
  const { received } = await run("slow", counter, ids);
  await Bun.sleep(100);
  expect(received).toHaveLength(0);
  loaded(whitespaceCounter);
  await waitFor(() => received.length >= 3);
  expect(received.map((r) => r.xRequestId)).toEqual(ids);
  expect(received.map((r) => r.outputTokens)).toEqual([3, 3, 3]);
  expect(received.every((r) => r.error === null)).toBe(true);
});

test("a tokenizer that fails to load makes each record an error that says so", async () => {
  const { received } = await run("failed", Promise.reject(new Error("no such tokenizer.json")), ["x", "y"]);
  await waitFor(() => received.length >= 2);
  expect(received.map((r) => r.xRequestId)).toEqual(["x", "y"]);
  for (const r of received) expect(r.error?.message).toContain("the tokenizer failed to load: no such tokenizer.json");
});
