import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { setBusLogger } from "../../src/bus/index.ts";
import { type Launcher, processLauncher } from "../../src/controller/launchers.ts";
import { Supervisor } from "../../src/controller/supervisor.ts";
import type { BenchError } from "../../src/core/errors.ts";
import { memoryLogger } from "./helpers.ts";

setBusLogger({ warn: () => {}, debug: () => {} });

let current: Supervisor | undefined;
afterEach(async () => {
  await current?.shutdown("test over");
  current = undefined;
});

/** A supervisor with a 600 ms heartbeat timeout over one child that blocks for 1.5 s (or blockMs). */
async function blockingChild(announce: boolean, blockMs = 1500): Promise<{ busyMs: number; failure: BenchError | undefined; lateMs: number | undefined }> {
  const { log } = memoryLogger();
  const child = processLauncher([process.execPath, join(import.meta.dir, "busy-child.ts")]);
  const launcher: Launcher = {
    kind: "process",
    launch: (spec, l, env) => child.launch(spec, l, { ...env, BLOCK_MS: String(blockMs), ANNOUNCE: announce ? "1" : "0" }),
  };
  const sup = new Supervisor({ log, logLevel: "warn", launcher, heartbeatMs: 100, heartbeatTimeoutMs: 600, shutdownGraceMs: 500 });
  current = sup;
  let failure: BenchError | undefined;
  sup.onFailure((e) => (failure = e));
  await sup.start([{ role: "demo-worker", id: "0" }]);
  await Bun.sleep(1000);
  const busyMs = sup.busyRemainingMs();
  await Bun.sleep(1500);
  // The dashboard's health line: how late the last heartbeat came.
  const lateMs = sup.heartbeatLateness().find((h) => h.name === "demo-worker:0")?.lateMs;
  return { busyMs, failure, lateMs };
}

describe("a service that announces a long job (heartbeat busyMs)", () => {
  test("is not declared dead while it works, and the supervisor reports it busy", async () => {
    const { busyMs, failure } = await blockingChild(true);
    expect(failure).toBeUndefined();
    expect(busyMs).toBeGreaterThan(0);
  }, 20_000);

  test("the same block without the announcement is a frozen service", async () => {
    const { busyMs, failure } = await blockingChild(false);
    expect(busyMs).toBe(0);
    expect(failure?.code).toBe("SERVICE_DIED");
    expect(failure?.message).toContain("heartbeat");
  }, 20_000);
});

describe("heartbeat lateness (the live dashboard's health line)", () => {
  test("a loop held 400 ms without notice shows as a late heartbeat; an announced job does not count", async () => {
    // 400 ms held: under the 600 ms timeout, so the service lives; the beat after it is ~300 ms
    // late, and stays the shown worst for ~5 s (read here ~1.8 s after it).
    const held = await blockingChild(false, 400);
    expect(held.failure).toBeUndefined();
    expect(held.lateMs).toBeGreaterThanOrEqual(250);
    await current?.shutdown("next");
    const announced = await blockingChild(true, 400);
    expect(announced.failure).toBeUndefined();
    expect(announced.lateMs).toBeLessThan(250);
  }, 20_000);
});
