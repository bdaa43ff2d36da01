/**
 * "preload" starts loading the tokenizer before "configure" (the controller sends it while the
 * dataset synthesises); "configure" uses that tokenizer only when it is the one the dataset
 * resolved, and loads again otherwise. A failed preload is not an error: configure reports it.
 */
import { afterAll, expect, test } from "bun:test";
import { createSocket, setBusLogger } from "../../src/bus/index.ts";
import type { Counter, CounterResolver } from "../../src/replies/counter.ts";
import { runRecordProcessor } from "../../src/services/record-processor/index.ts";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeDatasetFile } from "../../src/protocol/dataset-file.ts";
import { fakeService } from "../worker/fake-context.ts";

setBusLogger({ warn: () => {}, debug: () => {} });

const dir = mkdtempSync(join(tmpdir(), "aiperf-preload-"));
const datasetPath = join(dir, "dataset.bin");
writeDatasetFile(datasetPath, [{ id: "c0", turns: [{ body: new TextEncoder().encode("{}"), inputTokens: 1 }] }]);
const records = createSocket("PULL", { name: "preload records" });
const recordsEndpoint = records.bind(`inproc://preload-records-${process.pid}`);
const stops: (() => void)[] = [];
afterAll(() => {
  for (const stop of stops) stop();
  records.close();
});

/** A resolver that names what it loaded after the input (as the real one names the tokenizer), and logs each load. */
function countingResolver(loads: string[], fail = new Set<string>()): CounterResolver {
  return async (nameOrPath, { model }) => {
    const name = nameOrPath ?? `model-of-${model}`;
    loads.push(name);
    await Bun.sleep(20);
    if (fail.has(name)) throw new Error(`cannot load ${name}`);
    return { name, count: (t: string) => t.length } as Counter & { name: string };
  };
}

async function processorWith(resolve: CounterResolver) {
  const svc = fakeService("record-processor", String(stops.length));
  const running = runRecordProcessor(svc.ctx, resolve);
  stops.push(() => {
    svc.stop();
    void running;
  });
  await svc.call("bind");
  return svc;
}

const configure = (tokenizer: string) => ({ recordsEndpoint, datasetPath, endpointType: "chat", streaming: true, tokenizer, model: "m" });

test("configure uses the preloaded tokenizer when the dataset resolved the same one: loaded once", async () => {
  const loads: string[] = [];
  const svc = await processorWith(countingResolver(loads));
  expect(await svc.call("preload", { tokenizer: null, model: "m" })).toEqual({ loading: true });
  await svc.call("configure", configure("model-of-m"));
  expect(loads).toEqual(["model-of-m"]);
});

test("configure loads again when the dataset resolved another tokenizer", async () => {
  const loads: string[] = [];
  const svc = await processorWith(countingResolver(loads));
  await svc.call("preload", { tokenizer: null, model: "m" });
  await svc.call("configure", configure("builtin"));
  expect(loads).toEqual(["model-of-m", "builtin"]);
});

test("a preload that fails is not the error: configure loads again and reports its own failure", async () => {
  const loads: string[] = [];
  const svc = await processorWith(countingResolver(loads, new Set(["model-of-m", "broken"])));
  await svc.call("preload", { tokenizer: null, model: "m" });
  await expect(svc.call("configure", configure("broken"))).rejects.toThrow("cannot load broken");
  expect(loads).toEqual(["model-of-m", "broken"]);
});

test("without a preload, configure loads as before", async () => {
  const loads: string[] = [];
  const svc = await processorWith(countingResolver(loads));
  await svc.call("configure", configure("builtin"));
  expect(loads).toEqual(["builtin"]);
});
