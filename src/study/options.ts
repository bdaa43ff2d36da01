/**
 * Study flags (upstream's Multi-Run group and SLA-search flags) and list values of sweepable
 * profile flags, read out of a `profile` command line. What is left is the base command line
 * every run of the study gets, plus each point's own values.
 */
import { BenchError } from "../core/errors.ts";
import { PROFILE_FLAGS } from "../config/profile-flags.ts";
import { invalidValue, optionConflict } from "../config/conflict.ts";

/** One flag as written: its name, its value (none for a boolean) and the tokens it took. */
export type ArgItem = { name: string; key: string | undefined; value: string | undefined; tokens: string[] };

/** One value of a sweep axis: the label part, the flags it adds and the values run_info records. */
export type AxisValue = { label: string; args: string[]; values: Record<string, number> };
export type Axis = { name: string; values: AxisValue[] };

type SlaOp = "lt" | "le" | "gt" | "ge";
export type SlaFilter = { metric: string; stat: string; op: SlaOp; threshold: number; source: string };

type SearchOptions = {
  recipe: "max-concurrency-under-sla" | "max-rate-under-sla";
  /** The profile flag searched over, and its name in labels and run_info. */
  flag: "--concurrency" | "--request-rate";
  parameter: "concurrency" | "request_rate";
  integer: boolean;
  min: number;
  max: number;
  filters: SlaFilter[];
};

export type StudyOptions = {
  numProfileRuns: number;
  confidenceLevel: number;
  profileRunCooldownSeconds: number;
  disableWarmupAfterFirst: boolean;
  setConsistentSeed: boolean;
  sweepMode: "repeated" | "independent";
  sweepCooldownSeconds: number;
  sameSeed: boolean;
  sweepType: "grid" | "zip";
  axes: Axis[];
  search: SearchOptions | undefined;
  /** The profile flags common to every run (study flags, list flags, --artifact-dir and --random-seed taken out). */
  base: ArgItem[];
  artifactDir: string | undefined;
  randomSeed: number | undefined;
};

type StudyFlag = { names: string[]; boolean?: boolean; negates?: string };
const STUDY_FLAGS: Record<string, StudyFlag> = {
  numProfileRuns: { names: ["--num-profile-runs"] },
  confidenceLevel: { names: ["--confidence-level"] },
  profileRunCooldownSeconds: { names: ["--profile-run-cooldown-seconds"] },
  disableWarmupAfterFirst: { names: ["--profile-run-disable-warmup-after-first"], boolean: true, negates: "--no-profile-run-disable-warmup-after-first" },
  setConsistentSeed: { names: ["--set-consistent-seed"], boolean: true, negates: "--no-set-consistent-seed" },
  sweepMode: { names: ["--parameter-sweep-mode"] },
  sweepCooldownSeconds: { names: ["--parameter-sweep-cooldown-seconds"] },
  sameSeed: { names: ["--parameter-sweep-same-seed"], boolean: true, negates: "--no-parameter-sweep-same-seed" },
  sweepType: { names: ["--sweep-type"] },
  islOslPairs: { names: ["--isl-osl-pairs"] },
  searchRecipe: { names: ["--search-recipe"] },
  searchStyle: { names: ["--search-style"] },
  ttftSla: { names: ["--ttft-sla-ms"] },
  itlSla: { names: ["--itl-sla-ms"] },
  tpotSla: { names: ["--tpot-sla-ms"] },
  e2eSla: { names: ["--e2e-sla-ms"] },
  errorRateSla: { names: ["--error-rate-sla"] },
  slaStat: { names: ["--sla-stat"] },
  searchSla: { names: ["--search-sla"] },
  concurrencyMin: { names: ["--concurrency-min"] },
  concurrencyMax: { names: ["--concurrency-max"] },
  requestRateMin: { names: ["--request-rate-min"] },
  requestRateMax: { names: ["--request-rate-max"] },
};

/** Every name a study reads, for the help page and for "is this a study at all". */
export const STUDY_FLAG_NAMES: string[] = Object.values(STUDY_FLAGS).flatMap((f) => [...f.names, ...(f.negates === undefined ? [] : [f.negates])]);

/** Profile flags that take a comma list of values to sweep (upstream's "magic list" flags). */
const SWEEPABLE: Record<string, { name: string; integer: boolean }> = {
  concurrency: { name: "concurrency", integer: true },
  requestRate: { name: "request_rate", integer: false },
  isl: { name: "isl", integer: true },
  osl: { name: "osl", integer: true },
};

const PROFILE_BY_NAME = new Map(PROFILE_FLAGS.flatMap((f) => f.names.map((n) => [n, f] as const)));
type StudyName = { key: string; flag: StudyFlag; negated: boolean };
const STUDY_BY_NAME = new Map<string, StudyName>(
  Object.entries(STUDY_FLAGS).flatMap(([key, flag]) => [
    ...flag.names.map((n): [string, StudyName] => [n, { key, flag, negated: false }]),
    ...(flag.negates === undefined ? [] : [[flag.negates, { key, flag, negated: true }] as [string, StudyName]]),
  ]),
);
const SLA_STATS = ["avg", "min", "max", "p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99"];

/**
 * Splits a `profile` command line. Returns undefined when it is a plain single run (no study
 * flag, no list value), so `profile` goes on exactly as before.
 */
export function readStudyOptions(rawArgs: string[]): StudyOptions | undefined {
  const study: Record<string, string[]> = {};
  const items: ArgItem[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] as string;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const studyFlag = STUDY_BY_NAME.get(name);
    if (studyFlag !== undefined) {
      let value: string | undefined;
      if (studyFlag.flag.boolean === true) value = studyFlag.negated ? "false" : eq > 0 ? arg.slice(eq + 1) : "true";
      else value = eq > 0 ? arg.slice(eq + 1) : rawArgs[++i];
      if (value === undefined) throw invalidValue(name, null, "a value is required");
      (study[studyFlag.key] ??= []).push(value);
      continue;
    }
    const spec = PROFILE_BY_NAME.get(name);
    if (spec === undefined || spec.kind === "boolean" || eq > 0) {
      items.push({ name, key: spec?.key, value: eq > 0 ? arg.slice(eq + 1) : undefined, tokens: [arg] });
      continue;
    }
    const value = rawArgs[i + 1];
    // A missing value is the single-run parser's to report.
    if (value === undefined) items.push({ name, key: spec.key, value: undefined, tokens: [arg] });
    else items.push({ name, key: spec.key, value, tokens: [arg, value] }), i++;
  }
  const lists = items.filter((it) => it.key !== undefined && it.key in SWEEPABLE && (it.value ?? "").includes(","));
  if (Object.keys(study).length === 0 && lists.length === 0) return undefined;
  return buildOptions(study, items, lists);
}

function buildOptions(study: Record<string, string[]>, items: ArgItem[], lists: ArgItem[]): StudyOptions {
  const one = (key: string): string | undefined => study[key]?.at(-1);
  const num = (key: string, flag: string, fallback: number, check: (n: number) => boolean, rule: string): number => {
    const text = one(key);
    if (text === undefined) return fallback;
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n) || !check(n)) throw invalidValue(flag, text, rule);
    return n;
  };
  const bool = (key: string, flag: string, fallback: boolean): boolean => {
    const text = one(key);
    if (text === undefined) return fallback;
    if (/^(true|1|yes)$/i.test(text)) return true;
    if (/^(false|0|no)$/i.test(text)) return false;
    throw invalidValue(flag, text, "expected true or false");
  };
  const choice = <T extends string>(key: string, flag: string, choices: readonly T[], fallback: T): T => {
    const text = one(key)?.toLowerCase();
    if (text === undefined) return fallback;
    if (!(choices as readonly string[]).includes(text)) throw invalidValue(flag, text, `expected one of ${choices.join(", ")}`);
    return text as T;
  };
  const axes: Axis[] = lists.map((it) => listAxis(it));
  const pairs = one("islOslPairs");
  if (pairs !== undefined) {
    if (items.some((it) => it.key === "isl" || it.key === "osl"))
      throw optionConflict("--isl-osl-pairs sets --isl and --osl for each pair: give neither with it");
    axes.push(pairAxis(pairs));
  }
  const artifactItem = items.filter((it) => it.key === "artifactDir").at(-1);
  const seedItem = items.filter((it) => it.key === "randomSeed").at(-1);
  const randomSeed = seedItem?.value === undefined ? undefined : Number(seedItem.value);
  if (randomSeed !== undefined && !Number.isInteger(randomSeed)) throw invalidValue("--random-seed", seedItem?.value, "expected an integer");
  const options: StudyOptions = {
    numProfileRuns: num("numProfileRuns", "--num-profile-runs", 1, (n) => Number.isInteger(n) && n >= 1 && n <= 10, "expected an integer from 1 to 10"),
    confidenceLevel: num("confidenceLevel", "--confidence-level", 0.95, (n) => n > 0 && n < 1, "expected a number between 0 and 1, e.g. 0.95"),
    profileRunCooldownSeconds: num("profileRunCooldownSeconds", "--profile-run-cooldown-seconds", 0, (n) => n >= 0, "expected seconds ≥ 0"),
    disableWarmupAfterFirst: bool("disableWarmupAfterFirst", "--profile-run-disable-warmup-after-first", true),
    setConsistentSeed: bool("setConsistentSeed", "--set-consistent-seed", true),
    sweepMode: choice("sweepMode", "--parameter-sweep-mode", ["repeated", "independent"] as const, "repeated"),
    sweepCooldownSeconds: num("sweepCooldownSeconds", "--parameter-sweep-cooldown-seconds", 0, (n) => n >= 0, "expected seconds ≥ 0"),
    sameSeed: bool("sameSeed", "--parameter-sweep-same-seed", false),
    sweepType: choice("sweepType", "--sweep-type", ["grid", "zip"] as const, "grid"),
    axes,
    search: readSearch(study, one, num, choice),
    base: items.filter((it) => !lists.includes(it) && it.key !== "artifactDir" && it.key !== "randomSeed"),
    artifactDir: artifactItem?.value,
    randomSeed,
  };
  if (options.sweepType === "zip" && axes.length > 1) {
    const n = (axes[0] as Axis).values.length;
    if (axes.some((a) => a.values.length !== n))
      throw optionConflict(
        `--sweep-type zip pairs the lists element by element: they must have the same length (${axes.map((a) => `${a.name} has ${a.values.length}`).join(", ")})`,
      );
  }
  if (options.search !== undefined && axes.length > 0) {
    throw optionConflict(
      `--search-recipe ${options.search.recipe} chooses the ${options.search.parameter} values itself: give no comma lists (${axes.map((a) => a.name).join(", ")}) with it`,
      "set the search range with --concurrency-min/--concurrency-max (or --request-rate-min/--request-rate-max)",
    );
  }
  return options;
}

function listAxis(it: ArgItem): Axis {
  const { name, integer } = SWEEPABLE[it.key as string] as { name: string; integer: boolean };
  const texts = (it.value as string).split(",").map((s) => s.trim());
  const values = texts.map((text) => {
    const n = Number(text);
    if (text === "" || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
      throw invalidValue(
        it.name,
        it.value,
        `every value of a sweep list must be a ${integer ? "positive integer" : "positive number"} ("${text}" is not), e.g. ${it.name} ${integer ? "2,4,8" : "1,2.5,5"}`,
      );
    }
    return { label: `${name}_${text}`, args: [it.name, text], values: { [name]: n } };
  });
  if (new Set(texts).size !== texts.length) throw invalidValue(it.name, it.value, "a sweep list repeats a value");
  return { name, values };
}

function pairAxis(text: string): Axis {
  const values = text.split(",").map((pair) => {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(pair);
    const isl = Number(m?.[1]);
    const osl = Number(m?.[2]);
    if (m === null || isl < 1 || osl < 1)
      throw invalidValue(
        "--isl-osl-pairs",
        text,
        `expected comma-separated ISL/OSL pairs of positive integers, e.g. 128/128,512/256 ("${pair.trim()}" is not one)`,
      );
    return { label: `isl_${isl}_osl_${osl}`, args: ["--isl", String(isl), "--osl", String(osl)], values: { isl, osl } };
  });
  return { name: "isl_osl", values };
}

type Num = (key: string, flag: string, fallback: number, check: (n: number) => boolean, rule: string) => number;
type Choice = <T extends string>(key: string, flag: string, choices: readonly T[], fallback: T) => T;

function readSearch(study: Record<string, string[]>, one: (k: string) => string | undefined, num: Num, choice: Choice): SearchOptions | undefined {
  const slaFlags = [
    "ttftSla",
    "itlSla",
    "tpotSla",
    "e2eSla",
    "errorRateSla",
    "searchSla",
    "slaStat",
    "searchStyle",
    "concurrencyMin",
    "concurrencyMax",
    "requestRateMin",
    "requestRateMax",
  ].filter((k) => study[k] !== undefined);
  const recipeText = one("searchRecipe");
  if (recipeText === undefined) {
    if (slaFlags.length > 0) {
      const names = slaFlags.map((k) => (STUDY_FLAGS[k] as StudyFlag).names[0]).join(", ");
      throw new BenchError("CONFIG_INVALID", `${names} ${slaFlags.length > 1 ? "apply" : "applies"} only to an SLA search`, {
        hint: "add --search-recipe max-concurrency-under-sla (or max-rate-under-sla)",
      });
    }
    return undefined;
  }
  const recipe = choice("searchRecipe", "--search-recipe", ["max-concurrency-under-sla", "max-rate-under-sla"] as const, "max-concurrency-under-sla");
  // Upstream's other styles (isotonic regression, Bayesian optimisation) are not built: say so rather than silently bisect.
  choice("searchStyle", "--search-style", ["monotonic"] as const, "monotonic");
  const byRate = recipe === "max-rate-under-sla";
  const positive = (n: number): boolean => n > 0;
  const stat = choice("slaStat", "--sla-stat", SLA_STATS, "p99");
  const filters: SlaFilter[] = [];
  const named: [string, string, string][] = [
    ["ttftSla", "--ttft-sla-ms", "time_to_first_token"],
    ["itlSla", "--itl-sla-ms", "inter_token_latency"],
    ["tpotSla", "--tpot-sla-ms", "inter_token_latency"],
    ["e2eSla", "--e2e-sla-ms", "request_latency"],
  ];
  for (const [key, flag, metric] of named) {
    if (one(key) === undefined) continue;
    const threshold = num(key, flag, 0, positive, "expected milliseconds > 0");
    filters.push({ metric, stat, op: "le", threshold, source: `${flag} ${one(key)}` });
  }
  if (one("errorRateSla") !== undefined) {
    const fraction = num("errorRateSla", "--error-rate-sla", 0, (n) => n > 0 && n < 1, "expected a fraction between 0 and 1, e.g. 0.05 for 5 %");
    // request_error_rate is in percentage points, as upstream's metric.
    filters.push({ metric: "request_error_rate", stat: "avg", op: "le", threshold: fraction * 100, source: `--error-rate-sla ${one("errorRateSla")}` });
  }
  for (const text of study.searchSla ?? []) filters.push(parseSearchSla(text));
  if (filters.length === 0)
    throw new BenchError("CONFIG_INVALID", `--search-recipe ${recipe} needs at least one SLA`, {
      hint: "e.g. --ttft-sla-ms 200, --e2e-sla-ms 2000, --error-rate-sla 0.01 or --search-sla time_to_first_token:p95:lt:200",
    });
  const integer = !byRate;
  const [minKey, maxKey, minFlag, maxFlag] = byRate
    ? ["requestRateMin", "requestRateMax", "--request-rate-min", "--request-rate-max"]
    : ["concurrencyMin", "concurrencyMax", "--concurrency-min", "--concurrency-max"];
  const check = (n: number): boolean => n > 0 && (!integer || Number.isInteger(n));
  const rule = integer ? "expected an integer ≥ 1" : "expected a rate > 0";
  const min = num(minKey as string, minFlag as string, 1, check, rule);
  const max = num(maxKey as string, maxFlag as string, 1000, check, rule);
  if (max <= min) throw optionConflict(`${maxFlag} (${max}) must be above ${minFlag} (${min})`);
  const wrong = byRate ? ["concurrencyMin", "concurrencyMax"] : ["requestRateMin", "requestRateMax"];
  for (const k of wrong)
    if (study[k] !== undefined) throw optionConflict(`${(STUDY_FLAGS[k] as StudyFlag).names[0]} does not apply to --search-recipe ${recipe}`);
  return { recipe, flag: byRate ? "--request-rate" : "--concurrency", parameter: byRate ? "request_rate" : "concurrency", integer, min, max, filters };
}

/** Upstream's --search-sla 'metric_tag:stat:op:threshold'. */
function parseSearchSla(text: string): SlaFilter {
  const parts = text.split(":");
  const [metric, stat, op, value] = parts;
  const threshold = Number(value);
  if (
    parts.length !== 4 ||
    !metric ||
    !SLA_STATS.includes(stat ?? "") ||
    !["lt", "le", "gt", "ge"].includes(op ?? "") ||
    value?.trim() === "" ||
    !Number.isFinite(threshold)
  ) {
    throw invalidValue(
      "--search-sla",
      text,
      `expected metric_tag:stat:op:threshold with stat one of ${SLA_STATS.join(", ")} and op one of lt, le, gt, ge, e.g. time_to_first_token:p95:lt:200`,
    );
  }
  return { metric, stat: stat as string, op: op as SlaOp, threshold, source: `--search-sla ${text}` };
}
