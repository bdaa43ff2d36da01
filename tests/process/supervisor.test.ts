import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setBusLogger } from "../../src/bus/index.ts";
import { busDemoServices, runBusDemo } from "../../src/controller/bus-demo.ts";
import { inProcessLauncher, type Launcher, processLauncher } from "../../src/controller/launchers.ts";
import { type ServiceRequest, Supervisor, type SupervisorOptions } from "../../src/controller/supervisor.ts";
import type { BenchError } from "../../src/core/errors.ts";
import { isAlive, memoryLogger, waitUntil } from "./helpers.ts";

/** A demo worker as a worker node starts it on its own, on the supervisor's endpoints in `dir`. */
function nodeWorkerSpec(dir: string) {
  return {
    role: "demo-worker",
    id: "n1.0",
    config: {},
    control: `ipc://${dir}/control.ipc`,
    events: `ipc://${dir}/events.ipc`,
    bindTemplate: `ipc://${dir}/{name}.ipc`,
    logLevel: "warn" as const,
    heartbeatMs: 1000,
  };
}

setBusLogger({ warn: () => {}, debug: () => {} });

let current: Supervisor | undefined;
afterEach(async () => {
  await current?.shutdown("test over");
  current = undefined;
});

function supervisor(options: Partial<SupervisorOptions> & { launcher: Launcher }): { sup: Supervisor; lines: string[] } {
  const { log, lines } = memoryLogger();
  current = new Supervisor({ log, logLevel: "warn", ...options });
  return { sup: current, lines };
}

const WAYS = [
  { way: "in one process", launcher: () => inProcessLauncher(), transport: "inproc" as const },
  { way: "in child processes over ipc", launcher: () => processLauncher(), transport: "ipc" as const },
  { way: "in child processes over tcp", launcher: () => processLauncher(), transport: "tcp" as const },
];

describe.each(WAYS)("the bus demo $way", ({ launcher, transport }) => {
  test("registers 1 + 8 services, exchanges every credit, and shuts down cleanly", async () => {
    const { sup } = supervisor({ launcher: launcher(), transport });
    await sup.start(busDemoServices(8));
    const result = await runBusDemo(sup, { workers: 8, messages: 100_000, window: 64, messageBytes: 16 });
    expect(result.credits).toBe(100_000);
    expect(result.returns).toBe(100_000);
    expect(result.perWorker.reduce((a, b) => a + b, 0)).toBe(100_000);
    expect(result.workerCredits).toEqual(result.perWorker);
    for (const n of result.workerCredits) expect(n).toBeGreaterThan(0);

    const services = sup.services();
    expect(services.map((s) => s.name).sort()).toEqual(
      busDemoServices(8)
        .map((s) => `${s.role}:${s.id}`)
        .sort(),
    );
    const pids = transport === "inproc" ? [] : services.map((s) => s.pid as number);
    if (transport !== "inproc") {
      expect(new Set(pids).size).toBe(9);
      expect(pids).not.toContain(process.pid);
      // Roles load lazily: a worker child never evaluates controller or other roles' code.
      const worker = services.find((s) => s.name === "demo-worker:0");
      expect(worker?.loaded).toEqual(["role:demo-worker"]);
    }
    expect(services.every((s) => !s.stopped)).toBe(true);
    await sup.shutdown();
    expect(sup.services().every((s) => s.stopped)).toBe(true);
    for (const pid of pids) expect(await waitUntil(() => !isAlive(pid), 2000)).toBeGreaterThanOrEqual(0);
  });
});

/** The hub as a guest of demo-worker:0: one process (or task) runs both, on one event loop. */
function hubInWorker(workers: number): ServiceRequest[] {
  const [hub, first, ...rest] = busDemoServices(workers);
  return [{ ...(first as ServiceRequest), with: [hub as ServiceRequest] }, ...(rest as ServiceRequest[])];
}

describe.each(WAYS)("a service hosted in another's process, $way", ({ launcher, transport }) => {
  test("both register and answer apart, share the host's pid, and stop together", async () => {
    const { sup } = supervisor({ launcher: launcher(), transport });
    await sup.start(hubInWorker(2));
    const result = await runBusDemo(sup, { workers: 2, messages: 10_000, window: 16, messageBytes: 16 });
    expect(result.returns).toBe(10_000);
    const byName = new Map(sup.services().map((s) => [s.name, s]));
    expect([...byName.keys()].sort()).toEqual(["demo-hub:0", "demo-worker:0", "demo-worker:1"]);
    if (transport !== "inproc") {
      expect(byName.get("demo-hub:0")?.pid).toBe(byName.get("demo-worker:0")?.pid as number);
      expect(byName.get("demo-worker:1")?.pid).not.toBe(byName.get("demo-worker:0")?.pid as number);
      expect(byName.get("demo-hub:0")?.loaded).toContain("role:demo-hub");
    }
    await sup.shutdown();
    expect(sup.services().every((s) => s.stopped)).toBe(true);
  });
});

describe("supervision of child processes", () => {
  test("a service started elsewhere (a worker node's) that registers before it is adopted is not lost", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sup-early-"));
    try {
      const { sup, lines } = supervisor({ launcher: processLauncher(), ipcDir: dir, registrationTimeoutMs: 1500, shutdownGraceMs: 500 });
      await sup.start(busDemoServices(0));
      // As a node does: it starts its services on its own, before the controller takes them in.
      const spec = nodeWorkerSpec(dir);
      const handle = processLauncher().launch(spec, memoryLogger().log);
      await Bun.sleep(1500);
      await sup.adopt([{ name: "demo-worker:n1.0", handle }]);
      const { endpoint } = await sup.command("demo-hub:0", "bind");
      expect(await sup.command("demo-worker:n1.0" as "demo-worker:0", "connect", { endpoint })).toBeDefined();
      expect(lines.join("\n")).not.toContain("unknown service");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a node's services adopted while ours still register: start() and adopt() both resolve", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sup-adopt-"));
    try {
      const real = processLauncher();
      // demo-worker:0 starts late, so start() is still waiting when adopt() begins to wait too.
      const late: Launcher = {
        kind: "process",
        launch: (spec, log, env) => {
          if (spec.id !== "0" || spec.role !== "demo-worker") return real.launch(spec, log, env);
          let handle: ReturnType<Launcher["launch"]> | undefined;
          const started = Bun.sleep(1500).then(() => (handle = real.launch(spec, log, env)));
          return {
            pid: undefined,
            exited: started.then((h) => h.exited),
            kill: (signal) => void started.then(() => handle?.kill(signal)),
          };
        },
      };
      const { sup } = supervisor({ launcher: late, ipcDir: dir, registrationTimeoutMs: 10_000, shutdownGraceMs: 500 });
      const starting = sup.start(busDemoServices(1));
      const spec = nodeWorkerSpec(dir);
      const adopted = sup.adopt([{ name: "demo-worker:n1.0", handle: real.launch(spec, memoryLogger().log) }]);
      const t0 = performance.now();
      await Promise.all([starting, adopted]);
      // Well before the registration timeout (before the fix, start() waited all of it and failed).
      expect(performance.now() - t0).toBeLessThan(8000);
      expect(sup.services().every((s) => !s.stopped)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("names the service that did not register in time", async () => {
    const real = processLauncher();
    // Service demo-worker:1 is a process that never speaks the control protocol.
    const silent = processLauncher([process.execPath, "-e", "setInterval(() => {}, 1000)"]);
    const launcher: Launcher = { kind: "process", launch: (spec, log, env) => (spec.id === "1" ? silent : real).launch(spec, log, env) };
    const { sup } = supervisor({ launcher, registrationTimeoutMs: 1500, shutdownGraceMs: 500 });
    const starting = sup.start(busDemoServices(2));
    // A service that registered can be put to work while start() still waits for the others.
    await sup.whenRegistered("demo-hub:0");
    expect(await sup.command("demo-hub:0", "bind")).toHaveProperty("endpoint");
    const never = sup.whenRegistered("demo-worker:1").catch((e: unknown) => e);
    const error = (await starting.catch((e: unknown) => e)) as BenchError;
    expect(error.code).toBe("SERVICE_START_TIMEOUT");
    // Whoever waited for the silent one hears the same failure.
    expect(await never).toBe(error);
    expect(error.message).toContain("demo-worker:1");
    expect(error.message).not.toContain("demo-worker:0");
    expect(error.message).not.toContain("demo-hub:0");
  });

  test("notices a killed child within a second and stops all the others", async () => {
    const { sup, lines } = supervisor({ launcher: processLauncher() });
    await sup.start(busDemoServices(4));
    const failed = new Promise<{ error: BenchError; at: number }>((resolve) => sup.onFailure((error) => resolve({ error, at: performance.now() })));
    const victim = sup.services().find((s) => s.name === "demo-worker:2");
    const others = sup
      .services()
      .filter((s) => s !== victim)
      .map((s) => s.pid as number);
    const killedAt = performance.now();
    process.kill(victim?.pid as number, "SIGKILL");
    const { error, at } = await failed;
    expect(at - killedAt).toBeLessThan(1000);
    expect(error.code).toBe("SERVICE_DIED");
    expect(error.message).toContain("demo-worker:2");
    expect(error.message).toContain("SIGKILL");
    expect(lines.some((l) => l.startsWith("error") && l.includes("demo-worker:2"))).toBe(true);
    await sup.shutdown();
    for (const pid of others) expect(await waitUntil(() => !isAlive(pid), 2000)).toBeGreaterThanOrEqual(0);
  });

  test("a host killed takes its guest with it: each is reported lost, the host first", async () => {
    const { sup } = supervisor({ launcher: processLauncher() });
    await sup.start(hubInWorker(2));
    const lost: string[] = [];
    sup.onServiceLost((name) => (lost.push(name), true));
    process.kill(sup.services().find((s) => s.name === "demo-worker:0")?.pid as number, "SIGKILL");
    expect(await waitUntil(() => lost.length === 2, 3000)).toBeGreaterThanOrEqual(0);
    expect(lost).toEqual(["demo-worker:0", "demo-hub:0"]);
    expect(await sup.command("demo-hub:0", "bind").catch((e: BenchError) => e.code)).toBe("SERVICE_DIED");
    expect(await sup.command("demo-worker:1", "stats")).toEqual({ credits: 0 });
  });

  test("a guest that fails takes its host's process down at once, with exit 1; the host alone runs on", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sup-guest-fails-"));
    // No controller listens: a demo worker waits for one until stopped, as `alone` shows.
    const host = nodeWorkerSpec(dir);
    const { log, lines } = memoryLogger();
    const alone = processLauncher().launch({ ...host, id: "n1.1" }, memoryLogger().log);
    const paired = processLauncher().launch(host, log, undefined, [{ ...host, role: "no-such-role", id: "g" } as unknown as typeof host]);
    try {
      const outcome = await Promise.race([paired.exited, Bun.sleep(4_000).then(() => "still running" as const)]);
      expect(outcome).toMatchObject({ code: 1 });
      expect(lines.join("\n")).toContain('Unknown role "no-such-role"');
      expect(isAlive(alone.pid as number)).toBe(true);
    } finally {
      alone.kill("SIGKILL");
      paired.kill("SIGKILL");
      await alone.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("in one process too, a guest that fails stops its host, and the handle settles with 1", async () => {
    // No controller binds these inproc:// endpoints: the demo worker would wait for one until stopped.
    const host = { ...nodeWorkerSpec("unused"), control: "inproc://no-controller-control", events: "inproc://no-controller-events" };
    host.bindTemplate = "inproc://{name}";
    const { log, lines } = memoryLogger();
    const paired = inProcessLauncher().launch(host, log, undefined, [{ ...host, role: "no-such-role", id: "g" } as unknown as typeof host]);
    try {
      const outcome = await Promise.race([paired.exited, Bun.sleep(4_000).then(() => "still running" as const)]);
      expect(outcome).toMatchObject({ code: 1 });
      expect(lines.join("\n")).toContain('Unknown role "no-such-role"');
    } finally {
      paired.kill("SIGKILL");
      await paired.exited;
    }
  });

  test("a lost service the run copes without: no failure, its pending and later commands fail at once, the others still answer", async () => {
    const { sup } = supervisor({ launcher: processLauncher(), heartbeatMs: 100, heartbeatTimeoutMs: 800 });
    await sup.start(busDemoServices(2));
    let failed = false;
    sup.onFailure(() => (failed = true));
    const lost: string[] = [];
    sup.onServiceLost((name) => (lost.push(name), true));
    const victim = sup.services().find((s) => s.name === "demo-worker:1")?.pid as number;
    // A command the frozen service never answers: it must fail when the service is declared lost.
    process.kill(victim, "SIGSTOP");
    const pending = sup.command("demo-worker:1", "stats", undefined, 60_000).catch((e: BenchError) => e);
    const error = (await pending) as BenchError;
    expect(error.code).toBe("SERVICE_DIED");
    expect(error.message).toContain("frozen");
    expect(lost).toEqual(["demo-worker:1"]);
    expect(failed).toBe(false);
    const later = Date.now();
    expect(((await sup.command("demo-worker:1", "stats").catch((e: BenchError) => e)) as BenchError).code).toBe("SERVICE_DIED");
    expect(Date.now() - later).toBeLessThan(100);
    expect(await sup.command("demo-worker:0", "stats")).toEqual({ credits: 0 });
    expect(await waitUntil(() => !isAlive(victim), 2000)).toBeGreaterThanOrEqual(0);
  });

  test("declares a frozen child dead when its heartbeats stop", async () => {
    const { sup } = supervisor({ launcher: processLauncher(), heartbeatMs: 100, heartbeatTimeoutMs: 800 });
    await sup.start(busDemoServices(1));
    const failed = new Promise<BenchError>((resolve) => sup.onFailure(resolve));
    const frozen = sup.services().find((s) => s.name === "demo-worker:0")?.pid as number;
    process.kill(frozen, "SIGSTOP");
    const error = await failed;
    expect(error.message).toContain("demo-worker:0");
    expect(error.message).toContain("heartbeat");
    expect(await waitUntil(() => !isAlive(frozen), 2000)).toBeGreaterThanOrEqual(0);
  });

  test("forwards each child's log lines to the controller's logger with the child's tag", async () => {
    const { sup, lines } = supervisor({ launcher: processLauncher(), logLevel: "debug" });
    await sup.start(busDemoServices(1));
    await sup.shutdown("checking logs");
    expect(lines.some((l) => l.includes("[demo-worker:0]") && l.includes("Shutting down: checking logs"))).toBe(true);
  });
});
