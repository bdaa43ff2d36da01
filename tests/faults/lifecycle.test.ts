/**
 * A run's end, its failures and its signals, on the compiled binary (issue 12, items 6–8, 15–18).
 * Each scenario checks what the server itself received against the records written, the exit
 * code, the time to stop and that no process of the run is left (env marker in /proc/*\/environ).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ensureBinary, readExport } from "../e2e/support.ts";
import { type Run, startRun, until } from "./lifecycle-support.ts";
import { type ChatServer, killLeftovers, leftRunning, records, servicePid, startChatServer } from "./support.ts";

type Incomplete = { reasons: string[]; records_expected: number | null; records_received: number | null; records_lost: number | null };

let hung: ChatServer;
let quick: ChatServer;

beforeAll(async () => {
  await ensureBinary();
  hung = startChatServer({ hang: true });
  quick = startChatServer({ delayMs: 50 });
}, 120_000);
afterEach(killLeftovers);
afterAll(async () => {
  await hung?.stop();
  await quick?.stop();
});

/** Waits until the server has received `n` more requests than `before`. */
async function serverGot(server: ChatServer, before: number, n: number): Promise<void> {
  expect(await until(() => server.received >= before + n, 60_000)).toBe(true);
}

const cancelledRecords = (dir: string): number => records(dir).filter((r) => r.metadata.was_cancelled && r.error?.type === "RequestCancellationError").length;

describe("signals", () => {
  // Not earlier: a signal in the first ~100 ms (more on a loaded machine) lands before the runtime
  // has run any of our code, and its default action ends the process (130, nothing started).
  // By 800 ms an idle machine may already have sent the first requests (start-up got faster).
  test.each([300, 800])(
    "Ctrl-C %i ms after start stops the run: if it was still starting, nothing is ever sent; exit 130 within 3 s",
    async (afterMs) => {
      const before = hung.received;
      const run = startRun(hung.url, ["--concurrency", "4", "--request-count", "50"]);
      await Bun.sleep(afterMs);
      const signalledAt = performance.now();
      process.kill(run.pid, "SIGINT");
      const { code, out, atMs } = await run.exited;
      expect(code).toBe(130);
      expect(atMs - signalledAt).toBeLessThan(3000);
      await Bun.sleep(500);
      if (out === "") {
        // The signal beat the runtime to our first line (a loaded machine): its default action
        // ended the process with 130 before anything started, so nothing was sent or written.
        expect(hung.received - before).toBe(0);
        expect(existsSync(join(run.dir, "profile_export_aiperf.json"))).toBe(false);
        expect(await leftRunning(run.mark)).toEqual([]);
        return;
      }
      // The run says which stage the signal found: still starting (no "cancelling N request(s) in
      // flight" line), then it never went on to send anything; or issuing, then the N credits out
      // (the first wave to a server that never answers) are N cancelled records, of which the server
      // saw at most N (one cut while being sent never reaches its handler). Not the server's own
      // count at the signal: it lags the sends it will see (here under load: 0, then the 4 sent before).
      const inFlight = Number(out.match(/cancelling (\d+) request\(s\) in flight/)?.[1] ?? 0);
      expect(inFlight).toBeLessThanOrEqual(4);
      expect(hung.received - before).toBeLessThanOrEqual(inFlight);
      expect(cancelledRecords(run.dir)).toBe(inFlight);
      expect(out).toContain("Received SIGINT");
      expect(readExport(run.dir).was_cancelled).toBe(true);
      expect(await leftRunning(run.mark)).toEqual([]);
    },
    30_000,
  );

  test.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)(
    "%s while requests hang: stops within 3 s, each request the server got is a cancelled record, exit %i",
    async (signal, exitCode) => {
      const before = hung.received;
      const run = startRun(hung.url, ["--concurrency", "4", "--request-count", "50"]);
      await serverGot(hung, before, 4);
      const signalledAt = performance.now();
      process.kill(run.pid, signal);
      const { code, out, atMs } = await run.exited;
      expect(code).toBe(exitCode);
      expect(atMs - signalledAt).toBeLessThan(3000);
      expect(out).toContain("cancelling 4 request(s) in flight");
      const received = hung.received - before;
      expect(received).toBe(4);
      expect(records(run.dir).length).toBe(received);
      expect(cancelledRecords(run.dir)).toBe(received);
      const json = readExport(run.dir);
      expect(json.was_cancelled).toBe(true);
      expect(json.error_request_count.avg).toBe(received);
      expect(json.incomplete).toBeUndefined();
      expect(await leftRunning(run.mark)).toEqual([]);
    },
    60_000,
  );

  test("SIGTERM to the whole process group is one interrupt: results written, exit 143", async () => {
    const before = hung.received;
    const run = startRun(hung.url, ["--concurrency", "4", "--request-count", "50"]);
    await serverGot(hung, before, 4);
    const signalledAt = performance.now();
    // What timeout(1), systemd, Slurm and Kubernetes do: the controller and every child get it.
    process.kill(-run.pid, "SIGTERM");
    const { code, out, atMs } = await run.exited;
    expect(code).toBe(143);
    expect(atMs - signalledAt).toBeLessThan(3000);
    expect(out).not.toContain("Second interrupt");
    const received = hung.received - before;
    expect(cancelledRecords(run.dir)).toBe(received);
    expect(readExport(run.dir).error_request_count.avg).toBe(received);
    expect(await leftRunning(run.mark)).toEqual([]);
  }, 60_000);

  test("under timeout(1), which sends SIGTERM to the binary and then to its group: one interrupt, results written, 143", async () => {
    const before = quick.received;
    // --preserve-status: timeout exits with the binary's own status instead of 124.
    const run = startRun(quick.url, ["--concurrency", "4", "--request-count", "100000"], ["timeout", "--preserve-status", "-s", "TERM", "8"]);
    const { code, out } = await run.exited;
    expect(code).toBe(143);
    expect(out.match(/Received SIGTERM/g)?.length).toBe(1);
    expect(out).not.toContain("Second interrupt");
    const json = readExport(run.dir);
    expect(json.was_cancelled).toBe(true);
    // Every request the server got is a record (answered, or cut by the interrupt). The credits out
    // at the signal (at most the concurrency) are cancelled records, and one cut before its request
    // reached the server's handler is a record the server never counted: the signal can land
    // between one reply and the next request (2 of 8 runs against a server answering in 1 ms).
    const received = quick.received - before;
    const all = records(run.dir);
    const cancelled = cancelledRecords(run.dir);
    expect(cancelled).toBeLessThanOrEqual(4);
    expect(all.length).toBeGreaterThanOrEqual(received);
    expect(all.length - received).toBeLessThanOrEqual(cancelled);
    expect((json.request_count?.avg ?? 0) + (json.error_request_count?.avg ?? 0)).toBe(all.length);
    expect(await leftRunning(run.mark)).toEqual([]);
  }, 60_000);
});

describe("the end of a duration run", () => {
  test("requests still hanging when the grace period ends become cancelled records, and the run ends on time", async () => {
    const before = hung.received;
    const run = startRun(hung.url, ["--concurrency", "4", "--benchmark-duration", "3", "--benchmark-grace-period", "2"]);
    await serverGot(hung, before, 4);
    const firstAt = performance.now();
    const { code, out, atMs } = await run.exited;
    // duration 3 + grace 2 from the first request, plus finalize and shutdown.
    expect(atMs - firstAt).toBeLessThan(8000);
    expect(atMs - firstAt).toBeGreaterThan(4500);
    expect(out).toContain("grace period ended with 4 request(s) in flight");
    const received = hung.received - before;
    expect(received).toBe(4);
    expect(cancelledRecords(run.dir)).toBe(received);
    expect(readExport(run.dir).error_request_count.avg).toBe(received);
    // Every request failed (none was answered): exit 1, as for any such run.
    expect(code).toBe(1);
    expect(out).toContain("Every request failed (4 of 4)");
    expect(await leftRunning(run.mark)).toEqual([]);
  }, 60_000);
});

describe("a service lost mid-run", () => {
  /** Starts a run against the quick server, waits for its first requests, then signals the service. */
  async function hit(
    name: string,
    signal: NodeJS.Signals,
    flags: string[] = ["--concurrency", "4", "--request-count", "2000"],
  ): Promise<{ run: Run; before: number; hitAt: number }> {
    const before = quick.received;
    const run = startRun(quick.url, flags);
    // Enough for some records to have been written before the hit (each reply takes 50 ms).
    await serverGot(quick, before, 40);
    const pid = await servicePid(run.mark, name);
    process.kill(pid, signal);
    return { run, before, hitAt: performance.now() };
  }

  /** The accounting every incomplete run must keep: the records it says arrived are in the JSONL, and arrived + lost = sent. */
  function checkAccounting(run: Run, before: number): Incomplete {
    const json = readExport(run.dir);
    const incomplete = json.incomplete as Incomplete;
    const received = quick.received - before;
    const lines = records(run.dir).length;
    expect(incomplete.records_received).toBe(lines);
    expect((incomplete.records_received ?? 0) + (incomplete.records_lost ?? 0)).toBe(incomplete.records_expected as number);
    // Sent credits include those cut before their request went out; the server never saw more.
    expect(received).toBeLessThanOrEqual(incomplete.records_expected as number);
    expect(lines).toBeLessThanOrEqual(received);
    expect(lines).toBeGreaterThan(0);
    return incomplete;
  }

  /** A run whose service `name` was killed: exit 4 soon after, the console and the JSON name it and the signal. */
  async function killedIncomplete(run: Run, hitAt: number, name: string) {
    const { code, out, atMs } = await run.exited;
    expect(code).toBe(4);
    // The dead service's records never come: 5 s without one ends the wait.
    expect(atMs - hitAt).toBeLessThan(15_000);
    expect(out).toContain(`Service "${name}"`);
    expect(out).toContain("Results are incomplete");
    const json = readExport(run.dir);
    const incomplete = json.incomplete as Incomplete;
    expect(incomplete.reasons[0]).toContain(`"${name}"`);
    expect(incomplete.reasons[0]).toContain("SIGKILL");
    return { json, incomplete };
  }

  // A record processor runs only when asked for (by default the records service parses).
  const WITH_PROCESSOR = ["--concurrency", "4", "--request-count", "2000", "--record-processors", "1"];

  // With two workers timing is a thread of the controller and outlives the worker, so the count of
  // records lost is known.
  test.each([
    ["worker:0", " of two", ["--concurrency", "4", "--request-count", "2000", "--workers-max", "2"]],
    ["record-processor:0", "", WITH_PROCESSOR],
  ])(
    "kill -9 %s%s: the summary holds what arrived, marked incomplete, exit 4",
    async (name, _of, flags) => {
      const { run, before, hitAt } = await hit(name, "SIGKILL", flags);
      const { json } = await killedIncomplete(run, hitAt, name);
      const incomplete = checkAccounting(run, before);
      expect((json.request_count?.avg ?? 0) + (json.error_request_count?.avg ?? 0)).toBe(incomplete.records_received as number);
      expect(await leftRunning(run.mark)).toEqual([]);
    },
    60_000,
  );

  // The only worker hosts timing (controller/timing-host.ts): both die, and the count of credits
  // sent comes from the file timing kept it in (protocol/sent-counts.ts), so the lost are counted.
  test("kill -9 the only worker, which hosts timing: the summary holds what arrived, marked incomplete, counts the lost, exit 4", async () => {
    const { run, before, hitAt } = await hit("worker:0", "SIGKILL");
    const { json, incomplete } = await killedIncomplete(run, hitAt, "worker:0");
    checkAccounting(run, before);
    // At most the 4 slots' credits were sent and never reached the server.
    expect((incomplete.records_expected as number) - (quick.received - before)).toBeLessThanOrEqual(4);
    expect((json.request_count?.avg ?? 0) + (json.error_request_count?.avg ?? 0)).toBe(incomplete.records_received as number);
    expect(await leftRunning(run.mark)).toEqual([]);
  }, 60_000);

  // By default records parses the replies itself; with --record-processors 1 it only keeps them.
  test.each([
    ["parsing the replies (the default)", undefined],
    ["with a record processor", WITH_PROCESSOR],
  ])(
    "kill -9 the records service %s: the controller writes the summary itself, marked incomplete, exit 4",
    async (_how, flags) => {
      const { run, before, hitAt } = await hit("records:0", "SIGKILL", flags);
      const { code, out, atMs } = await run.exited;
      expect(code).toBe(4);
      expect(atMs - hitAt).toBeLessThan(5000);
      expect(out).toContain('No metrics: Service "records:0"');
      const json = readExport(run.dir);
      const incomplete = json.incomplete as Incomplete;
      expect(json.was_cancelled).toBe(true);
      expect(incomplete.reasons[0]).toContain('"records:0"');
      // The records streamed before it died stay on disk.
      expect(existsSync(join(run.dir, "profile_export.jsonl"))).toBe(true);
      expect(records(run.dir).length).toBeLessThanOrEqual(quick.received - before);
      expect(incomplete.records_expected as number).toBeGreaterThanOrEqual(quick.received - before);
      expect(await leftRunning(run.mark)).toEqual([]);
    },
    60_000,
  );

  test("a record processor frozen past the heartbeat timeout is detected and killed: incomplete, exit 4", async () => {
    const { run, before, hitAt } = await hit("record-processor:0", "SIGSTOP", WITH_PROCESSOR);
    const { code, out, atMs } = await run.exited;
    expect(code).toBe(4);
    // 10 s of silence to be declared frozen, then 5 s without records.
    expect(atMs - hitAt).toBeLessThan(25_000);
    expect(out).toContain("sent no heartbeat");
    const incomplete = checkAccounting(run, before);
    expect(incomplete.reasons[0]).toContain("(frozen)");
    expect(await leftRunning(run.mark)).toEqual([]);
  }, 60_000);

  test("a record processor frozen for less than the heartbeat timeout: its records are lost, the run says how many, exit 5", async () => {
    // A short run: it ends, and the records service gives up on the frozen processor's records
    // (5 s without one), before the 10 s heartbeat timeout would call the processor dead.
    const { run, before } = await hit("record-processor:0", "SIGSTOP", ["--concurrency", "4", "--request-count", "60", "--record-processors", "1"]);
    const { code, out } = await run.exited;
    expect(code).toBe(5);
    expect(out).toMatch(/\d+ of 60 records were lost/);
    const json = readExport(run.dir);
    const incomplete = json.incomplete as Incomplete;
    expect(incomplete.records_expected).toBe(60);
    expect(incomplete.records_lost as number).toBeGreaterThan(0);
    expect((incomplete.records_received ?? 0) + (incomplete.records_lost ?? 0)).toBe(60);
    expect(records(run.dir).length).toBe(incomplete.records_received as number);
    expect(quick.received - before).toBe(60);
    expect(await leftRunning(run.mark)).toEqual([]);
  }, 60_000);

  // The server-metrics collector is a thread of the controller (controller/launchers.ts), so there
  // is no process to kill -9: AIPERF_TEST_CRASH_THREAD, a test-only hook, makes its thread crash
  // (an uncaught error inside it) when the controller gets SIGUSR2, at the same moment of the run.
  test("the server-metrics collector's thread crashes mid-run (test hook): a warning, the run completes, exit 0", async () => {
    const before = quick.received;
    const run = startRun(quick.url, ["--concurrency", "4", "--request-count", "200"], [], { AIPERF_TEST_CRASH_THREAD: "server-metrics:0" });
    await serverGot(quick, before, 40);
    process.kill(run.pid, "SIGUSR2");
    const { code, out } = await run.exited;
    expect(code).toBe(0);
    expect(out).toContain('Service "server-metrics:0" (a thread of the controller) failed: ');
    expect(out).toContain("crashed on purpose");
    expect(out).toContain("the run goes on without server-metrics");
    expect(quick.received - before).toBe(200);
    expect(records(run.dir).length).toBe(200);
    const json = readExport(run.dir);
    expect(json.request_count.avg).toBe(200);
    expect(json.incomplete).toBeUndefined();
    expect(json.was_cancelled).toBe(false);
    expect(await leftRunning(run.mark)).toEqual([]);
  }, 60_000);
});
