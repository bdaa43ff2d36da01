/**
 * Commands that take paths (config validate FILE, compare BASE NEW): the positional words are
 * taken off the command line here, the rest goes to readCommandFlags, which accepts only flags.
 */
import type { ArgsDef } from "citty";
import { BenchError } from "../core/errors.ts";

/** Splits `rawArgs` into positional words and flags (a value-taking flag keeps its next word). */
export function splitPositionals(
  command: string,
  defs: ArgsDef,
  rawArgs: readonly string[],
  names: readonly string[],
): { positionals: string[]; flags: string[] } {
  const valued = new Set<string>();
  for (const [key, def] of Object.entries(defs)) {
    if (def.type === "boolean" || def.type === "positional") continue;
    valued.add(`--${key}`);
    const raw = (def as { alias?: string | string[] }).alias;
    for (const a of raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]) valued.add(a.length === 1 ? `-${a}` : `--${a}`);
  }
  const positionals: string[] = [];
  const flags: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] as string;
    if (arg.startsWith("-") && arg !== "-") {
      flags.push(arg);
      if (valued.has(arg) && i + 1 < rawArgs.length) flags.push(rawArgs[++i] as string);
    } else positionals.push(arg);
  }
  if (positionals.length !== names.length) {
    const usage = `aiperf ${command} ${names.join(" ")} [OPTIONS]`;
    const what =
      positionals.length < names.length ? `Missing ${names.slice(positionals.length).join(" and ")}` : `Unexpected argument "${positionals[names.length]}"`;
    throw new BenchError("CONFIG_INVALID", `${what}: usage is ${usage}`, { hint: `Run "aiperf ${command} --help" for the options` });
  }
  return { positionals, flags };
}
