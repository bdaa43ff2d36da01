/**
 * `-f/--config FILE`: a YAML or JSON file holding profile flags. Two shapes, mixed freely:
 *  - our flag names as keys, in kebab, snake or camel case (`request-count`, `request_count`,
 *    `requestCount`; aliases too), each value as the flag would take it;
 *  - upstream AIPerf's config sections, as far as they map onto our flags: `model`/`models`,
 *    `benchmark`, `endpoint`, `dataset`, `phases` (one, or a warmup and a profiling phase), `slos`,
 *    `artifacts`, `randomSeed`.
 * The file becomes a list of flags (`FileFlag`), each with the line it came from, so other code
 * can reuse it (sweeps, trials). A list value (`concurrency: [2, 4, 8]`) is passed on as the CLI
 * would receive it, comma-joined (`--concurrency 2,4,8`); the flag's own reader decides what a
 * list means. Flags on the command line override the file's.
 */
import { readFileSync, statSync } from "node:fs";
import { dirname, extname, resolve } from "node:path";
import * as v from "valibot";
import { BenchError } from "../core/errors.ts";
import { didYouMean } from "./did-you-mean.ts";
import { jsonErrorLine, lineOf, scanKeyLines, yamlErrorLine } from "./file-lines.ts";
import { type FlagSpec, PROFILE_FLAGS, parseProfileConfig, readProfileArgs } from "./profile-flags.ts";
import { ProfileConfig, type ProfileInput } from "./profile-schema.ts";

/** One flag from a file: the flag as the CLI spells it, its value as text, and where it was. */
export type FileFlag = { flag: string; text: string | boolean; key: string; line: number | undefined };
export type ConfigFile = { path: string; flags: FileFlag[] };

const BY_NAME = new Map<string, FlagSpec>(PROFILE_FLAGS.flatMap((f) => f.names.filter((n) => n.startsWith("--")).map((n) => [n, f] as const)));
/** Keys a file may hold besides flag names (upstream's sections). */
const SECTIONS = ["benchmark", "model", "models", "endpoint", "dataset", "phases", "slos", "artifacts", "schema-version"];

/** `requestCount`, `request_count` and `request-count` all name --request-count. */
export function kebab(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replaceAll("_", "-")
    .toLowerCase();
}

/** Splits `-f FILE` / `--config FILE` / `--config=FILE` off a command line. */
export function splitConfigArg(rawArgs: readonly string[]): { configPath?: string; rest: string[] } {
  const rest: string[] = [];
  let configPath: string | undefined;
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] as string;
    let value: string | undefined;
    if (arg === "-f" || arg === "--config") {
      value = rawArgs[++i];
      if (value === undefined || value.startsWith("-"))
        throw new BenchError(
          "CONFIG_INVALID",
          `Invalid value ${value === undefined ? "null" : JSON.stringify(value)} for ${arg}: a config file path is required`,
          { hint: "e.g. aiperf profile --config benchmark.yaml (aiperf config init writes one)" },
        );
    } else if (arg.startsWith("--config=")) value = arg.slice("--config=".length);
    else {
      rest.push(arg);
      continue;
    }
    if (configPath !== undefined) throw new BenchError("CONFIG_INVALID", `Only one config file can be given (got ${configPath} and ${value})`);
    configPath = value;
  }
  return configPath === undefined ? { rest } : { configPath, rest };
}

/** Reads and parses a config file into flags; every problem names the file, the line and the key. */
export function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    if (statSync(path).isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why =
      code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "it is a directory" : (error as Error).message;
    throw new BenchError("CONFIG_INVALID", `Cannot read config file ${path}: ${why}`, {
      hint: "give --config a YAML or JSON file (aiperf config init writes one)",
    });
  }
  const json = extname(path).toLowerCase() === ".json";
  let data: unknown;
  try {
    data = json ? JSON.parse(text) : Bun.YAML.parse(text);
  } catch (error) {
    const line = json ? jsonErrorLine(text) : yamlErrorLine(text, (t) => Bun.YAML.parse(t));
    const what = (error as Error).message.replace(/^(YAML|JSON) Parse error:\s*/, "");
    throw new BenchError("CONFIG_INVALID", `${path}:${line}: not valid ${json ? "JSON" : "YAML"} (${what})`, {
      hint: json ? "check the line and the one before it (a missing comma or quote)" : "check the line's indentation, quotes and brackets",
    });
  }
  const scan = scanKeyLines(text, json);
  if (scan.duplicate !== undefined) {
    const d = scan.duplicate;
    throw new BenchError("CONFIG_INVALID", `${path}:${d.line}: key "${d.path}" is given twice (first on line ${d.first})`, { hint: "keep one of them" });
  }
  if (data === null || data === undefined) return { path, flags: [] };
  if (Array.isArray(data) || typeof data !== "object") {
    throw new BenchError(
      "CONFIG_INVALID",
      `${path}:1: expected a mapping of options (key: value), got ${Array.isArray(data) ? "a list (or several YAML documents)" : typeof data}`,
      { hint: "aiperf config init prints an example" },
    );
  }
  const flags: FileFlag[] = [];
  const reader = new Reader(path, scan.lines, flags);
  reader.top(data as Record<string, unknown>, []);
  // A plugin file named in a config file is found next to it, wherever aiperf runs from.
  for (const f of flags)
    if (f.flag === "--plugin" && typeof f.text === "string")
      f.text = f.text
        .split(",")
        .map((p) => resolve(dirname(path), p.trim()))
        .join(",");
  return { path, flags };
}

/**
 * The --plugin files of a command line and its config file (those of the file already absolute):
 * loaded before anything else reads the flags, so plugin names are valid names.
 */
export function pluginArgs(rawArgs: readonly string[]): string[] {
  const args = withFileFlags(rawArgs);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const value = arg === "--plugin" ? args[++i] : arg.startsWith("--plugin=") ? arg.slice("--plugin=".length) : undefined;
    if (arg === "--plugin" && (value === undefined || value.startsWith("-")))
      throw new BenchError("CONFIG_INVALID", "Invalid value for --plugin: a file path is required", {
        hint: "e.g. --plugin ./my-endpoint.ts (docs/plugins.md)",
      });
    if (value !== undefined)
      out.push(
        ...value
          .split(",")
          .map((p) => p.trim())
          .filter((p) => p !== ""),
      );
  }
  return out;
}

/** The flags of a file as command-line words, as a user would type them. */
export function fileFlagArgs(flags: readonly FileFlag[]): string[] {
  return flags.flatMap((f) => (f.text === true ? [f.flag] : f.text === false ? [`${f.flag}=false`] : [f.flag, f.text]));
}

/**
 * The command line with the config file's flags written out in front (those the command line
 * gives too left out, as they override): what a study reads, so a list in the file is a sweep
 * exactly as on the command line, and each run of it gets plain flags instead of the file.
 */
export function withFileFlags(rawArgs: readonly string[]): string[] {
  const { configPath, rest } = splitConfigArg(rawArgs);
  if (configPath === undefined) return [...rawArgs];
  const keyOf = (name: string): string => PROFILE_FLAGS.find((f) => f.names.includes(name))?.key ?? name;
  const given = new Set(rest.filter((a) => a.startsWith("-")).map((a) => keyOf(a.split("=")[0] as string)));
  return [...fileFlagArgs(readConfigFile(configPath).flags.filter((f) => !given.has(keyOf(f.flag)))), ...rest];
}

type Obj = Record<string, unknown>;
type PhaseKind = "warmup" | "profiling";

/** Phase fields (upstream's phases) and the flag each sets, for a profiling and a warmup phase. */
const PHASE_FLAGS: Record<string, Record<PhaseKind, string | undefined>> = {
  concurrency: { profiling: "--concurrency", warmup: "--warmup-concurrency" },
  rate: { profiling: "--request-rate", warmup: "--warmup-request-rate" },
  requests: { profiling: "--request-count", warmup: "--warmup-request-count" },
  count: { profiling: "--request-count", warmup: "--warmup-request-count" },
  duration: { profiling: "--benchmark-duration", warmup: "--warmup-duration" },
  time: { profiling: "--benchmark-duration", warmup: "--warmup-duration" },
  "grace-period": { profiling: "--benchmark-grace-period", warmup: "--warmup-grace-period" },
  "prefill-concurrency": { profiling: "--prefill-concurrency", warmup: "--warmup-prefill-concurrency" },
};
const RATE_TYPES = ["poisson", "constant", "gamma", "concurrency_burst"];

class Reader {
  constructor(
    private readonly file: string,
    private readonly lines: Map<string, number>,
    private readonly out: FileFlag[],
  ) {}

  private where(path: readonly (string | number)[]): string {
    const line = lineOf(this.lines, path);
    return `${this.file}${line === undefined ? "" : `:${line}`}`;
  }

  private fail(path: readonly (string | number)[], message: string, hint?: string): never {
    throw new BenchError("CONFIG_INVALID", `${this.where(path)}: ${path.join(".")}: ${message}`, hint === undefined ? {} : { hint });
  }

  private object(value: unknown, path: (string | number)[]): Obj {
    if (value === null || typeof value !== "object" || Array.isArray(value)) this.fail(path, "expected a mapping (key: value lines)");
    return value as Obj;
  }

  /** Emits `flag` with a value converted the way its kind reads text. */
  private emit(flag: string, value: unknown, path: (string | number)[]): void {
    if (value === null || value === undefined) return;
    const spec = BY_NAME.get(flag) as FlagSpec;
    const line = lineOf(this.lines, path);
    const key = path.join(".");
    const push = (text: string | boolean): void => void this.out.push({ flag, text, key, line });
    const scalar = (x: unknown): string => {
      if (typeof x === "string") return this.interpolate(x, path);
      if (typeof x === "number" || typeof x === "boolean") return String(x);
      return this.fail(path, `expected a value or a list of values, got ${x === null ? "null" : Array.isArray(x) ? "a nested list" : "a mapping"}`);
    };
    switch (spec.kind) {
      case "boolean":
        if (typeof value === "boolean") return push(value);
        if (typeof value === "string" && /^(true|false)$/i.test(this.interpolate(value, path)))
          return push(this.interpolate(value, path).toLowerCase() === "true");
        return this.fail(path, `expected true or false, got ${JSON.stringify(value)}`);
      case "pairs":
        if (Array.isArray(value)) return value.forEach((item) => push(scalar(item)));
        if (typeof value === "object")
          return push(
            JSON.stringify(
              Object.fromEntries(Object.entries(value as Obj).map(([k, x]) => [k, typeof x === "string" ? this.interpolate(x, [...path, k]) : x])),
            ),
          );
        return push(scalar(value));
      case "goodput":
        if (typeof value === "object" && !Array.isArray(value)) {
          return push(
            Object.entries(value as Obj)
              .map(([tag, n]) => `${tag}:${scalar(n)}`)
              .join(" "),
          );
        }
        return push(scalar(value));
      default:
        return push(Array.isArray(value) ? value.map(scalar).join(",") : scalar(value));
    }
  }

  /**
   * `${NAME}` and `${NAME:-default}` in a value are taken from the environment, as upstream does:
   * an API key or a URL need not be written into a shared file. An unset name without a default
   * is an error (a silently empty value would run something else).
   */
  private interpolate(text: string, path: (string | number)[]): string {
    return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_, name: string, fallback: string | undefined) => {
      const value = process.env[name];
      if (value !== undefined && value !== "") return value;
      if (fallback !== undefined) return fallback;
      return this.fail(path, `environment variable ${name} is not set`, `set it, or write \${${name}:-default}`);
    });
  }

  /** A mapping of flags and sections (the top level, `benchmark:`, a section's extra keys). */
  top(obj: Obj, path: string[]): void {
    for (const [rawKey, value] of Object.entries(obj)) {
      const key = kebab(rawKey);
      const at = [...path, rawKey];
      // Sections first: `endpoint` and `model` are also flag names, but here they may hold mappings.
      if (key === "benchmark") this.top(this.object(value, at), at);
      else if (key === "model" || key === "models") this.models(value, at);
      else if (key === "endpoint" && typeof value === "object") this.endpoint(this.object(value, at), at);
      else if (key === "dataset") this.dataset(this.object(value, at), at);
      else if (key === "phases") this.phases(value, at);
      else if (key === "slos") this.emit("--goodput", this.object(value, at), at);
      else if (key === "artifacts") this.artifacts(this.object(value, at), at);
      else if (key === "schema-version") continue;
      else if (BY_NAME.has(`--${key}`)) this.emit(`--${key}`, value, at);
      else if (key === "sweep" || key === "datasets" || key === "multi-run")
        this.fail(
          at,
          `upstream's "${rawKey}:" block is not supported by this build`,
          key === "sweep" ? "give a list instead, e.g. concurrency: [2, 4, 8]" : undefined,
        );
      else this.unknown(at, rawKey, [...BY_NAME.keys()].map((n) => n.slice(2)).concat(SECTIONS));
    }
  }

  private unknown(path: (string | number)[], rawKey: string, candidates: string[]): never {
    const near = didYouMean(kebab(rawKey), candidates);
    return this.fail(
      path,
      `unknown key "${rawKey}"${near === undefined ? "" : `; did you mean "${near}"?`}`,
      'keys are profile flag names without the dashes (see "aiperf profile --help") or upstream sections (benchmark, endpoint, dataset, phases, slos, artifacts)',
    );
  }

  private models(value: unknown, path: (string | number)[]): void {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      const items = (value as Obj).items;
      if (!Array.isArray(items)) this.fail(path, "expected a model name, a list of names, or items: [{name: …}]");
      return this.emit(
        "--model",
        items.map((it, i) => (it !== null && typeof it === "object" ? (it as Obj).name : it) ?? this.fail([...path, "items", i], "a model needs a name")),
        path,
      );
    }
    this.emit("--model", value, path);
  }

  private sub(
    obj: Obj,
    path: (string | number)[],
    table: Record<string, string>,
    extra: (key: string, value: unknown, at: (string | number)[]) => boolean = () => false,
  ): void {
    for (const [rawKey, value] of Object.entries(obj)) {
      const key = kebab(rawKey);
      const at = [...path, rawKey];
      const flag = table[key] ?? (BY_NAME.has(`--${key}`) ? `--${key}` : undefined);
      if (flag !== undefined) this.emit(flag, value, at);
      else if (!extra(key, value, at)) this.unknown(at, rawKey, [...Object.keys(table), ...[...BY_NAME.keys()].map((n) => n.slice(2))]);
    }
  }

  private endpoint(obj: Obj, path: (string | number)[]): void {
    this.sub(
      obj,
      path,
      {
        url: "--url",
        urls: "--url",
        path: "--endpoint",
        type: "--endpoint-type",
        timeout: "--request-timeout-seconds",
        headers: "--header",
        extra: "--extra-inputs",
        "api-key": "--api-key",
        streaming: "--streaming",
      },
      (key, value, at) => {
        if (key === "model" || key === "models") this.models(value, at);
        return key === "model" || key === "models";
      },
    );
  }

  private dataset(obj: Obj, path: (string | number)[]): void {
    const type = obj.type;
    if (type !== undefined && type !== "synthetic" && type !== "file") this.fail([...path, "type"], `expected synthetic or file, got ${JSON.stringify(type)}`);
    this.sub(obj, path, { entries: "--conversation-num", path: "--input-file", file: "--input-file", format: "--custom-dataset-type" }, (key, value, at) => {
      if (key === "type") return true;
      if (key !== "prompts") return false;
      for (const [k, v] of Object.entries(this.object(value, at))) {
        const which = kebab(k);
        if (which !== "isl" && which !== "osl") this.unknown([...at, k], k, ["isl", "osl"]);
        if (v !== null && typeof v === "object" && !Array.isArray(v)) {
          const { mean, stddev, ...others } = v as Obj;
          if (Object.keys(others).length > 0) this.unknown([...at, k, Object.keys(others)[0] as string], Object.keys(others)[0] as string, ["mean", "stddev"]);
          this.emit(`--${which}`, mean, [...at, k, "mean"]);
          this.emit(`--${which}-stddev`, stddev, [...at, k, "stddev"]);
        } else this.emit(`--${which}`, v, [...at, k]);
      }
      return true;
    });
  }

  private phases(value: unknown, path: (string | number)[]): void {
    if (Array.isArray(value)) {
      value.forEach((p, i) => {
        const phase = this.object(p, [...path, i]);
        const kind = String(phase.kind ?? (phase.name === "warmup" ? "warmup" : "profiling"));
        if (kind !== "warmup" && kind !== "profiling") this.fail([...path, i, "kind"], `expected warmup or profiling, got ${JSON.stringify(phase.kind)}`);
        this.phase(phase, [...path, i], kind);
      });
      return;
    }
    const obj = this.object(value, path);
    // One phase written flat (`phases: {type: concurrency, …}`), or phases by name.
    if ("type" in obj || Object.keys(obj).some((k) => kebab(k) in PHASE_FLAGS)) return this.phase(obj, path, "profiling");
    for (const [name, p] of Object.entries(obj))
      this.phase(this.object(p, [...path, name]), [...path, name], name === "warmup" || (p as Obj)?.kind === "warmup" ? "warmup" : "profiling");
  }

  private phase(obj: Obj, path: (string | number)[], kind: PhaseKind): void {
    for (const [rawKey, value] of Object.entries(obj)) {
      const key = kebab(rawKey);
      const at = [...path, rawKey];
      const flag = PHASE_FLAGS[key]?.[kind];
      if (flag !== undefined) this.emit(flag, value, at);
      else if (key === "name" || key === "kind") continue;
      else if (key === "type") {
        if (value === "concurrency") continue;
        if (typeof value !== "string" || !RATE_TYPES.includes(value))
          this.fail(at, `expected concurrency or one of ${RATE_TYPES.join(", ")}, got ${JSON.stringify(value)}`);
        this.emit(kind === "warmup" ? "--warmup-arrival-pattern" : "--arrival-pattern", value, at);
      } else this.unknown(at, rawKey, ["name", "kind", "type", ...Object.keys(PHASE_FLAGS)]);
    }
  }

  private artifacts(obj: Obj, path: (string | number)[]): void {
    this.sub(obj, path, { dir: "--artifact-dir" });
  }
}

/**
 * The profile input from a command line that may name a config file: the file's flags, then the
 * command line's over them (a flag given in both takes the command line's value, lists included).
 */
export function readProfileInput(rawArgs: readonly string[]): {
  input: Record<string, unknown>;
  verbosity: 0 | 1 | 2;
  file?: ConfigFile;
  fromFile: Map<string, FileFlag>;
} {
  const { configPath, rest } = splitConfigArg(rawArgs);
  const cli = readProfileArgs(rest);
  const fromFile = new Map<string, FileFlag>();
  if (configPath === undefined) return { ...cli, fromFile };
  const file = readConfigFile(configPath);
  const input: Record<string, unknown> = {};
  for (const f of file.flags) {
    // The command line's value wins: the file's is not even read (a sweep list there is no error then).
    const given = BY_NAME.get(f.flag)?.key;
    if (given !== undefined && given in cli.input) continue;
    let one: Record<string, unknown>;
    try {
      one = readProfileArgs(fileFlagArgs([f])).input;
    } catch (error) {
      throw inFile(file.path, f, error);
    }
    for (const [key, value] of Object.entries(one)) {
      const before = input[key];
      input[key] = Array.isArray(before) && Array.isArray(value) ? [...before, ...value] : value;
      if (!(key in cli.input)) fromFile.set(key, f);
    }
  }
  return { input: { ...input, ...cli.input }, verbosity: cli.verbosity, file, fromFile };
}

function inFile(path: string, f: FileFlag, error: unknown): unknown {
  if (!(error instanceof BenchError)) return error;
  return new BenchError(
    "CONFIG_INVALID",
    `${path}${f.line === undefined ? "" : `:${f.line}`}: ${f.key}: ${error.message}`,
    error.hint === undefined ? {} : { hint: error.hint },
  );
}

/** Validates as parseProfileConfig does; a bad value that came from the file is reported at its line. */
export function parseProfileInput(read: ReturnType<typeof readProfileInput>): ProfileConfig {
  const result = v.safeParse(ProfileConfig, read.input);
  const key = result.success ? undefined : (String(result.issues[0]?.path?.[0]?.key ?? "") as keyof ProfileInput);
  try {
    return parseProfileConfig(read.input);
  } catch (error) {
    const f = key === undefined ? undefined : read.fromFile.get(key);
    throw f === undefined || read.file === undefined ? error : inFile(read.file.path, f, error);
  }
}
