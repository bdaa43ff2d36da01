/**
 * A run's place in a study (sweep, repeated trials, SLA search), as upstream's `run_info` names
 * it. The study orchestrator (src/study/) starts each run with it in AIPERF_STUDY_RUN_INFO; the
 * run keeps it as `studyRun` in its resolved config for its exports. Absent for a plain run.
 */
import * as v from "valibot";
import { BenchError } from "../core/errors.ts";

export const STUDY_RUN_ENV = "AIPERF_STUDY_RUN_INFO";

export const StudyRunInfo = v.strictObject({
  sweep_id: v.string(),
  random_seed: v.nullable(v.number()),
  trial: v.number(),
  run_label: v.string(),
  variation_label: v.string(),
  variation_index: v.number(),
  variation_values: v.record(v.string(), v.number()),
});
export type StudyRunInfo = v.InferOutput<typeof StudyRunInfo>;

/** The study coordinates a parent study passed down, or undefined for a run of its own. */
export function readStudyRun(env: Record<string, string | undefined>): StudyRunInfo | undefined {
  const text = env[STUDY_RUN_ENV];
  if (text === undefined || text === "") return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const result = v.safeParse(StudyRunInfo, parsed);
  if (!result.success)
    throw new BenchError("CONFIG_INVALID", `Invalid ${STUDY_RUN_ENV} in the environment: it is set by a study for its runs`, {
      hint: `unset ${STUDY_RUN_ENV}`,
    });
  return result.output;
}
