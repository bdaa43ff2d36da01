/**
 * What this machine can run, checked before anything starts: the number of service processes
 * (by CPUs and by available memory) and the open files the concurrency needs. Past a bound the
 * run would not fail fast on its own: 200 record processors started 204 processes and 11.7 GB,
 * then failed a registration timeout 30 s later with hundreds still running.
 */
import { readFileSync } from "node:fs";
import { availableParallelism, freemem } from "node:os";
import { BenchError } from "../core/errors.ts";
import type { ResolvedProfile } from "./resolve.ts";

export type Host = {
  cpus: number;
  /** Memory a new process can take: MemAvailable, or less under a cgroup limit. */
  availableBytes: number;
  /** RLIMIT_NOFILE as this process has it; undefined where it cannot be read (not Linux). */
  openFiles: number | undefined;
};

/** Workers and record processors per CPU: past this they only compete for the CPUs. */
const PROCESSES_PER_CPU = 8;
/** The CPU bound never goes below this, so a small machine still runs a useful fan-out. */
const MIN_PROCESS_CAP = 16;

/**
 * Resident memory per service, measured on the compiled binary during a run (VmRSS): a worker,
 * timing, records or a collector 55-57 MB, a record processor 96 MB (its tokenizer), the dataset
 * service 115 MB, the controller 62 MB. Rounded up: what a run costs before its data.
 */
const MB = 1024 * 1024;
const RSS = { worker: 64 * MB, recordProcessor: 100 * MB, other: 64 * MB, dataset: 128 * MB };
/** Only this share of the available memory is planned for: the data and the page cache need the rest. */
const MEMORY_SHARE = 0.8;

/**
 * Files a process holds besides its request sockets: the runtime's own (event loop, pipes, the
 * log, dataset.bin), and its bus connections. Measured (/proc/<pid>/fd): a service holds 9-12, the
 * controller 59 with 8 services; 64 leaves room.
 */
const BASE_FILES = 64;
/** The controller's per service: three stdio pipes and two bus connections (control, events). */
const FILES_PER_SERVICE = 6;

export function readHost(): Host {
  return { cpus: availableParallelism(), availableBytes: availableMemory(), openFiles: openFilesLimit() };
}

/** The fan-out flags as the user gave them (the resolved config holds the defaults too). */
type FanOutFlags = { workersMax?: number | undefined; recordProcessors?: number | undefined };

/** Throws a CONFIG_INVALID naming the flag, the bound and why, when `cfg` needs more than `host` has. */
export function checkBounds(cfg: ResolvedProfile, given: FanOutFlags, host: Host): void {
  const flags = fanOutFlags(cfg, given);
  checkProcessCount(cfg, flags, host);
  checkMemory(cfg, flags, host);
  checkOpenFiles(cfg, host);
}

/** "--record-processors 200", or what the defaults made when no flag was given. */
function fanOutFlags(cfg: ResolvedProfile, given: FanOutFlags): string {
  const flags = [
    ...(given.recordProcessors !== undefined ? [`--record-processors ${given.recordProcessors}`] : []),
    ...(given.workersMax !== undefined ? [`--workers-max ${given.workersMax}`] : []),
  ];
  return flags.length > 0 ? flags.join(" with ") : "the default fan-out";
}

function checkProcessCount(cfg: ResolvedProfile, flags: string, host: Host): void {
  const cap = Math.max(MIN_PROCESS_CAP, PROCESSES_PER_CPU * host.cpus);
  const count = cfg.workers + cfg.recordProcessors;
  if (count <= cap) return;
  throw new BenchError(
    "CONFIG_INVALID",
    `Too many processes: ${flags} would start ${cfg.recordProcessors === 0 ? `${count} worker processes` : `${cfg.workers} worker and ${cfg.recordProcessors} record processor processes (${count})`}; this machine has ${host.cpus} CPU(s), which run at most ${cap} (${PROCESSES_PER_CPU} per CPU, at least ${MIN_PROCESS_CAP}): more only compete for the CPUs and each costs ~60-100 MB`,
    {
      hint: `Give --workers-max and --record-processors at most ${cap} together (by default workers follow the CPU count and no record processor runs: the records service parses)`,
    },
  );
}

function checkMemory(cfg: ResolvedProfile, flags: string, host: Host): void {
  // With no record processor the records service parses, so it holds the tokenizer a processor would.
  const parser = cfg.recordProcessors === 0 ? RSS.recordProcessor - RSS.other : 0;
  const need = cfg.workers * RSS.worker + cfg.recordProcessors * RSS.recordProcessor + RSS.dataset + 5 * RSS.other + parser;
  const budget = host.availableBytes * MEMORY_SHARE;
  if (need <= budget) return;
  const gib = (n: number): string => `${(n / 1024 ** 3).toFixed(1)} GiB`;
  throw new BenchError(
    "CONFIG_INVALID",
    `Not enough memory: ${flags} would start ${cfg.workers + cfg.recordProcessors + 6} processes that need ~${gib(need)} before any data (~64 MB a worker, ~100 MB a record processor); ${gib(host.availableBytes)} is available and ${Math.round(MEMORY_SHARE * 100)}% of it is planned for`,
    { hint: "Use fewer worker or record processor processes (--workers-max, --record-processors), or free memory" },
  );
}

/** Requests that can be in flight at once (each holds one socket in a worker); undefined: unbounded. */
function inFlight(cfg: ResolvedProfile): number | undefined {
  const concurrency = cfg.concurrency === undefined ? undefined : Math.max(cfg.concurrency, cfg.warmupConcurrency ?? 0);
  // A counted run never has more in flight than it sends.
  const sends = cfg.requestCount === undefined ? undefined : cfg.requestCount + cfg.warmupRequestCount;
  if (concurrency === undefined) return sends;
  return sends === undefined ? concurrency : Math.min(concurrency, sends);
}

/**
 * Bun raises the soft RLIMIT_NOFILE to the hard limit when it starts (checked: soft 1024, hard
 * 4096 becomes 4096 in the compiled binary and its children), so the limit read here is already
 * the most this process can have: nothing is left to raise, only to check.
 */
function checkOpenFiles(cfg: ResolvedProfile, host: Host): void {
  if (host.openFiles === undefined) return;
  const requests = inFlight(cfg);
  const perWorker = requests === undefined ? 0 : Math.ceil(requests / cfg.workers);
  // A worker pushes raw replies to each record processor, or (none by default) to the records service.
  const rawSockets = Math.max(1, cfg.recordProcessors);
  const services = cfg.workers + cfg.recordProcessors + 5;
  const needs = [
    {
      who: `each of the ${cfg.workers} worker process(es)`,
      n: perWorker + rawSockets + BASE_FILES,
      why: `one socket per request in flight: ${requests} over ${cfg.workers} worker(s)`,
    },
    { who: "the controller", n: services * FILES_PER_SERVICE + BASE_FILES, why: `pipes and connections to ${services} services` },
  ];
  const over = needs.find((x) => x.n > (host.openFiles as number));
  if (over === undefined) return;
  const concurrency = requests === undefined ? "" : `--concurrency ${requests} `;
  const spread = requests === undefined ? 0 : Math.ceil(requests / Math.max(1, host.openFiles - rawSockets - BASE_FILES));
  throw new BenchError(
    "CONFIG_INVALID",
    `${concurrency}needs ~${over.n} open files in ${over.who} (${over.why}); the limit is ${host.openFiles} (ulimit -n, already raised to the hard limit)`,
    {
      hint: `Raise the hard limit (ulimit -Hn as root, LimitNOFILE= in systemd, --ulimit nofile= in docker)${spread > cfg.workers && over.who !== "the controller" ? ` or spread the requests over more workers (--workers-max ${spread})` : ""}`,
    },
  );
}

/** MemAvailable from /proc/meminfo (os.freemem() elsewhere), lowered to a cgroup v2 limit's headroom. */
function availableMemory(): number {
  let available = freemem();
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync("/proc/meminfo", "utf8"));
    if (m !== null) available = Number(m[1]) * 1024;
  } catch {}
  try {
    const max = readFileSync("/sys/fs/cgroup/memory.max", "utf8").trim();
    const current = Number(readFileSync("/sys/fs/cgroup/memory.current", "utf8").trim());
    if (/^\d+$/.test(max) && Number.isFinite(current)) available = Math.min(available, Number(max) - current);
  } catch {}
  return available;
}

/** The soft RLIMIT_NOFILE, from /proc/self/limits. */
function openFilesLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    if (m === null || m[1] === "unlimited") return undefined;
    return Number(m[1]);
  } catch {
    return undefined;
  }
}
