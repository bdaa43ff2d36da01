/**
 * A worker killed while it holds queued credits (docs/client-efficiency.md "Ninth pass"): on the compiled binary at
 * --concurrency 16 (a closed loop, so workers hold credits beyond their slots), one of two workers
 * gets SIGKILL mid-run. Its requests in flight and its queued credits are lost with it: the run
 * must end (exit 4, incomplete), say what was lost, keep its accounting, and leave nothing running.
 * With two workers timing is a thread of the controller, and a closed loop queues credits by default.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { ensureBinary, readExport } from "../e2e/support.ts";
import { startRun, until } from "./lifecycle-support.ts";
import { type ChatServer, killLeftovers, leftRunning, records, servicePid, startChatServer } from "./support.ts";

type Incomplete = { reasons: string[]; records_expected: number | null; records_received: number | null; records_lost: number | null };

let server: ChatServer;

beforeAll(async () => {
  await ensureBinary();
  // 20 ms replies: 16 slots turn over ~800 times a second, so the dead worker held queued credits.
  server = startChatServer({ delayMs: 20 });
}, 120_000);
afterEach(killLeftovers);
afterAll(async () => {
  await server?.stop();
});

describe("queued credits and a lost worker", () => {
  test("kill -9 one of two workers at --concurrency 16: the run ends incomplete (exit 4) and counts what was lost", async () => {
    const before = server.received;
    const run = startRun(server.url, ["--concurrency", "16", "--request-count", "100000", "--workers-max", "2"]);
    expect(await until(() => server.received >= before + 400, 60_000)).toBe(true);
    const pid = await servicePid(run.mark, "worker:1");
    process.kill(pid, "SIGKILL");
    const hitAt = performance.now();
    const { code, out, atMs } = await run.exited;
    expect(code).toBe(4);
    expect(atMs - hitAt).toBeLessThan(15_000);
    expect(out).toContain('Service "worker:1"');
    expect(out).toContain("Results are incomplete");
    const json = readExport(run.dir);
    const incomplete = json.incomplete as Incomplete;
    expect(incomplete.reasons[0]).toContain('"worker:1"');
    const lines = records(run.dir).length;
    const received = server.received - before;
    expect(incomplete.records_received).toBe(lines);
    // What the dead worker had in flight and queued never came back: counted as lost, not dropped.
    expect(incomplete.records_lost as number).toBeGreaterThan(0);
    expect((incomplete.records_received ?? 0) + (incomplete.records_lost ?? 0)).toBe(incomplete.records_expected as number);
    // Queued credits that died unsent are in the expected count; the server never saw more than was sent.
    expect(received).toBeLessThanOrEqual(incomplete.records_expected as number);
    expect(lines).toBeLessThanOrEqual(received);
    expect(lines).toBeGreaterThanOrEqual(400 - 32);
    expect(await leftRunning(run.mark)).toEqual([]);
  }, 90_000);
});
