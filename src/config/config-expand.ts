/**
 * `aiperf config expand|validate`: the runs a config file describes. A list on a one-value number
 * flag (`concurrency: [2, 4, 8]`) is a sweep, as upstream's "magic lists": one variation per
 * value, and the cartesian product over several such lists. Each variation is a plain flag list
 * that `aiperf profile` would accept, and is validated as profile validates its flags.
 */
import { BenchError } from "../core/errors.ts";
import { type ConfigFile, type FileFlag, fileFlagArgs } from "./config-file.ts";
import { PROFILE_FLAGS, parseProfileConfig, readProfileArgs } from "./profile-flags.ts";
import type { ProfileConfig } from "./profile-schema.ts";

type Variation = { index: number; label: string; values: Record<string, number>; flags: FileFlag[] };

const NUMBER_FLAGS = new Set(PROFILE_FLAGS.filter((f) => f.kind === "number").flatMap((f) => f.names));

/** One variation per point of the file's sweep lists (one variation, "base", without any). */
export function expandVariations(file: ConfigFile): Variation[] {
  const sweeps = file.flags.filter((f) => NUMBER_FLAGS.has(f.flag) && typeof f.text === "string" && f.text.includes(","));
  let combos: { values: Record<string, number>; flags: FileFlag[] }[] = [{ values: {}, flags: file.flags }];
  for (const sweep of sweeps) {
    const points = (sweep.text as string).split(",").map((s) => s.trim());
    combos = combos.flatMap((c) =>
      points.map((point) => ({
        values: { ...c.values, [sweep.flag.replace(/^--/, "")]: Number(point) },
        flags: c.flags.map((f) => (f === sweep ? { ...f, text: point } : f)),
      })),
    );
  }
  return combos.map((c, index) => ({
    index,
    label:
      sweeps.length === 0
        ? "base"
        : Object.entries(c.values)
            .map(([k, n]) => `${k}=${n}`)
            .join(", "),
    values: c.values,
    flags: c.flags,
  }));
}

/** Checks a variation as `aiperf profile` would (plus `extraArgs` from the command line); errors name the file's line. */
export function validateVariation(file: ConfigFile, variation: Variation, extraArgs: string[] = []): ProfileConfig {
  let input: Record<string, unknown> = {};
  for (const f of variation.flags) {
    try {
      const one = readProfileArgs(fileFlagArgs([f])).input;
      for (const [key, value] of Object.entries(one)) {
        const before = input[key];
        input[key] = Array.isArray(before) && Array.isArray(value) ? [...before, ...value] : value;
      }
    } catch (error) {
      if (!(error instanceof BenchError)) throw error;
      throw new BenchError(
        "CONFIG_INVALID",
        `${file.path}${f.line === undefined ? "" : `:${f.line}`}: ${f.key}: ${error.message}`,
        error.hint === undefined ? {} : { hint: error.hint },
      );
    }
  }
  input = { ...input, ...readProfileArgs(extraArgs).input };
  try {
    return parseProfileConfig(input);
  } catch (error) {
    if (!(error instanceof BenchError)) throw error;
    const where = variation.label === "base" ? file.path : `${file.path} (variation ${variation.index}: ${variation.label})`;
    throw new BenchError("CONFIG_INVALID", `${where}: ${error.message}`, error.hint === undefined ? {} : { hint: error.hint });
  }
}
