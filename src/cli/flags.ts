/** Turns citty's raw strings into a valibot-checked object; a bad value names the flag and the rule. */
import * as v from "valibot";
import { BenchError } from "../core/errors.ts";

/** Parses `numeric` flags as numbers first, then validates everything with `schema`. */
export function parseFlags<S extends v.GenericSchema>(schema: S, args: Record<string, unknown>, numeric: string[]): v.InferOutput<S> {
  const raw: Record<string, unknown> = { ...args };
  for (const key of numeric) {
    const text = raw[key];
    if (typeof text === "string" && text.trim() !== "") raw[key] = Number(text);
  }
  const result = v.safeParse(schema, raw);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const flag = issue?.path?.map((p) => String(p.key)).join(".") ?? "?";
  throw new BenchError("CONFIG_INVALID", `Invalid value ${JSON.stringify(args[flag])} for --${flag}: ${issue?.message ?? "not allowed"}`);
}
