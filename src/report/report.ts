/** Artifact directories → one report.html (single run: its views; several: comparison first). */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ChartSpec } from "./chart-spec.ts";
import { compareCharts } from "./charts-compare.ts";
import { readTrialSet, type TrialSet, trialCharts } from "./charts-trials.ts";
import { runCharts } from "./charts-run.ts";
import { renderReport, type Theme } from "./html.ts";
import { ArtifactError, isDirectory, isRunDir, loadRun, type RunData } from "./load-run.ts";

export const REPORT_FILE = "report.html";

export type ReportOptions = { theme?: Theme; version: string; now?: Date };

/**
 * Each path is a run directory, or a folder of runs (such as artifacts/ or a sweep's output):
 * then every subdirectory holding exports is one run, in natural name order.
 */
export function expandRunDirs(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!isDirectory(p)) throw new ArtifactError(`${p} is not a directory`);
    if (isRunDir(p)) {
      out.push(resolve(p));
      continue;
    }
    // A study of repeated trials: its trial runs.
    const trials = readTrialSet(p);
    if (trials !== undefined) {
      out.push(...trials.trials);
      continue;
    }
    const runs = readdirSync(p, { withFileTypes: true })
      .filter((e) => e.isDirectory() && isRunDir(join(p, e.name)))
      .map((e) => resolve(p, e.name))
      // Natural order: c4 before c16.
      .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
    if (runs.length === 0) throw new ArtifactError(`${p} holds no profile_export_aiperf.json or profile_export.jsonl, nor subdirectories that do`);
    out.push(...runs);
  }
  return [...new Set(out)];
}

type BuiltReport = { html: string; charts: ChartSpec[]; runs: RunData[] };

export function buildReport(dirs: string[], opts: ReportOptions, paths: string[] = []): BuiltReport {
  const runs = dirs.map(loadRun);
  uniqueLabels(runs);
  const many = runs.length > 1;
  const perRun = runs.map((run, k) => ({ run, charts: runCharts(run, many ? `r${k + 1}-` : "") }));
  // Trial sets among the paths given: each trial's value against the study's mean and interval.
  const sets = paths.map(readTrialSet).filter((t): t is TrialSet => t !== undefined);
  const byDir = new Map(runs.map((r) => [r.dir, r]));
  const trials = sets.flatMap((set, k) =>
    trialCharts(
      set,
      set.trials.map((d) => (byDir.get(d)?.metrics ?? {}) as Record<string, Record<string, unknown>>),
      sets.length > 1 ? `t${k + 1}-` : "",
    ),
  );
  const compare = [...trials, ...(many ? compareCharts(runs) : [])];
  const html = renderReport({
    runs: perRun,
    compare,
    theme: opts.theme ?? "light",
    generatedAt: (opts.now ?? new Date()).toISOString(),
    version: opts.version,
  });
  return { html, charts: [...compare, ...perRun.flatMap((r) => r.charts)], runs };
}

/** Writes report.html into `outDir` and returns its path. */
export function writeReport(outDir: string, report: BuiltReport): string {
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, REPORT_FILE);
  writeFileSync(path, report.html);
  return path;
}

/** Two runs from dirs of the same name (a/run, b/run) get their parent in the label. */
function uniqueLabels(runs: RunData[]): void {
  const seen = new Map<string, number>();
  for (const r of runs) seen.set(r.label, (seen.get(r.label) ?? 0) + 1);
  for (const r of runs) if ((seen.get(r.label) ?? 0) > 1) r.label = r.dir.split("/").slice(-2).join("/");
}
