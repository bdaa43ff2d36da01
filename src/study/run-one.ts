/**
 * One run of a study: this same binary's `profile` in a child process, with its own folder and
 * fresh services. Fresh per run on purpose: a worker's open connections, a record processor's
 * state or a timing service's clock carried from the previous point would make a point's result
 * depend on the one before it; starting costs ~1 s per run, small next to a run.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { selfCommand } from "../core/self.ts";
import { STUDY_RUN_ENV } from "../config/study-run.ts";
import type { PlannedRun } from "./plan.ts";

export type RunResult = {
  planned: PlannedRun;
  exitCode: number;
  /** profile_export_aiperf.json when the run wrote one (also a failed or interrupted run may). */
  summary: Record<string, unknown> | undefined;
  seconds: number;
};

/** The child being waited for, so an interrupt can be passed on to it. */
export type ChildHandle = { kill(signal: NodeJS.Signals): void };

export async function runOne(planned: PlannedRun, onStart: (child: ChildHandle) => void): Promise<RunResult> {
  const started = performance.now();
  const child = Bun.spawn([...selfCommand(), "profile", ...planned.args], {
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
    env: { ...process.env, [STUDY_RUN_ENV]: JSON.stringify(planned.info) },
  });
  onStart({ kill: (signal) => child.kill(signal) });
  const exitCode = await child.exited;
  return { planned, exitCode, summary: readSummary(planned.dir), seconds: (performance.now() - started) / 1000 };
}

function readSummary(dir: string): Record<string, unknown> | undefined {
  const file = join(dir, "profile_export_aiperf.json");
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

const STATS = ["avg", "min", "max", "p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99", "std"];

type FlatMetric = { value: number; unit: string };

/**
 * A run's metrics as upstream's aggregate keys them: `<tag>_<stat>` (request_throughput_avg,
 * time_to_first_token_p99, …), plus request_error_rate in percent of all requests.
 */
export function flatMetrics(summary: Record<string, unknown>): Map<string, FlatMetric> {
  const out = new Map<string, FlatMetric>();
  for (const [tag, block] of Object.entries(summary)) {
    if (block === null || typeof block !== "object" || Array.isArray(block)) continue;
    const b = block as Record<string, unknown>;
    if (typeof b.unit !== "string") continue;
    for (const stat of STATS) {
      const value = b[stat];
      if (typeof value === "number" && Number.isFinite(value)) out.set(`${tag}_${stat}`, { value, unit: b.unit });
    }
  }
  const ok = out.get("request_count_avg")?.value ?? 0;
  const errors = out.get("error_request_count_avg")?.value ?? 0;
  if (ok + errors > 0) out.set("request_error_rate_avg", { value: (errors / (ok + errors)) * 100, unit: "%" });
  return out;
}
