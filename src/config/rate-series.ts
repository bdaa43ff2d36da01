/**
 * `--request-rate-series file.json` (aiperf-features §1.5, §4.2): a request rate that changes over
 * the profiling phase. The file is upstream's shape, {"points": [{"time_s": 0, "qps": 1},
 * {"time_s": 60, "qps": 7}, …]}: times in seconds from the phase start, strictly increasing; the
 * rate is linear between points, the first point's before it and the last point's after it.
 */
import { readFileSync } from "node:fs";
import type { BenchError } from "../core/errors.ts";
import { invalidValue } from "./conflict.ts";

/** One point of the series as the timing plan carries it. */
type RatePoint = { timeSec: number; rate: number };

const FLAG = "--request-rate-series";

/** Reads and checks the file; every problem names the flag, the file and the rule. */
export function readRateSeries(path: string): RatePoint[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw bad(path, `cannot be read (${error instanceof Error ? error.message : String(error)})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw bad(path, 'is not JSON; expected {"points": [{"time_s": 0, "qps": 1}, …]}');
  }
  const points = (doc as { points?: unknown } | null)?.points;
  if (!Array.isArray(points) || points.length === 0) throw bad(path, 'needs a non-empty "points" array of {"time_s", "qps"}');
  const out: RatePoint[] = [];
  points.forEach((p: unknown, i) => {
    const { time_s: timeSec, qps } = (p ?? {}) as { time_s?: unknown; qps?: unknown };
    if (typeof timeSec !== "number" || !Number.isFinite(timeSec) || timeSec < 0) throw bad(path, `points[${i}].time_s must be a number of seconds, at least 0`);
    if (typeof qps !== "number" || !Number.isFinite(qps) || qps <= 0) throw bad(path, `points[${i}].qps must be a number greater than 0`);
    const prev = out[out.length - 1];
    if (prev !== undefined && timeSec <= prev.timeSec)
      throw bad(path, `points[${i}].time_s ${timeSec} must be greater than the previous point's ${prev.timeSec}`);
    out.push({ timeSec, rate: qps });
  });
  return out;
}

function bad(path: string, rule: string): BenchError {
  return invalidValue(FLAG, path, `the file ${rule}`);
}
