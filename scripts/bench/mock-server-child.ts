/**
 * The mock server in a process of its own, for the pipeline benchmarks: `mock-server-child.ts
 * '{"ttft":0,"itl":1,"osl":50,"recordWrites":false}'` prints `ready <url>` and serves until
 * SIGTERM or until its stdin closes (the benchmark went away).
 */
import { createMockServer } from "../../src/mock-server/server.ts";

const flags = JSON.parse(process.argv[2] ?? "{}") as { ttft?: number; itl?: number; osl?: number; recordWrites?: boolean };
const server = createMockServer(
  { port: 0, randomSeed: 1, ttft: flags.ttft ?? 0, itl: flags.itl ?? 1, osl: flags.osl ?? 50 },
  { recordWrites: flags.recordWrites === true },
);
process.stdout.write(`ready ${server.url}\n`);

const stop = (): void => {
  void server.stop().finally(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
void (async () => {
  const reader = Bun.stdin.stream().getReader();
  while (!(await reader.read()).done) {
    // nothing is sent on stdin; end of file means the parent is gone
  }
  stop();
})();
