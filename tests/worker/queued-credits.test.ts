/**
 * The worker's side of queued credits (timing/queues.ts): a real worker role on the bus, a test
 * ROUTER in timing's place, a test PULL in the record processors', and a local HTTP server whose
 * replies the test releases one by one, so it decides when a slot frees.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BusSocket, createSocket, type Message, setBusLogger } from "../../src/bus/index.ts";
import { monoNs } from "../../src/core/clock.ts";
import { writeDatasetFile } from "../../src/protocol/dataset-file.ts";
import { type Credit, type CreditReturn, decodeJson, encodeJson, type RawRecord } from "../../src/protocol/pipeline.ts";
import { decodeRawBatch } from "../../src/protocol/raw-batch.ts";
import { run as runWorker } from "../../src/services/worker/index.ts";
import { type FakeService, fakeService } from "./fake-context.ts";

setBusLogger({ warn: () => {}, debug: () => {} });

const dir = mkdtempSync(join(tmpdir(), "aiperf-worker-queued-"));
const datasetPath = join(dir, "dataset.bin");
writeDatasetFile(datasetPath, [
  { id: "c0", turns: [{ body: new TextEncoder().encode(JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] })), inputTokens: 1 }] },
]);

/** Requests the server holds until the test releases them, by X-Correlation-ID; and every one it got, in order. */
const waiting = new Map<string, () => void>();
const arrived: { correlationId: string; atNs: number }[] = [];
let server: ReturnType<typeof Bun.serve>;
let router: BusSocket;
let pull: BusSocket;
let worker: FakeService<"worker">;
let running: Promise<void>;
const returns: CreditReturn[] = [];
const records = new Map<number, RawRecord>();

async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await Bun.sleep(2);
  }
}

let nextId = 1;
function send(extra: Partial<Credit> = {}): Credit {
  const id = nextId++;
  const credit: Credit = {
    id,
    phase: "profiling",
    num: id - 1,
    conversation: 0,
    turn: 0,
    intendedNs: monoNs(),
    cancelAfterNs: null,
    correlationId: `corr-${id}`,
    issuedNs: monoNs(),
    ...extra,
  };
  void router.send(["worker:0", encodeJson(credit)]);
  return credit;
}

const returnOf = async (id: number): Promise<CreditReturn> => {
  await waitFor(() => returns.some((r) => r.id === id));
  return returns.find((r) => r.id === id) as CreditReturn;
};
const release = (credit: Credit): void => {
  waiting.get(credit.correlationId)?.();
  waiting.delete(credit.correlationId);
};
const reached = (credit: Credit): boolean => arrived.some((a) => a.correlationId === credit.correlationId);

beforeAll(async () => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(req) {
      await req.arrayBuffer();
      const correlationId = req.headers.get("x-correlation-id") ?? "";
      arrived.push({ correlationId, atNs: monoNs() });
      await new Promise<void>((resolve) => {
        waiting.set(correlationId, resolve);
        req.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      return Response.json({ object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "ok" } }] });
    },
  });
  router = createSocket("ROUTER", { name: "test credits", routerMandatory: true });
  const creditsEndpoint = router.bind(`inproc://queued-test-credits-${process.pid}`);
  router.onMessage((msg: Message) => returns.push(decodeJson<CreditReturn>(msg[1])));
  pull = createSocket("PULL", { name: "test raw" });
  const rawEndpoint = pull.bind(`inproc://queued-test-raw-${process.pid}`);
  pull.onMessage((msg: Message) => {
    for (const { record } of decodeRawBatch(msg)) records.set(record.creditId, record);
  });
  worker = fakeService("worker", "0");
  running = runWorker(worker.ctx);
  await worker.call("configure", {
    creditsEndpoint,
    processorEndpoints: [rawEndpoint],
    datasetPath,
    urls: [`http://127.0.0.1:${server.port}`],
    endpointPath: "/v1/chat/completions",
    streaming: false,
    requestTimeoutSeconds: 10,
  });
});

afterEach(() => {
  for (const resolve of waiting.values()) resolve();
  waiting.clear();
});

afterAll(async () => {
  worker?.stop();
  await running;
  router?.close();
  pull?.close();
  await server?.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

describe("queued credits in the worker", () => {
  test("a queued credit starts in the same turn as the request whose slot it takes ends, and the return says so", async () => {
    const a = send();
    await waitFor(() => reached(a));
    const q = send({ queued: true, intendedNs: 1, readyNs: 2 });
    // Held, not sent: the worker has no slot for it until `a` ends.
    await Bun.sleep(50);
    expect(reached(q)).toBe(false);
    release(a);
    const ret = await returnOf(a.id);
    expect(ret.started).toBe(q.id);
    await waitFor(() => reached(q) && records.has(a.id));
    release(q);
    await waitFor(() => records.has(q.id));
    const [ra, rq] = [records.get(a.id) as RawRecord, records.get(q.id) as RawRecord];
    // Its intended time is when its slot freed (set by the worker), not what timing put in; no readyNs.
    expect(rq.intendedNs).toBeGreaterThanOrEqual(ra.endNs);
    expect(rq.readyNs).toBeUndefined();
    // Same turn: its request went to the transport before `a`'s return was written.
    expect(rq.startNs).toBeLessThanOrEqual(ret.sentNs as number);
    expect(rq.error).toBeNull();
    expect((await returnOf(q.id)).started).toBeUndefined();
  });

  test("a queued credit past its not-after time goes back unsent: no request, no record", async () => {
    const a = send();
    await waitFor(() => reached(a));
    const q = send({ queued: true, notAfterNs: monoNs() + 30e6 });
    await Bun.sleep(80);
    release(a);
    expect((await returnOf(a.id)).started).toBeUndefined();
    expect(await returnOf(q.id)).toMatchObject({ id: q.id, unsent: true });
    await waitFor(() => records.has(a.id));
    await Bun.sleep(50);
    expect(reached(q)).toBe(false);
    expect(records.has(q.id)).toBe(false);
  });

  test("a queued credit that finds nothing of the worker's in flight goes back unsent at once", async () => {
    for (let tries = 0; (await worker.call<{ inFlight: number }>("stats")).inFlight !== 0; tries++) {
      if (tries > 500) throw new Error("the worker still has requests in flight");
      await Bun.sleep(5);
    }
    const q = send({ queued: true });
    expect(await returnOf(q.id)).toMatchObject({ unsent: true });
    await Bun.sleep(50);
    expect(reached(q)).toBe(false);
  });

  test("cancel_requests returns the queued credits of its phases unsent at once; the one in flight becomes a cancelled record", async () => {
    const a = send();
    await waitFor(() => reached(a));
    const q1 = send({ queued: true });
    const q2 = send({ queued: true });
    await Bun.sleep(30);
    worker.broadcast("cancel_requests", { phases: ["profiling"], message: "test over" });
    expect(await returnOf(q1.id)).toMatchObject({ unsent: true });
    expect(await returnOf(q2.id)).toMatchObject({ unsent: true });
    const ret = await returnOf(a.id);
    expect(ret.started).toBeUndefined();
    await waitFor(() => records.has(a.id));
    expect(records.get(a.id)?.wasCancelled).toBe(true);
    expect(reached(q1) || reached(q2)).toBe(false);
    expect(records.has(q1.id) || records.has(q2.id)).toBe(false);
  });
});

describe("queued credits and per-request cancellation", () => {
  test("a queued credit's cancel-after counts from its own send, not from its arrival", async () => {
    // A later phase: the previous test cancelled "profiling" in this worker.
    const a = send({ phase: "warmup" });
    await waitFor(() => reached(a));
    const q = send({ phase: "warmup", queued: true, cancelAfterNs: 100e6 });
    // Held 150 ms: a timer armed on arrival would have fired before the request was sent.
    await Bun.sleep(150);
    release(a);
    await waitFor(() => records.has(q.id));
    const r = records.get(q.id) as RawRecord;
    expect(r.wasCancelled).toBe(true);
    expect((r.cancellationNs as number) - r.startNs).toBeGreaterThanOrEqual(99e6);
  });
});
