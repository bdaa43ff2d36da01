/**
 * `profile()`'s options: the CLI's own schema (config/profile-schema.ts) with camelCase keys, so
 * every flag is an option with the same defaults and rules, plus the controls only a caller in
 * code has (an AbortSignal, callbacks). A few list-valued flags also take the shape code would
 * write (`model: "m"`, `header: { "x-key": "v" }`).
 */
import { BenchError } from "../core/errors.ts";
import { readProfileInput } from "../config/config-file.ts";
import { didYouMean } from "../config/did-you-mean.ts";
import { PROFILE_FLAGS } from "../config/profile-flags.ts";
import { ProfileConfig, type ProfileInput } from "../config/profile-schema.ts";
import type { RecordLine } from "../export/jsonl-export.ts";

/** One progress update: the stage ("Requests (Profiling)", "Records (Processing)", "Warmup"), its count and total. */
export type ProfileProgress = { stage: string; done: number; total: number | undefined; elapsedMs: number };

/** What only a caller in code can give. */
export type RunControls = {
  /** Aborting stops the run as Ctrl-C does: requests in flight are cut, the partial report resolves (`was_cancelled`). */
  signal?: AbortSignal;
  /** Called as requests complete and records are processed (a few times a second at most per stage). */
  onProgress?: (progress: ProfileProgress) => void;
  /** Called with each profiling record as it is exported (within about a quarter second). */
  onRecord?: (record: RecordLine) => void;
  /** Also resolve every per-request record (`report.records`), as profile_export.jsonl holds them. */
  records?: boolean;
  /** Run the roles as child processes, as the binary does (default: all in this process). */
  processes?: boolean;
  /** Print the log and the result tables to the console as the CLI does (default: the log file only). */
  console?: boolean;
  /** A YAML or JSON config file, as `-f/--config`: its options under the ones given here. */
  config?: string;
};

type Pairs = [string, unknown][];
/** Flags whose CLI value is a list or pairs, in the shapes code writes. */
type Loosened = {
  model: string | string[];
  url?: string | string[];
  header?: Record<string, string | number | boolean> | Pairs;
  extraInputs?: Record<string, unknown> | Pairs;
};

export type ProfileOptions = Omit<ProfileInput, keyof Loosened> & Loosened & RunControls;

const CONTROL_KEYS = ["signal", "onProgress", "onRecord", "records", "processes", "console", "config"] as const satisfies readonly (keyof RunControls)[];

/** The option names `profile()` takes: the schema's keys and the controls. */
export function optionNames(): string[] {
  return [...Object.keys(ProfileConfig.entries), ...CONTROL_KEYS];
}

/** Splits the options into schema input and controls; an unknown key is an error (valibot would drop it silently). */
export function splitOptions(options: ProfileOptions): { input: Record<string, unknown>; controls: RunControls } {
  if (typeof options !== "object" || options === null)
    throw new BenchError("CONFIG_INVALID", 'profile() takes an options object, e.g. { model: "my-model", url: "http://localhost:8000" }');
  const known = optionNames();
  const input: Record<string, unknown> = {};
  const controls: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!known.includes(key)) {
      const near = didYouMean(key, known);
      throw new BenchError("CONFIG_INVALID", `Unknown profile() option "${key}"${near === undefined ? "" : `; did you mean ${near}?`}`, {
        hint: "The options are the CLI's flags in camelCase (--request-count → requestCount)",
      });
    }
    if ((CONTROL_KEYS as readonly string[]).includes(key)) controls[key] = value;
    else input[key] = loosen(key, value);
  }
  const file = controls.config;
  if (file !== undefined && typeof file !== "string") throw new BenchError("CONFIG_INVALID", "profile() option config must be a file path");
  // The file's values under the caller's, read (and its mistakes named by line) as -f/--config reads them.
  const fromFile = file === undefined ? {} : readProfileInput(["--config", file]).input;
  return { input: { ...fromFile, ...input }, controls: controls as RunControls };
}

function loosen(key: string, value: unknown): unknown {
  if ((key === "model" || key === "url") && typeof value === "string") return [value];
  if ((key === "header" || key === "extraInputs") && typeof value === "object" && value !== null && !Array.isArray(value)) return Object.entries(value);
  return value;
}

/**
 * The CLI's validation messages name flags ("--request-count"); a caller wrote an option, so the
 * message names both. The error stays a BenchError with the same code.
 */
export function asOptionError(error: BenchError): BenchError {
  let message = error.message;
  for (const match of error.message.matchAll(/--[a-z][a-z0-9-]*/g)) {
    const spec = PROFILE_FLAGS.find((f) => f.names.includes(match[0]));
    if (spec !== undefined) {
      message = message.replace(match[0], `${spec.key} (${match[0]})`);
      break;
    }
  }
  if (message === error.message) return error;
  return new BenchError(error.code, message, { ...(error.hint === undefined ? {} : { hint: error.hint }), cause: error });
}
