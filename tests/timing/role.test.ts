/** The timing role for real: in-process service, credits ROUTER, two DEALER workers that echo returns. */
import { afterEach, expect, test } from "bun:test";
import { type BusSocket, createSocket, type Message, setBusLogger } from "../../src/bus/index.ts";
import { inProcessLauncher } from "../../src/controller/launchers.ts";
import { Supervisor } from "../../src/controller/supervisor.ts";
import { monoNs } from "../../src/core/clock.ts";
import { type Credit, type CreditReturn, decodeJson, encodeJson } from "../../src/protocol/pipeline.ts";
import type { TimingPhaseResult, TimingPlanInput } from "../../src/protocol/timing-plan.ts";
import { SEND_LEAD_NS } from "../../src/services/timing/clock.ts";
import { memoryLogger } from "../process/helpers.ts";

setBusLogger({ warn: () => {}, debug: () => {} });

type Received = { worker: string; credit: Credit; atNs: number };

let sup: Supervisor | undefined;
const sockets: BusSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await sup?.shutdown("test over");
  sup = undefined;
});

async function startTiming(): Promise<{ sup: Supervisor; endpoint: string; events: { name: string; payload: unknown }[] }> {
  const { log } = memoryLogger();
  const s = new Supervisor({ launcher: inProcessLauncher(), log, logLevel: "warn" });
  sup = s;
  const events: { name: string; payload: unknown }[] = [];
  for (const name of ["phase_start", "progress", "phase_complete"] as const) s.on(name, (_from, payload) => events.push({ name, payload }));
  await s.start([{ role: "timing", id: "0" }]);
  const { endpoint } = await s.command("timing:0", "bind");
  return { sup: s, endpoint, events };
}

/** A worker that answers each credit with a return after `holdMs`. */
function echoWorker(identity: string, endpoint: string, holdMs: number, received: Received[]): void {
  const socket = createSocket("DEALER", { identity, name: identity });
  socket.onMessage((msg: Message) => {
    const credit = decodeJson<Credit>(msg[0]);
    received.push({ worker: identity, credit, atNs: monoNs() });
    const ret: CreditReturn = { id: credit.id, phase: credit.phase, worker: identity };
    setTimeout(() => void socket.send(encodeJson(ret)), holdMs);
  });
  socket.connect(endpoint);
  sockets.push(socket);
}

const WORKERS = ["worker:0", "worker:1"];

test("runs warmup then profiling over the bus, paced at the rate, spread over both workers", async () => {
  const { sup, endpoint, events } = await startTiming();
  const received: Received[] = [];
  for (const w of WORKERS) echoWorker(w, endpoint, 3, received);
  const plan: TimingPlanInput = {
    workers: WORKERS,
    rateMode: "constant",
    requestRate: 200,
    requestCount: 150,
    warmupRequestCount: 5,
    conversations: 10,
    randomSeed: 1,
  };
  const result = await sup.command("timing:0", "run", plan, 60_000);

  expect(result).toMatchObject({ cancelled: false, randomSeed: 1 });
  const [warmup, profiling] = result.phases as [TimingPhaseResult, TimingPhaseResult];
  expect(warmup).toMatchObject({ phase: "warmup", sent: 5, completed: 5, timeoutTriggered: false });
  expect(profiling).toMatchObject({ phase: "profiling", sent: 150, completed: 150, timeoutTriggered: false });
  expect(profiling.startNs).toBeGreaterThanOrEqual(warmup.endNs);

  expect(received).toHaveLength(155);
  for (const w of WORKERS) expect(received.filter((r) => r.worker === w).length).toBeGreaterThan(20);
  // Credits leave at most the lead ahead of their time (the worker waits the rest), never earlier.
  expect(received.filter((r) => r.atNs < r.credit.intendedNs - SEND_LEAD_NS)).toEqual([]);
  expect(received.filter((r) => r.credit.phase === "profiling" && r.atNs < r.credit.intendedNs).length).toBeGreaterThan(75);

  const intended = received
    .filter((r) => r.credit.phase === "profiling")
    .map((r) => r.credit.intendedNs)
    .sort((a, b) => a - b);
  const gapsNs = intended.slice(1).map((t, k) => t - (intended[k] ?? 0));
  // 5 ms apart on the schedule; a stall over 10 ms on a busy machine re-anchors (a longer gap), never a shorter one.
  expect(gapsNs.every((g) => g > 5e6 - 1000)).toBe(true);
  expect(gapsNs.filter((g) => Math.abs(g - 5e6) < 1000).length).toBeGreaterThan(gapsNs.length / 2);

  const names = events.map((e) => e.name);
  expect(names.filter((n) => n === "phase_start")).toHaveLength(2);
  expect(events.filter((e) => e.name === "phase_complete").map((e) => e.payload)).toEqual(result.phases);
  expect(names).toContain("progress");
});

test("cancel makes a long run stop issuing and resolve promptly", async () => {
  const { sup, endpoint } = await startTiming();
  const received: Received[] = [];
  for (const w of WORKERS) echoWorker(w, endpoint, 3, received);
  const plan: TimingPlanInput = { workers: WORKERS, rateMode: "poisson", requestRate: 100, durationSec: 300, graceSec: 30, conversations: 10 };
  const running = sup.command("timing:0", "run", plan, 60_000);
  while (received.length < 10) await Bun.sleep(10);
  expect(await sup.command("timing:0", "cancel")).toMatchObject({ cancelled: true });
  const cancelledAt = performance.now();
  const result = await running;
  // Credits in flight are back within milliseconds; the role allows them 2 s at most.
  expect(performance.now() - cancelledAt).toBeLessThan(10_000);
  expect(result.cancelled).toBe(true);
  expect(result.phases[0]).toMatchObject({ phase: "profiling", cancelled: true, timeoutTriggered: false });
  expect(result.phases[0]?.sent).toBe(received.length);
  expect(typeof result.randomSeed).toBe("number");
});

test("refuses a run before bind and an invalid plan", async () => {
  const { log } = memoryLogger();
  const s = new Supervisor({ launcher: inProcessLauncher(), log, logLevel: "error" });
  sup = s;
  await s.start([{ role: "timing", id: "0" }]);
  const plan: TimingPlanInput = { workers: WORKERS, rateMode: "constant", requestRate: 10, requestCount: 1, conversations: 1 };
  await expect(s.command("timing:0", "run", plan)).rejects.toThrow('"run" before "bind"');
  await s.command("timing:0", "bind");
  await expect(s.command("timing:0", "run", { ...plan, requestRate: undefined })).rejects.toThrow("need requestRate");
  expect(await s.command("timing:0", "cancel")).toEqual({ cancelled: false, inFlight: 0 });
});
