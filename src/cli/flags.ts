/**
 * The flags of the commands besides profile (mock-server, bus-demo), read strictly from the raw
 * command line as profile reads its own (config/profile-flags.ts): an unknown flag or a stray
 * argument is an error with a "did you mean", and a bad value is one message naming the flag, the
 * value and the rule ("Invalid value "99999" for --port: expected an integer from 0 to 65535"),
 * never valibot's own text. All of them exit 2 (CONFIG_INVALID) before the command starts anything.
 *
 * The flag names, aliases, kinds and defaults come from the command's citty `args` (the same
 * definitions its help page is drawn from); the rules come from a valibot object schema with one
 * entry per flag, so help, parsing and validation cannot disagree.
 */
import type { ArgsDef } from "citty";
import * as v from "valibot";
import { invalidValue } from "../config/conflict.ts";
import { didYouMean } from "../config/did-you-mean.ts";
import { BenchError } from "../core/errors.ts";

type Schema = v.ObjectSchema<v.ObjectEntries, v.ErrorMessage<v.ObjectIssue> | undefined>;
type Def = ArgsDef[string];

/** Reads `rawArgs` (the words after the command's name) against `defs`, then checks them with `schema`. */
export function readCommandFlags<S extends Schema>(command: string, defs: ArgsDef, schema: S, rawArgs: readonly string[]): v.InferOutput<S> {
  const byName = new Map<string, [string, Def]>();
  for (const [key, def] of Object.entries(defs)) {
    if (def.type === "positional") continue;
    byName.set(`--${key}`, [key, def]);
    for (const alias of aliasesOf(def)) byName.set(alias.length === 1 ? `-${alias}` : `--${alias}`, [key, def]);
  }
  const isFlag = (word: string | undefined): boolean => word !== undefined && (byName.has(word.split("=")[0] as string) || word === "--help" || word === "-h");
  const help = `Run "aiperf ${command} --help" for the list of options`;

  // What the user typed, as text (booleans as true/false); later occurrences win, as in profile.
  const typed = new Map<string, { flag: string; text: string | boolean }>();
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] as string;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const found = byName.get(name);
    if (found === undefined) {
      // citty's negation of a boolean flag: --no-in-process.
      const negated = name.startsWith("--no-") && eq < 0 ? byName.get(`--${name.slice(5)}`) : undefined;
      if (negated !== undefined && negated[1].type === "boolean") {
        typed.set(negated[0], { flag: name, text: false });
        continue;
      }
      if (!arg.startsWith("-") || /^-\d/.test(arg))
        throw new BenchError("CONFIG_INVALID", `Unexpected argument "${arg}": ${command} takes only options`, { hint: help });
      const near = didYouMean(
        name,
        [...byName.keys()].filter((n) => n.startsWith("--")),
      );
      throw new BenchError("CONFIG_INVALID", `Unknown option "${arg}"${near === undefined ? "" : `; did you mean ${near}?`}`, { hint: help });
    }
    const [key, def] = found;
    if (def.type === "boolean") {
      const text =
        eq > 0
          ? arg
              .slice(eq + 1)
              .trim()
              .toLowerCase()
          : "true";
      if (text !== "true" && text !== "false") throw invalidValue(name, arg.slice(eq + 1), "expected true or false (or the flag alone)");
      typed.set(key, { flag: name, text: text === "true" });
      continue;
    }
    // A value is the rest after "=" or the next word; the next word is no value when it is itself
    // a flag (`--host --port 1`), though a negative number is (`--port -1` is then reported as such).
    const next = rawArgs[i + 1];
    if (eq < 0 && (next === undefined || isFlag(next))) throw invalidValue(name, null, "a value is required");
    typed.set(key, { flag: name, text: eq > 0 ? arg.slice(eq + 1) : (rawArgs[++i] as string) });
  }

  const input: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(schema.entries)) {
    const given = typed.get(key);
    const def = defs[key];
    const text = given?.text ?? (def !== undefined && "default" in def ? def.default : undefined);
    if (text === undefined) continue;
    if (typeof text === "string" && baseOf(entry).type === "number") {
      const n = readNumber(text);
      if (n === undefined) throw invalidValue(given?.flag ?? `--${key}`, text, ruleOf(entry));
      input[key] = n;
    } else input[key] = text;
  }
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const key = String(issue?.path?.[0]?.key ?? "");
  const entry = schema.entries[key];
  const given = typed.get(key);
  throw invalidValue(given?.flag ?? `--${key}`, given?.text ?? input[key], entry === undefined ? (issue?.message ?? "not allowed") : ruleOf(entry));
}

function aliasesOf(def: Def): string[] {
  const raw = (def as { alias?: string | string[] }).alias;
  return raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
}

/** A decimal number, as a user writes one: no hex (0x10), no "Infinity", no blanks. */
function readNumber(text: string): number | undefined {
  const t = text.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

type Node = { type: string; wrapped?: Node; pipe?: readonly { type: string; requirement?: unknown }[]; options?: readonly unknown[] };

/** The schema under `optional(...)`: the one that says what the value is. */
function baseOf(entry: unknown): Node {
  let node = entry as Node;
  while ((node.type === "optional" || node.type === "nullish" || node.type === "exact_optional") && node.wrapped !== undefined) node = node.wrapped;
  return node;
}

/** The rule a flag's value must meet, in words, from its schema ("expected an integer from 0 to 65535"). */
function ruleOf(entry: unknown): string {
  const node = baseOf(entry);
  const pipe = node.pipe ?? [];
  const requirement = (type: string): unknown => pipe.find((p) => p.type === type)?.requirement;
  switch (node.type) {
    case "picklist":
      return `expected one of ${(node.options ?? []).map(String).join(", ")}`;
    case "boolean":
      return "expected true or false (or the flag alone)";
    case "number": {
      const what = pipe.some((p) => p.type === "integer") ? "an integer" : "a number";
      const min = requirement("min_value");
      const max = requirement("max_value");
      if (min !== undefined && max !== undefined) return `expected ${what} from ${String(min)} to ${String(max)}`;
      if (min !== undefined) return `expected ${what} of at least ${String(min)}`;
      if (max !== undefined) return `expected ${what} of at most ${String(max)}`;
      return `expected ${what}`;
    }
    case "string":
      return requirement("min_length") !== undefined ? "expected a non-empty value" : "expected text";
    default:
      return "not allowed";
  }
}
