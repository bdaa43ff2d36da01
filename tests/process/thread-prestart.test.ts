/**
 * A service thread started before its spec exists (runtime/thread-prestart.ts, started by src/main.ts
 * for `aiperf profile`): the supervisor's launch of that service takes it instead of starting a new
 * thread, hands it the spec and the environment of the moment, and it runs as any service thread.
 * (The compiled binary's runs take the dataset's thread this way; tests/e2e/plugins.test.ts's dataset
 * plugin needs the AIPERF_PLUGINS set after the thread started.)
 */
import { afterEach, expect, test } from "bun:test";
import { setBusLogger } from "../../src/bus/index.ts";
import { busDemoServices, runBusDemo } from "../../src/controller/bus-demo.ts";
import { processLauncher } from "../../src/controller/launchers.ts";
import { Supervisor } from "../../src/controller/supervisor.ts";
import { selfCommand } from "../../src/core/self.ts";
import { prestartServiceThread, takePrestartedThread } from "../../src/runtime/thread-prestart.ts";
import { memoryLogger } from "./helpers.ts";

setBusLogger({ warn: () => {}, debug: () => {} });

let current: Supervisor | undefined;
afterEach(async () => {
  await current?.shutdown("test over");
  current = undefined;
});

test("a prestarted thread is taken by its service's launch, once, and runs the service", async () => {
  prestartServiceThread("demo-worker", "0", false);
  // Another service, or another id of the same role, does not take it.
  expect(takePrestartedThread("demo-worker", "1")).toBeUndefined();
  expect(takePrestartedThread("dataset", "0")).toBeUndefined();
  const { log, lines } = memoryLogger();
  current = new Supervisor({ launcher: processLauncher(selfCommand(), new Set(["demo-worker"])), log, logLevel: "debug", shutdownGraceMs: 1000 });
  await current.start(busDemoServices(2));
  const taken = lines.filter((l) => l.includes("runs on the thread started at launch"));
  expect(taken).toHaveLength(1);
  expect(taken[0]).toContain("demo-worker:0");
  const result = await runBusDemo(current, { workers: 2, messages: 2_000, window: 16, messageBytes: 16 });
  expect(result.returns).toBe(2_000);
  for (const n of result.workerCredits) expect(n).toBeGreaterThan(0);
  // Taken: nothing is left to take.
  expect(takePrestartedThread("demo-worker", "0")).toBeUndefined();
});
