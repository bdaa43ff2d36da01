/**
 * Credits a worker holds (docs/client-efficiency.md "Ninth pass"), on the compiled binary against a real server that
 * counts what it holds at once: a closed loop sends exactly its count and never more than its
 * concurrency at the server, and a duration run starts nothing after its deadline. Both transports
 * (AIPERF_TEST_TRANSPORT=raw runs this file on the raw one). A closed loop queues credits by
 * default wherever timing is a thread of the controller: these runs have two workers.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ChatServer, startChatServer } from "../faults/support.ts";
import { ensureBinary, readExport, readRecords, runProfile } from "./support.ts";

/** Two workers: timing is a thread of the controller, so their credits are queued (controller/timing-host.ts). */
const QUEUED = ["--workers-max", "2"];

let server: ChatServer;
let slow: ChatServer;

beforeAll(async () => {
  await ensureBinary();
  // A reply takes 2 ms, so a slot's next request overlaps the others' and concurrency is visible at the server.
  server = startChatServer({ delayMs: 2 });
  // 100 ms replies: a queued credit started past the deadline would start up to 100 ms late, well clear of the slack below.
  slow = startChatServer({ delayMs: 100 });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await slow?.stop();
});

describe("queued credits on the binary", () => {
  test("--concurrency 16 --request-count 2000: exactly 2000 requests and records, never more than 16 at the server", async () => {
    const before = server.received;
    const run = await runProfile(server.url, ["--endpoint-type", "chat", "--concurrency", "16", "--request-count", "2000", ...QUEUED]);
    expect(run.code).toBe(0);
    expect(server.received - before).toBe(2000);
    expect(server.maxInFlight).toBeLessThanOrEqual(16);
    expect(server.maxInFlight).toBeGreaterThan(1);
    const records = readRecords(run.dir);
    expect(records).toHaveLength(2000);
    expect(records.filter((r) => r.error !== null)).toEqual([]);
    // Every credit number once: none sent twice (a queued credit that came back unsent leaves its number unused).
    expect(new Set(records.map((r) => r.metadata.session_num)).size).toBe(2000);
    expect(readExport(run.dir).request_count.avg).toBe(2000);
  }, 120_000);

  test("--benchmark-duration 2 --concurrency 8: ends on time; no request starts after the deadline, at the client or the server", async () => {
    const from = slow.arrivalsWallMs.length;
    const startedAt = performance.now();
    const run = await runProfile(slow.url, ["--endpoint-type", "chat", "--concurrency", "8", "--benchmark-duration", "2", ...QUEUED]);
    expect(run.code).toBe(0);
    // 2 s of sending plus start-up and shutdown; replies take 100 ms, so no grace period is used.
    expect(performance.now() - startedAt).toBeLessThan(20_000);
    const json = readExport(run.dir);
    // The profiling phase's start, as the run reports it (local time, to the microsecond).
    const startMs = new Date(json.start_time as string).getTime();
    const deadlineMs = startMs + 2000;
    const records = readRecords(run.dir);
    expect(records.length).toBeGreaterThan(100);
    expect(records.filter((r) => r.error !== null)).toEqual([]);
    // Slack, in the same way as before queued credits: start_time is parsed to the millisecond, the
    // worker's wall clock is its own process's reading of it, and a credit timing sent just before
    // the deadline starts after its trip over the bus. Were queued credits not stopped at the
    // deadline, slots would keep starting one every few ms until the requests in flight drained.
    const lastStartMs = Math.max(...records.map((r) => r.metadata.request_start_ns / 1e6));
    expect(lastStartMs).toBeLessThanOrEqual(deadlineMs + 25);
    const arrivals = slow.arrivalsWallMs.slice(from);
    // Every request the server saw has its record: nothing sent and dropped.
    expect(arrivals).toHaveLength(records.length);
    expect(Math.max(...arrivals)).toBeLessThanOrEqual(deadlineMs + 50);
    // The run's own view: its last request started within the 2 s it was given.
    expect(lastStartMs - startMs).toBeGreaterThan(1900);
  }, 120_000);
});
