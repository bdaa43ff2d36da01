/**
 * A controller for service-thread.test.ts, run as its own `bun` process: under `bun test` an
 * uncaught error in a Worker is taken by the test runner, so the crash is tested where it
 * happens in the product, a plain process. Starts a demo hub (child process) and two demo workers
 * (threads), makes demo-worker:1's thread crash through AIPERF_TEST_CRASH_THREAD and SIGUSR2, and
 * prints one JSON line: what the supervisor reported lost, and whether demo-worker:0 still answers.
 */
import { createConsola } from "consola";
import { setBusLogger } from "../../src/bus/index.ts";
import { busDemoServices } from "../../src/controller/bus-demo.ts";
import { processLauncher } from "../../src/controller/launchers.ts";
import { Supervisor } from "../../src/controller/supervisor.ts";
import { selfCommand } from "../../src/core/self.ts";

setBusLogger({ warn: () => {}, debug: () => {} });
process.env.AIPERF_TEST_CRASH_THREAD = "demo-worker:1";
const log = createConsola({ level: 0 });
const sup = new Supervisor({ launcher: processLauncher(selfCommand(), new Set(["demo-worker"])), log, shutdownGraceMs: 1000 });
try {
  await sup.start(busDemoServices(2));
  const lost = new Promise<{ name: string; code: string; message: string }>((resolve) =>
    sup.onServiceLost((name, error) => (resolve({ name, code: error.code, message: error.message }), true)),
  );
  process.kill(process.pid, "SIGUSR2");
  const report = await lost;
  const stats = await sup.command("demo-worker:0", "stats");
  console.log(JSON.stringify({ ...report, othersAnswer: stats }));
} finally {
  await sup.shutdown("done");
}
