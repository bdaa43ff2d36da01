/**
 * Services as threads of the controller's process (controller/launchers.ts, runtime/service-thread.ts):
 * a real Bun Worker running the role from src/main.ts, on real ipc:// sockets beside child
 * processes, supervised as children are: registration, commands, log lines, shutdown, and a
 * thread that fails, crashes or is killed reported as a dead child is.
 */
import { afterEach, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setBusLogger } from "../../src/bus/index.ts";
import { busDemoServices, runBusDemo } from "../../src/controller/bus-demo.ts";
import { processLauncher } from "../../src/controller/launchers.ts";
import { Supervisor, type SupervisorOptions } from "../../src/controller/supervisor.ts";
import { selfCommand } from "../../src/core/self.ts";
import type { BenchError } from "../../src/core/errors.ts";
import { isAlive, memoryLogger, waitUntil } from "./helpers.ts";

setBusLogger({ warn: () => {}, debug: () => {} });

/** Threads of this process that run a demo service (a service thread is named after its service). */
const threads = (): number =>
  readdirSync("/proc/self/task").filter((t) => {
    try {
      return readFileSync(`/proc/self/task/${t}/comm`, "utf8").startsWith("demo-worker:");
    } catch {
      return false; // ended while we looked
    }
  }).length;
const threadsAtStart = threads();

let current: Supervisor | undefined;
afterEach(async () => {
  await current?.shutdown("test over");
  current = undefined;
  // Every service thread has ended.
  expect(await waitUntil(() => threads() === threadsAtStart, 5000)).toBeGreaterThanOrEqual(0);
});

function supervisor(threadRoles: string[], options: Partial<SupervisorOptions> = {}): { sup: Supervisor; lines: string[] } {
  const { log, lines } = memoryLogger();
  current = new Supervisor({ launcher: processLauncher(selfCommand(), new Set(threadRoles)), log, logLevel: "debug", shutdownGraceMs: 1000, ...options });
  return { sup: current, lines };
}

test("threads beside a child process: register with the controller's pid, exchange every credit, log under their names, stop on shutdown", async () => {
  const before = threads();
  const { sup, lines } = supervisor(["demo-worker"]);
  await sup.start(busDemoServices(3));
  const byName = new Map(sup.services().map((s) => [s.name, s]));
  // The hub is a child process; the three workers are threads of this process.
  expect(byName.get("demo-hub:0")?.pid).not.toBe(process.pid);
  expect(isAlive(byName.get("demo-hub:0")?.pid as number)).toBe(true);
  for (let i = 0; i < 3; i++) expect(byName.get(`demo-worker:${i}`)?.pid).toBe(process.pid);
  expect(threads()).toBe(before + 3);
  const result = await runBusDemo(sup, { workers: 3, messages: 30_000, window: 64, messageBytes: 16 });
  expect(result.returns).toBe(30_000);
  for (const n of result.workerCredits) expect(n).toBeGreaterThan(0);
  await sup.shutdown("checking threads");
  expect(sup.services().every((s) => s.stopped)).toBe(true);
  expect(lines.some((l) => l.includes("[demo-worker:1]") && l.includes("Shutting down: checking threads"))).toBe(true);
});

test("a role that fails in its thread: the start fails naming the service and why", async () => {
  const { sup } = supervisor(["no-such-role"], { registrationTimeoutMs: 20_000 });
  const error = (await sup
    .start([
      { role: "demo-hub", id: "0" },
      { role: "no-such-role", id: "0" },
    ])
    .catch((e: unknown) => e)) as BenchError;
  expect(error.code).toBe("SERVICE_DIED");
  expect(error.message).toContain('Service "no-such-role:0" (a thread of the controller) failed: Unknown role "no-such-role"');
});

test("a thread that crashes mid-run (uncaught error, AIPERF_TEST_CRASH_THREAD + SIGUSR2) is lost as a dead child is; the others go on", async () => {
  // In a process of its own (thread-crash-controller.ts): bun test takes a Worker's uncaught errors.
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "thread-crash-controller.ts")], { stdout: "pipe", stderr: "pipe" });
  const killer = setTimeout(() => proc.kill("SIGKILL"), 30_000);
  try {
    const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    expect(await proc.exited, err).toBe(0);
    const report = JSON.parse(out.trim().split("\n").pop() as string);
    expect(report.name).toBe("demo-worker:1");
    expect(report.code).toBe("SERVICE_DIED");
    expect(report.message).toContain('Service "demo-worker:1" (a thread of the controller) failed: ');
    expect(report.message).toContain("crashed on purpose");
    expect(report.othersAnswer).toEqual({ credits: 0 });
  } finally {
    clearTimeout(killer);
    proc.kill("SIGKILL");
  }
});

test("SIGKILL of a thread's handle ends it at once, even while it cannot reach the controller", async () => {
  const before = threads();
  const spec = {
    role: "demo-worker",
    id: "9",
    config: {},
    control: "ipc:///nonexistent-aiperf-test/control.ipc",
    events: "ipc:///nonexistent-aiperf-test/events.ipc",
    bindTemplate: "ipc:///nonexistent-aiperf-test/{name}.ipc",
    logLevel: "warn" as const,
    heartbeatMs: 1000,
  };
  const handle = processLauncher(selfCommand(), new Set(["demo-worker"])).launch(spec, memoryLogger().log);
  expect(handle.pid).toBeUndefined();
  await Bun.sleep(300);
  const t0 = performance.now();
  handle.kill("SIGKILL");
  await handle.exited;
  expect(performance.now() - t0).toBeLessThan(2000);
  expect(await waitUntil(() => threads() === before, 5000)).toBeGreaterThanOrEqual(0);
});
