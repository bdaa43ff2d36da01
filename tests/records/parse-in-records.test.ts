/**
 * The default path (no record-processor process): the records service binds a raw PULL, the
 * workers push their raw batches there, and records parses them with the replies library
 * (src/replies/) itself. Checked with a real records service role over real sockets: every record
 * arrives parsed and counted, in the order sent, stamped with this service's name; raw batches sent
 * before "configure" wait and are not lost; the tokenizer preloaded is the one used.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BusSocket, createSocket, setBusLogger } from "../../src/bus/index.ts";
import { writeDatasetFile } from "../../src/protocol/dataset-file.ts";
import { encodeRawBatch } from "../../src/protocol/raw-batch.ts";
import type { RecordsSummary } from "../../src/protocol/records-summary.ts";
import type { Counter, CounterResolver } from "../../src/replies/counter.ts";
import { runRecords } from "../../src/services/records/index.ts";
import { chatEvent, enc, rawRecord } from "../replies/support.ts";
import { fakeService } from "../worker/fake-context.ts";

setBusLogger({ warn: () => {}, debug: () => {} });

const dir = mkdtempSync(join(tmpdir(), "aiperf-parse-in-records-"));
const datasetPath = join(dir, "dataset.bin");
writeDatasetFile(datasetPath, [{ id: "c0", turns: [{ body: enc("{}"), inputTokens: 1 }] }]);
const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const c of cleanups.splice(0)) c();
  rmSync(dir, { recursive: true, force: true });
});

/** A resolver that counts words and logs each load by name (as the real one names the tokenizer). */
function wordsResolver(loads: string[]): CounterResolver {
  return async (nameOrPath) => {
    const name = nameOrPath ?? "model-default";
    loads.push(name);
    return { name, count: (t: string) => t.split(/\s+/).filter(Boolean).length } as Counter & { name: string };
  };
}

async function recordsService(resolve: CounterResolver) {
  const svc = fakeService("records", String(cleanups.length));
  const running = runRecords(svc.ctx, resolve);
  cleanups.push(() => {
    svc.stop();
    void running;
  });
  return svc;
}

function pushTo(endpoint: string): BusSocket {
  const push = createSocket("PUSH", { name: "test worker" });
  push.connect(endpoint);
  cleanups.push(() => push.close());
  return push;
}

/** `n` streamed chat replies of three words each, as one raw batch. */
function rawBatch(ids: string[]): Uint8Array[] {
  const chunk = enc(`${chatEvent({ content: "one two three" })}data: [DONE]\n\n`);
  const records = ids.map((id) => rawRecord({ xRequestId: id, xCorrelationId: id, chunkNs: [5_000], chunkBytes: [chunk.byteLength] }));
  const bytes = new Uint8Array(chunk.byteLength * ids.length);
  ids.forEach((_, i) => bytes.set(chunk, i * chunk.byteLength));
  return encodeRawBatch({ records, bytes });
}

function configure(artifactDir: string, tokenizer = "model-default") {
  return {
    artifactDir,
    endpointType: "chat",
    streaming: true,
    goodput: null,
    duration: null,
    logFile: join(artifactDir, "log"),
    live: false,
    replies: { datasetPath, endpointType: "chat", streaming: true, tokenizer, model: "m" },
  };
}

const finalize = (expected: number) => ({ expected, inputConfig: {}, idleMs: 5_000 });

test("raw batches pushed to records are parsed there: every record counted, in order, stamped records:N; those sent before configure wait", async () => {
  const loads: string[] = [];
  const svc = await recordsService(wordsResolver(loads));
  const { rawEndpoint } = await svc.call<{ endpoint: string; rawEndpoint?: string }>("bind", { raw: true });
  expect(rawEndpoint).toBeString();
  const push = pushTo(rawEndpoint as string);
  // Before configure: these wait in the raw socket.
  await push.send(rawBatch(["a0", "a1", "a2"]));
  const artifactDir = mkdtempSync(join(dir, "run-"));
  expect(await svc.call("preload", { tokenizer: null, model: "m" })).toEqual({ loading: true });
  await svc.call("configure", configure(artifactDir));
  for (let b = 0; b < 3; b++) await push.send(rawBatch(Array.from({ length: 10 }, (_, i) => `b${b}-${i}`)));
  const summary = await svc.call<RecordsSummary>("finalize", finalize(33));
  expect([summary.received, summary.lost, summary.validCount, summary.errorCount]).toEqual([33, 0, 33, 0]);
  // The preloaded tokenizer was the one configure named: loaded once.
  expect(loads).toEqual(["model-default"]);
  const lines = readFileSync(join(artifactDir, "profile_export.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  expect(lines.map((l) => l.metadata.x_request_id)).toEqual([
    "a0",
    "a1",
    "a2",
    ...[0, 1, 2].flatMap((b) => Array.from({ length: 10 }, (_, i) => `b${b}-${i}`)),
  ]);
  expect(new Set(lines.map((l) => l.metadata.record_processor_id))).toEqual(new Set([svc.ctx.name]));
  expect(new Set(lines.map((l) => l.metrics.output_sequence_length.value))).toEqual(new Set([3]));
});

test("configure with replies but a bind without raw is refused (nothing to parse from)", async () => {
  const svc = await recordsService(wordsResolver([]));
  const bound = await svc.call<{ endpoint: string; rawEndpoint?: string }>("bind");
  expect(bound.rawEndpoint).toBeUndefined();
  await expect(svc.call("configure", configure(mkdtempSync(join(dir, "run-"))))).rejects.toThrow("before bind { raw: true }");
});

test("a tokenizer that fails to load fails configure (exit through the controller), as the record processor's does", async () => {
  const failing: CounterResolver = async (name) => {
    throw new Error(`cannot load ${name}`);
  };
  const svc = await recordsService(failing);
  await svc.call("bind", { raw: true });
  await expect(svc.call("configure", configure(mkdtempSync(join(dir, "run-")), "broken"))).rejects.toThrow("cannot load broken");
});
