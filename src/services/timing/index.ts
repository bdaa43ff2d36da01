/**
 * The timing role: binds the credits ROUTER, and on "run" paces credits out to the worker DEALERs
 * (least-loaded first; a multi-turn session's turns stay on one worker) and counts their returns, phase by phase. "cancel" ends a run early.
 * Workers also report a credit's first response bytes on the same socket (CreditFirstByte), for the prefill ceiling.
 * Commands: "bind" → TimingBindResult; "run" (TimingPlan) → TimingResult; "cancel" → { cancelled, inFlight };
 * "in_flight" → credits not yet returned, by worker.
 * Events: "phase_start", "progress", "phase_complete" (protocol/timing-plan.ts).
 */
import { isMainThread } from "node:worker_threads";
import { type BusSocket, createSocket, type Message } from "../../bus/index.ts";
import { CreditClock, type CreditClockEstimate } from "../../cluster/credit-clock.ts";
import { monoNs, wallNs } from "../../core/clock.ts";
import { markLoaded } from "../../core/loaded.ts";
import { type DatasetReader, openDataset } from "../../protocol/dataset-file.ts";
import { type Credit, type CreditFirstByte, type CreditReturn, decodeJson, encodeJson } from "../../protocol/pipeline.ts";
import { sentCountsWriter } from "../../protocol/sent-counts.ts";
import { parseTimingPlan, type TimingBindResult, type TimingResult } from "../../protocol/timing-plan.ts";
import type { ServiceContext } from "../../runtime/context.ts";
import { untilStopped } from "../../runtime/until-stopped.ts";
import { systemClock } from "./clock.ts";
import { createTimingRun, type TimingRun } from "./timing-run.ts";
import { profilerDeps } from "./server-profiler.ts";

markLoaded("role:timing");

/** How long "run" waits for the plan's workers to connect. */
const CONNECT_TIMEOUT_MS = 30_000;

export async function run(ctx: ServiceContext<"timing">): Promise<void> {
  let router: BusSocket | undefined;
  let current: TimingRun | undefined;
  let cancelWaiting: AbortController | undefined;
  let nextCreditId = 0;
  /** Credits sent and not yet returned, by worker: what a lost worker node had in flight (queued credits once started). */
  const outstanding = new Map<string, number>();
  ctx.handle("in_flight", () => Object.fromEntries(outstanding));
  /** Each worker's clock as its credits see it (cluster/credit-clock.ts), with the clock epoch it was measured in. */
  const clocks = new Map<string, { epoch: number; clock: CreditClock }>();
  ctx.handle("credit_clock", () => {
    const out: Record<string, CreditClockEstimate> = {};
    for (const [worker, { clock }] of clocks) {
      const e = clock.estimate();
      if (e !== undefined) out[worker] = e;
    }
    return out;
  });

  ctx.handle("bind", (): TimingBindResult => {
    if (router !== undefined) throw new Error("The credits socket is already bound");
    const socket = createSocket("ROUTER", { name: `${ctx.name} credits`, routerMandatory: true });
    const endpoint = socket.bind(ctx.bindAddress("credits"));
    // Worker nodes on other hosts: the same socket also listens on TCP (config.tcp, a dual bind).
    const tcp = (ctx.config as { tcp?: string } | undefined)?.tcp;
    if (tcp !== undefined) socket.bind(tcp);
    // A worker in this process (timing hosted by it) connects here: no system call per credit.
    const local = endpoint.startsWith("inproc://") ? undefined : socket.bind(`inproc://${ctx.name}-credits`);
    socket.onMessage((msg: Message) => onReturn(msg));
    router = socket;
    return { endpoint, ...(local === undefined ? {} : { local }) };
  });

  const sampleClock = (ret: CreditReturn, backwardNs: number): void => {
    const epoch = ret.epoch ?? 0;
    let entry = clocks.get(ret.worker);
    if (entry === undefined) clocks.set(ret.worker, (entry = { epoch, clock: new CreditClock() }));
    else if (epoch > entry.epoch) {
      // A corrected worker clock starts a new estimate: its older delays measured the old clock.
      entry.epoch = epoch;
      entry.clock.reset();
    }
    if (epoch === entry.epoch) entry.clock.add(ret.forwardNs ?? Number.NaN, backwardNs);
  };

  const onReturn = (msg: Message): void => {
    let ret: CreditReturn | CreditFirstByte;
    try {
      ret = decodeJson<CreditReturn | CreditFirstByte>(msg[1]);
    } catch {
      return ctx.log.warn("Ignoring a credit return that is not JSON");
    }
    if ("firstByte" in ret) current?.onFirstByte(ret.id);
    else {
      if (ret.sentNs !== undefined) sampleClock(ret, monoNs() - ret.sentNs);
      // A queued credit counts once its worker starts it (in the slot of the credit that returned).
      if (ret.unsent !== true && ret.started === undefined) outstanding.set(ret.worker, Math.max(0, (outstanding.get(ret.worker) ?? 1) - 1));
      current?.onReturn(ret);
    }
  };

  ctx.handle("run", async (payload): Promise<TimingResult> => {
    const socket = router;
    if (socket === undefined) throw new Error('"run" before "bind"');
    if (current !== undefined || cancelWaiting !== undefined) throw new Error("A timing run is already in progress");
    const plan = parseTimingPlan(payload);
    const waiting = new AbortController();
    cancelWaiting = waiting;
    try {
      await waitForWorkers(socket, plan.workers.length, waiting.signal);
    } finally {
      cancelWaiting = undefined;
    }
    const timing = createTimingRun(plan, {
      clock: systemClock,
      wallNs,
      send: (worker, credit) => {
        if (credit.queued !== true) outstanding.set(worker, (outstanding.get(worker) ?? 0) + 1);
        sendCredit(socket, worker, credit, ctx);
      },
      emit: (name, event) => ctx.emit(name, event),
      warn: (message) => ctx.log.warn(message),
      firstCreditId: nextCreditId,
      queueDepth: plan.queuedCreditsPerSlot,
      ...(plan.sentCountsPath === undefined ? {} : { onSent: sentCountsWriter(plan.sentCountsPath) }),
      ...(plan.datasetPath === undefined ? {} : datasetDeps(plan.datasetPath)),
      ...(plan.serverProfiler === undefined ? {} : profilerDeps(plan.serverProfiler, ctx.log)),
    });
    if (waiting.signal.aborted) timing.cancel();
    current = timing;
    // As a thread of the controller, the process's figure would count the controller too.
    const cpuUsage = isMainThread ? (since?: NodeJS.CpuUsage) => process.cpuUsage(since) : (since?: NodeJS.CpuUsage) => process.threadCpuUsage(since);
    const cpuBefore = cpuUsage();
    try {
      const result = await timing.start();
      const cpu = cpuUsage(cpuBefore);
      return { ...result, cpu: { userUs: cpu.user, systemUs: cpu.system } };
    } finally {
      nextCreditId = timing.nextCreditId;
      current = undefined;
    }
  });

  const cancel = (): { cancelled: boolean; inFlight: number } => {
    const active = current !== undefined || cancelWaiting !== undefined;
    cancelWaiting?.abort();
    current?.cancel();
    return { cancelled: active, inFlight: current?.inFlight ?? 0 };
  };
  ctx.handle("cancel", cancel);
  ctx.signal.addEventListener("abort", () => void cancel(), { once: true });

  await untilStopped(ctx.signal);
  router?.close();
}

/** The mapped dataset file: turn counts and delays for sessions, timestamps for a fixed schedule. */
function datasetDeps(path: string): { sessions: DatasetReader; trace: DatasetReader } {
  const reader = openDataset(path);
  return { sessions: reader, trace: reader };
}

/** Resolves once `count` workers are connected, or at once when `signal` aborts (a cancel). */
async function waitForWorkers(socket: BusSocket, count: number, signal: AbortSignal): Promise<void> {
  const aborted = new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  await Promise.race([socket.waitForPeers(count, CONNECT_TIMEOUT_MS), aborted]);
}

/** Queues the credit to one worker; a full peer queue waits in the background rather than blocking pacing. */
function sendCredit(socket: BusSocket, worker: string, credit: Credit, ctx: ServiceContext<"timing">): void {
  credit.issuedNs = monoNs();
  const frames = [worker, encodeJson(credit)];
  if (socket.trySend(frames)) return;
  socket.send(frames).catch((error: unknown) => ctx.log.warn(`Credit ${credit.id} to "${worker}" was not sent:`, error));
}
