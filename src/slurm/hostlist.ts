/**
 * Slurm's host list syntax (SLURM_JOB_NODELIST): `gpu[01-03,7],login1,rack[1-2]-n[1-2]`. Expanded
 * here rather than with `scontrol show hostnames` so a bad list is one clear error and the
 * expansion is tested without a cluster. Zero padding follows the range's first number, as Slurm.
 */
import { BenchError } from "../core/errors.ts";

/** More hosts than any allocation has: a typo such as node[1-99999999] must not fill memory. */
const MAX_HOSTS = 100_000;

const bad = (list: string, why: string): BenchError =>
  new BenchError("CONFIG_INVALID", `Invalid Slurm node list "${list}": ${why}`, {
    hint: "Expected Slurm's syntax, e.g. node[01-04],gpu7 (as in SLURM_JOB_NODELIST)",
  });

/** Every host name of `list`, in order, duplicates kept (Slurm keeps them too). */
export function expandHostlist(list: string): string[] {
  const out: string[] = [];
  for (const item of splitTopLevel(list)) {
    if (item === "") throw bad(list, "an empty name between commas");
    let names = [""];
    let rest = item;
    while (rest !== "") {
      const open = rest.indexOf("[");
      if (open < 0) {
        if (rest.includes("]")) throw bad(list, `"]" without "[" in "${item}"`);
        names = names.map((n) => n + rest);
        break;
      }
      const close = rest.indexOf("]", open);
      if (close < 0) throw bad(list, `"[" without "]" in "${item}"`);
      const prefix = rest.slice(0, open);
      if (prefix.includes("]")) throw bad(list, `"]" without "[" in "${item}"`);
      const numbers = expandRanges(list, rest.slice(open + 1, close));
      if (names.length * numbers.length > MAX_HOSTS) throw bad(list, `more than ${MAX_HOSTS} hosts`);
      names = names.flatMap((n) => numbers.map((num) => n + prefix + num));
      rest = rest.slice(close + 1);
    }
    out.push(...names);
    if (out.length > MAX_HOSTS) throw bad(list, `more than ${MAX_HOSTS} hosts`);
  }
  return out;
}

/** Splits at commas outside brackets. */
function splitTopLevel(list: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === "[") {
      if (depth > 0) throw bad(list, "nested brackets");
      depth++;
    } else if (c === "]") depth = Math.max(0, depth - 1);
    else if (c === "," && depth === 0) {
      items.push(list.slice(start, i).trim());
      start = i + 1;
    }
  }
  items.push(list.slice(start).trim());
  return items;
}

/** `01-03,7` → ["01","02","03","7"]. */
function expandRanges(list: string, body: string): string[] {
  const out: string[] = [];
  for (const part of body.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (m === null) throw bad(list, `"${part}" is not a number or a range such as 01-04`);
    const lo = m[1] as string;
    const hi = m[2] ?? lo;
    const from = Number(lo);
    const to = Number(hi);
    if (to < from) throw bad(list, `the range ${lo}-${hi} runs backwards`);
    if (to - from + 1 > MAX_HOSTS) throw bad(list, `more than ${MAX_HOSTS} hosts`);
    for (let n = from; n <= to; n++) out.push(String(n).padStart(lo.length, "0"));
  }
  return out;
}
