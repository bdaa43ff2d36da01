/**
 * The artifact directory (reference/aiperf-features.md §6.1): without an explicit
 * `--artifact-dir`, results go to `<dir>/<model>-openai-<endpoint>-<stimulus>/`.
 */
import { join } from "node:path";
import { pythonFloatRepr } from "./number-format.ts";

export type ArtifactNameInput = {
  modelNames: readonly string[];
  endpointType: string;
  /** Resolved values (after defaults: concurrency 1 when neither rate nor schedule is given). */
  concurrency?: number | null;
  requestRate?: number | null;
  fixedSchedule?: boolean;
};

/** e.g. `Qwen_Qwen3-0.6B-openai-chat-concurrency10-request_rate5.0`. */
export function artifactDirName(input: ArtifactNameInput): string {
  const first = input.modelNames[0];
  if (first === undefined) throw new Error("artifactDirName needs at least one model name");
  const model = (input.modelNames.length > 1 ? `${first}_multi` : first).replaceAll("/", "_");
  return [model, `openai-${input.endpointType}`, stimulus(input)].join("-");
}

function stimulus(input: ArtifactNameInput): string {
  if (input.fixedSchedule) return "fixed_schedule";
  const parts: string[] = [];
  if (input.concurrency !== undefined && input.concurrency !== null) parts.push(`concurrency${input.concurrency}`);
  // The rate is a Python float in upstream, so 5 prints as "5.0".
  if (input.requestRate !== undefined && input.requestRate !== null) {
    parts.push(`request_rate${pythonFloatRepr(input.requestRate)}`);
  }
  return parts.join("-");
}

/**
 * Where the files go: the explicit `--artifact-dir` as given, else the run subdirectory under
 * the default `./artifacts` (or the given base).
 */
export function resolveArtifactDir(input: ArtifactNameInput & { artifactDir?: string; artifactDirExplicit: boolean }): string {
  const base = input.artifactDir ?? "artifacts";
  return input.artifactDirExplicit ? base : join(base, artifactDirName(input));
}
