/**
 * Studies: sweeps, repeated trials and SLA search over `aiperf profile`. One door, runStudy: it
 * checks every point's command line before anything starts, runs each point's trials as plain
 * profile runs (run-one.ts) in upstream's order and folders, and writes the summaries of what was
 * done, also after Ctrl-C.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseProfileConfig, readProfileArgs } from "../config/profile-flags.ts";
import { resolveProfile } from "../config/resolve.ts";
import { BenchError, EXIT_CODES } from "../core/errors.ts";
import { takeHeldSignals } from "../core/early-signals.ts";
import { displayText } from "../core/safe-text.ts";
import { VERSION } from "../core/version.ts";
import { artifactDirName, renderTable } from "../export/index.ts";
import { type InterruptSignal, Interrupts } from "../controller/interrupts.ts";
import { type MetricAggregate, succeeded, writeAggregate } from "./aggregate.ts";
import type { StudyOptions } from "./options.ts";
import { orderRuns, type PlannedRun, planRun, type Variation, variationsOf } from "./plan.ts";
import { type ChildHandle, type RunResult, runOne } from "./run-one.ts";
import { type FilterResult, judge, SlaSearch, stopText } from "./sla-search.ts";
import { type PointSummary, meanWithCi, renderSweepTable, summarizePoint, writeSweepSummary } from "./sweep-summary.ts";

export { readStudyOptions, STUDY_FLAG_NAMES, type StudyOptions } from "./options.ts";

const say = (line: string): void => void process.stderr.write(displayText(`[study] ${line}\n`));

/** Runs the study; resolves with the exit code (see the README's Studies section). */
export async function runStudy(options: StudyOptions): Promise<number> {
  const baseDir = resolve(options.artifactDir ?? join("artifacts", defaultDirName(options)));
  const sweepId = randomUUID();
  const study = new Study(options, baseDir, sweepId);
  study.installSignals();
  try {
    return options.search === undefined ? await study.runGrid() : await study.runSearch();
  } finally {
    study.removeSignals();
  }
}

/** Upstream's folder names: <model>-openai-<type>-<stimulus>, the stimulus being `<axis>_sweep` for a sweep. */
function defaultDirName(options: StudyOptions): string {
  const cfg = checkArgs(
    options.base.flatMap((it) => it.tokens),
    "the command line",
  );
  const prefix = artifactDirName({ modelNames: cfg.model, endpointType: cfg.endpointType, concurrency: null, requestRate: null, fixedSchedule: false }).replace(
    /-$/,
    "",
  );
  if (options.search !== undefined) return `${prefix}-${options.search.parameter}_sla_search`;
  if (options.axes.length > 0) return `${prefix}-${options.axes.map((a) => a.name).join("_")}_sweep`;
  return artifactDirName({
    modelNames: cfg.model,
    endpointType: cfg.endpointType,
    concurrency: cfg.concurrency ?? null,
    requestRate: cfg.requestRate ?? null,
    fixedSchedule: cfg.fixedSchedule,
  });
}

/** A point's command line through the single-run parser and rules: bad input stops the study before any run (exit 2). */
function checkArgs(args: string[], where: string) {
  try {
    const parsed = parseProfileConfig(readProfileArgs(args).input);
    return resolveProfile(parsed, "", false, () => {});
  } catch (error) {
    if (error instanceof BenchError && where !== "the command line")
      throw new BenchError(error.code, `${where}: ${error.message}`, error.hint === undefined ? {} : { hint: error.hint });
    throw error;
  }
}

class Study {
  readonly #o: StudyOptions;
  readonly #base: string;
  readonly #sweepId: string;
  readonly #interrupts = new Interrupts();
  #child: ChildHandle | undefined;
  #wake: (() => void) | undefined;
  readonly #results: RunResult[] = [];
  /** `<variation>/<run_label>` of a run that an interrupt cut short. */
  readonly #cut = new Set<string>();
  readonly #onSignal = (signal: InterruptSignal): void => {
    const kind = this.#interrupts.receive(signal, performance.now());
    if (kind === "duplicate") return;
    say(
      kind === "first"
        ? `Received ${signal}: stopping the current run (it writes partial results), then writing the study summary (again to force quit)`
        : `Second interrupt (${signal}): passing it on to the run`,
    );
    this.#child?.kill(signal);
    this.#wake?.();
  };

  constructor(options: StudyOptions, base: string, sweepId: string) {
    this.#o = options;
    this.#base = base;
    this.#sweepId = sweepId;
  }

  installSignals(): void {
    process.on("SIGINT", this.#onSignal);
    process.on("SIGTERM", this.#onSignal);
    for (const signal of takeHeldSignals()) this.#onSignal(signal);
  }

  removeSignals(): void {
    process.off("SIGINT", this.#onSignal);
    process.off("SIGTERM", this.#onSignal);
  }

  get #stopped(): boolean {
    return this.#interrupts.exitCode !== undefined;
  }

  async #sleep(seconds: number, why: string): Promise<void> {
    if (seconds <= 0 || this.#stopped) return;
    say(`Cooling down ${seconds} s (${why})`);
    await Promise.race([Bun.sleep(seconds * 1000), new Promise<void>((r) => (this.#wake = r))]);
    this.#wake = undefined;
  }

  async #run(planned: PlannedRun, n: number, total: number | undefined): Promise<RunResult> {
    const t = this.#o.numProfileRuns;
    say(`Run ${n}${total === undefined ? "" : `/${total}`}: ${planned.variation.label}${t > 1 ? ` trial ${planned.trial + 1}/${t}` : ""} → ${planned.dir}`);
    mkdirSync(planned.dir, { recursive: true });
    const result = await runOne(planned, (child) => (this.#child = child));
    this.#child = undefined;
    if (this.#stopped) this.#cut.add(`${planned.variation.label}/${planned.info.run_label}`);
    say(
      `Run ${n} ${planned.variation.label}${t > 1 ? ` trial ${planned.trial + 1}` : ""}: ${result.exitCode === 0 ? "ok" : `exit ${result.exitCode}`} (${result.seconds.toFixed(1)} s)`,
    );
    this.#results.push(result);
    return result;
  }

  /** Sweeps and/or repeated trials: every point × trial, in upstream's order. */
  async runGrid(): Promise<number> {
    const o = this.#o;
    const variations = variationsOf(o.axes, o.sweepType);
    const swept = o.axes.length > 0;
    for (const v of variations) checkArgs(planRun(o, this.#base, this.#sweepId, v, 0, swept).args, swept ? `Sweep point ${v.label}` : "the command line");
    const order = orderRuns(variations, o.numProfileRuns, o.sweepMode);
    say(
      `${swept ? `Sweep of ${variations.length} points (${variations.map((v) => v.label).join(", ")})` : "Repeated trials"}${o.numProfileRuns > 1 ? `, ${o.numProfileRuns} trials each` : ""}: ${order.length} runs into ${this.#base} (sweep id ${this.#sweepId})`,
    );
    for (const [i, step] of order.entries()) {
      if (this.#stopped) break;
      const prev = order[i - 1];
      if (prev !== undefined && prev.trial !== step.trial) await this.#sleep(o.profileRunCooldownSeconds, "--profile-run-cooldown-seconds");
      else if (prev !== undefined && prev.variation !== step.variation) await this.#sleep(o.sweepCooldownSeconds, "--parameter-sweep-cooldown-seconds");
      if (this.#stopped) break;
      const result = await this.#run(planRun(o, this.#base, this.#sweepId, step.variation, step.trial, swept), i + 1, order.length);
      // Every point passed the input checks above, so exit 2 here is the environment (e.g. the server is unreachable): later runs would fail alike.
      if (result.exitCode === EXIT_CODES.USAGE && i + 1 < order.length) {
        say(`Run ${i + 1} exited ${EXIT_CODES.USAGE} (see its message above): stopping the study, the later runs would fail the same way`);
        break;
      }
    }
    const points = variations.map((v) => this.#point(v));
    await this.#writeTrials(points, swept);
    if (swept) {
      const files = writeSweepSummary(join(this.#base, "sweep_aggregate"), points, this.#sweepMeta(variations));
      process.stdout.write(`\n${renderSweepTable(points, o.numProfileRuns, o.confidenceLevel)}\n`);
      process.stdout.write(`Sweep summary: ${files.join(", ")}\n`);
    }
    return this.#exitCode(undefined);
  }

  #point(v: Variation): PointSummary {
    const runs = this.#results.filter((r) => r.planned.variation.label === v.label);
    return summarizePoint(v, runs, this.#o.confidenceLevel, this.#cut, this.#o.numProfileRuns);
  }

  #sweepMeta(variations: Variation[]): Record<string, unknown> {
    const o = this.#o;
    const names = [...new Set(variations.flatMap((v) => Object.keys(v.values)))];
    return {
      sweep_id: this.#sweepId,
      sweep_parameters: names.map((name) => ({ name, values: [...new Set(variations.map((v) => v.values[name]))] })),
      sweep_type: o.sweepType,
      sweep_mode: o.sweepMode,
      num_trials_per_value: o.numProfileRuns,
      confidence_level: o.confidenceLevel,
      was_interrupted: this.#stopped,
    };
  }

  /** Repeated trials: each point's aggregate files, and the metrics with their intervals on the console (one point). */
  async #writeTrials(points: PointSummary[], swept: boolean): Promise<void> {
    const o = this.#o;
    if (o.numProfileRuns < 2) return;
    for (const p of points) {
      if (p.runs.length === 0) continue;
      const dir = swept ? join(this.#base, "aggregate", p.variation.label) : join(this.#base, "aggregate");
      const files = await writeAggregate(dir, p.runs, o.confidenceLevel, o.profileRunCooldownSeconds, {
        sweep_id: this.#sweepId,
        variation_label: p.variation.label,
        variation_values: p.variation.values,
        was_interrupted: this.#stopped,
      });
      if (!swept) {
        process.stdout.write(`\n${renderConfidenceTable(p.metrics, p.runs.filter(succeeded).length, o.numProfileRuns, o.confidenceLevel)}\n`);
        process.stdout.write(`Aggregate: ${files.join(", ")}\n`);
      }
    }
  }

  /** SLA search: probes chosen by SlaSearch, each with --num-profile-runs trials. */
  async runSearch(): Promise<number> {
    const o = this.#o;
    const s = o.search as NonNullable<StudyOptions["search"]>;
    const variation = (value: number, index: number): Variation => ({
      index,
      label: `${s.parameter}_${value}`,
      args: [s.flag, String(value)],
      values: { [s.parameter]: value },
    });
    const cfg = [s.min, s.max].map((value) =>
      checkArgs(planRun(o, this.#base, this.#sweepId, variation(value, 0), 0, true).args, `Search point ${s.parameter} ${value}`),
    )[0];
    // TTFT and ITL exist only for streamed replies: without --streaming every probe would "miss".
    const needsStream = s.filters.find((f) => f.metric === "time_to_first_token" || f.metric === "inter_token_latency" || f.metric === "time_to_second_token");
    if (needsStream !== undefined && cfg?.streaming !== true)
      throw new BenchError(
        "CONFIG_INVALID",
        `${needsStream.source.split(" ")[0]} needs streamed replies: ${needsStream.metric} is measured only with --streaming`,
        { hint: "add --streaming (or use --e2e-sla-ms, which works without it)" },
      );
    const search = new SlaSearch(s.min, s.max, s.integer);
    const flags =
      s.parameter === "concurrency" ? { min: "--concurrency-min", max: "--concurrency-max" } : { min: "--request-rate-min", max: "--request-rate-max" };
    say(
      `SLA search over ${s.parameter} ${s.min}…${s.max} (${s.filters.map((f) => f.source).join(", ")}): bracket by doubling, then bisect; into ${this.#base} (sweep id ${this.#sweepId})`,
    );
    const probes: Probe[] = [];
    let failure: string | undefined;
    let n = 0;
    for (let value = search.next(); value !== undefined && !this.#stopped; value = search.next()) {
      const v = variation(value, probes.length);
      const phase = search.phase;
      const runs: RunResult[] = [];
      for (let t = 0; t < o.numProfileRuns && !this.#stopped; t++) {
        if (t > 0) await this.#sleep(o.profileRunCooldownSeconds, "--profile-run-cooldown-seconds");
        else if (probes.length > 0) await this.#sleep(o.sweepCooldownSeconds, "--parameter-sweep-cooldown-seconds");
        if (this.#stopped) break;
        runs.push(await this.#run(planRun(o, this.#base, this.#sweepId, v, t, true), ++n, undefined));
      }
      const point = summarizePoint(v, runs, o.confidenceLevel, this.#cut, o.numProfileRuns);
      if (o.numProfileRuns > 1 && runs.length > 0)
        await writeAggregate(join(this.#base, "aggregate", v.label), runs, o.confidenceLevel, o.profileRunCooldownSeconds, {
          sweep_id: this.#sweepId,
          variation_label: v.label,
          variation_values: v.values,
          was_interrupted: this.#stopped,
        });
      // Exit 1 is a run that failed its own checks (e.g. every request failed): that point misses the SLA. Anything else stops the search.
      const broken = runs.find((r) => r.exitCode !== 0 && r.exitCode !== EXIT_CODES.FAILED);
      const results = judge(point.metrics, s.filters);
      const passed = !this.#stopped && broken === undefined && runs.length === o.numProfileRuns && runs.every(succeeded) && results.every((r) => r.met);
      probes.push({ value, phase, point, results, passed });
      say(
        `${s.parameter} ${value}: ${this.#stopped ? "interrupted" : broken !== undefined ? `run failed (exit ${broken.exitCode})` : passed ? "meets every SLA" : `misses (${missText(results, runs)})`}`,
      );
      if (this.#stopped) search.halt("interrupted");
      else if (broken !== undefined) {
        failure = `${v.label} ${broken.planned.info.run_label} exited ${broken.exitCode}; see ${join(broken.planned.dir, "logs", "aiperf.log")}`;
        search.halt("run_failed");
      } else search.record(value, passed);
    }
    if (this.#stopped && search.stop === undefined) search.halt("interrupted");
    const answer = probes.find((p) => p.passed && p.value === search.lo);
    const above = probes.find((p) => !p.passed && p.value === search.hi);
    const why = stopText(search, s.parameter, flags, failure);
    const file = this.#writeSearch(probes, search, answer, above, why);
    process.stdout.write(`\n${renderProbeTable(probes, s.parameter)}\n`);
    process.stdout.write(`${answerText(s.parameter, answer, above)}\nStopped: ${why}\nSLA search summary: ${file}\n`);
    return this.#exitCode(answer === undefined ? EXIT_CODES.FAILED : undefined);
  }

  #writeSearch(probes: Probe[], search: SlaSearch, answer: Probe | undefined, above: Probe | undefined, why: string): string {
    const o = this.#o;
    const s = o.search as NonNullable<StudyOptions["search"]>;
    const dir = join(this.#base, "sla_search");
    mkdirSync(dir, { recursive: true });
    const probeJson = (p: Probe) => ({
      value: p.value,
      variation_label: p.point.variation.label,
      phase: p.phase,
      meets_sla: p.passed,
      status: p.point.status,
      exit_codes: p.point.runs.map((r) => r.exitCode),
      run_labels: p.point.runs.map((r) => r.planned.info.run_label),
      artifact_dirs: p.point.runs.map((r) => r.planned.dir),
      sla: p.results.map(filterJson),
    });
    const json = {
      schema_version: "1.0",
      aiperf_version: VERSION,
      metadata: {
        aggregation_type: "sla_search",
        sweep_id: this.#sweepId,
        search_recipe: s.recipe,
        search_style: "monotonic",
        parameter: s.parameter,
        min: s.min,
        max: s.max,
        resolution: s.integer ? "adjacent integers" : "5 % of the passing value",
        num_trials_per_value: o.numProfileRuns,
        confidence_level: o.confidenceLevel,
        sla_filters: s.filters.map((f) => ({ metric: f.metric, stat: f.stat, op: f.op, threshold: f.threshold, source: f.source })),
        num_runs: probes.reduce((a, p) => a + p.point.runs.length, 0),
      },
      answer: answer === undefined ? null : { [s.parameter]: answer.value, variation_label: answer.point.variation.label, sla: answer.results.map(filterJson) },
      lowest_failing:
        above === undefined ? null : { [s.parameter]: above.value, variation_label: above.point.variation.label, sla: above.results.map(filterJson) },
      stop_reason: search.stop,
      stop_text: why,
      probes: probes.map(probeJson),
    };
    const file = join(dir, "profile_export_aiperf_sla_search.json");
    writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
    return file;
  }

  /** 130/143 after an interrupt; else the first failed run's code; else `fallback` (e.g. no answer) or 0. */
  #exitCode(fallback: number | undefined): number {
    const failed = this.#results.filter((r) => r.exitCode !== 0 && !this.#cut.has(`${r.planned.variation.label}/${r.planned.info.run_label}`));
    if (failed.length > 0) {
      say(
        `Runs that failed: ${failed.map((r) => `${r.planned.variation.label} ${r.planned.info.run_label} (exit ${r.exitCode}, log ${join(r.planned.dir, "logs", "aiperf.log")})`).join("; ")}`,
      );
    }
    if (this.#interrupts.exitCode !== undefined) {
      say(`Interrupted: ${this.#results.length} run(s) made; the summaries above cover them`);
      return this.#interrupts.exitCode;
    }
    // In a search a run that failed its own checks is a missed SLA, not a failed study.
    const counted = this.#o.search === undefined ? failed : failed.filter((r) => r.exitCode !== EXIT_CODES.FAILED);
    if (counted.length > 0) return (counted[0] as RunResult).exitCode;
    return fallback ?? EXIT_CODES.OK;
  }
}

type Probe = { value: number; phase: "bracket" | "bisect"; point: PointSummary; results: FilterResult[]; passed: boolean };

function filterJson(r: FilterResult): Record<string, unknown> {
  return { metric: r.metric, stat: r.stat, op: r.op, threshold: r.threshold, observed: r.observed ?? null, met: r.met, margin_pct: r.margin_pct ?? null };
}

function missText(results: FilterResult[], runs: RunResult[]): string {
  const failedRun = runs.find((r) => r.exitCode !== 0);
  const missed = results
    .filter((r) => !r.met)
    .map((r) => `${r.metric} ${r.stat} ${r.observed === undefined ? "not measured" : r.observed.toFixed(2)} vs ${r.threshold}`);
  return [...(failedRun === undefined ? [] : [`a run exited ${failedRun.exitCode}`]), ...missed].join("; ") || "no successful run";
}

function answerText(parameter: string, answer: Probe | undefined, above: Probe | undefined): string {
  if (answer === undefined) return `Answer: no ${parameter} in the range met every SLA`;
  const margins = answer.results
    .map((r) => `${r.metric} ${r.stat} ${r.observed?.toFixed(2)} vs ${r.threshold} (${(r.margin_pct ?? 0).toFixed(1)} % headroom)`)
    .join(", ");
  return `Answer: ${parameter} ${answer.value} meets every SLA: ${margins}${above === undefined ? "" : `; ${parameter} ${above.value} misses`}`;
}

function renderProbeTable(probes: Probe[], parameter: string): string {
  const filters = probes[0]?.results ?? [];
  return renderTable({
    title: `SLA search: every run, in order`,
    columns: [
      { header: "#", justify: "right" },
      { header: parameter, justify: "right" },
      { header: "Phase", justify: "left" },
      ...filters.map((f) => ({
        header: `${f.metric} ${f.stat} (≤ ${f.threshold})`.replace("≤", f.op === "lt" ? "<" : f.op === "le" ? "≤" : f.op === "gt" ? ">" : "≥"),
        justify: "right" as const,
      })),
      { header: "Verdict", justify: "left" },
    ],
    rows: probes.map((p, i) => [
      String(i + 1),
      String(p.value),
      p.phase,
      ...p.results.map((r) => (r.observed === undefined ? "-" : r.observed.toFixed(2))),
      p.passed ? "meets" : p.point.status === "ok" ? "misses" : p.point.status,
    ]),
  });
}

/** Each metric's mean with its confidence interval (avg for every metric, p99 where it has a distribution). */
function renderConfidenceTable(metrics: Map<string, MetricAggregate>, ok: number, trials: number, level: number): string {
  const keys = [...metrics.keys()].filter((k) => /_(avg|p99)$/.test(k) && !k.includes("timestamp"));
  return renderTable({
    title: `Repeated trials: ${ok} of ${trials} runs succeeded; mean and ${Math.round(level * 100)}% confidence interval (Student t)`,
    columns: [
      { header: "Metric", justify: "left" },
      { header: "Mean", justify: "right" },
      { header: `${Math.round(level * 100)}% CI`, justify: "right" },
      { header: "CV %", justify: "right" },
      { header: "Unit", justify: "left" },
    ],
    rows: keys.map((k) => {
      const m = metrics.get(k) as MetricAggregate;
      const ci = Number.isFinite(m.ci_low) ? `[${m.ci_low.toFixed(2)}, ${m.ci_high.toFixed(2)}]` : "-";
      return [k, meanWithCi(m).split(" ±")[0] as string, ci, Number.isFinite(m.cv) ? (m.cv * 100).toFixed(1) : "-", m.unit];
    }),
  });
}
