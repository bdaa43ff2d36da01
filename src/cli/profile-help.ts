/**
 * `aiperf profile --help`: every flag of the flag table with its aliases, value hint, help and
 * schema default, in two columns wrapped to the terminal. citty's own renderer right-aligns every
 * label to the longest one, which with a hundred flags pushed each line past 600 columns.
 */
import * as v from "valibot";
import { PROFILE_FLAGS, type FlagSpec } from "../config/profile-flags.ts";
import { ProfileConfig } from "../config/profile-schema.ts";
import { VERSION } from "../core/version.ts";

/** Labels longer than this put their description on the next line. */
const LABEL_WIDTH = 34;

/** The help text; `columns` is the terminal width (100 when not a terminal). */
export function renderProfileHelp(columns = process.stdout.columns ?? 100): string {
  const width = Math.max(60, columns);
  const lines = [
    `Benchmark an OpenAI-compatible inference server (aiperf profile v${VERSION})`,
    "",
    "USAGE  aiperf profile -m MODEL [-u URL] [OPTIONS]",
    "",
    "OPTIONS",
  ];
  const entries = [...PROFILE_FLAGS.map(entry), { label: "-v, --verbose", text: "Debug logging (-vv: trace)" }];
  for (const { label, text } of entries) {
    const wrapped = wrap(text, width - LABEL_WIDTH - 4);
    if (label.length > LABEL_WIDTH) lines.push(`  ${label}`, ...wrapped.map((l) => `${" ".repeat(LABEL_WIDTH + 4)}${l}`));
    else wrapped.forEach((l, i) => lines.push(`  ${(i === 0 ? label : "").padEnd(LABEL_WIDTH)}  ${l}`));
  }
  return `${lines.join("\n")}\n`;
}

function entry(f: FlagSpec): { label: string; text: string } {
  const [primary, ...aliases] = f.names as [string, ...string[]];
  const short = aliases.filter((a) => !a.startsWith("--"));
  const long = aliases.filter((a) => a.startsWith("--"));
  const value = f.kind === "boolean" ? "" : ` <${f.hint !== undefined && f.hint.length <= 24 ? f.hint : primary.replace(/^-+/, "").replaceAll("-", "_")}>`;
  const label = [...short, primary].join(", ") + value;
  const fallback: unknown = v.getDefault(ProfileConfig.entries[f.key] as v.GenericSchema);
  const shown = fallback === undefined || (Array.isArray(fallback) && fallback.length === 0) ? undefined : String(fallback);
  const parts = [f.help];
  if (f.hint !== undefined && f.hint.length > 24) parts.push(`(one of: ${f.hint.split("|").join(", ")})`);
  if (long.length > 0) parts.push(`(also ${long.join(", ")})`);
  if (shown !== undefined) parts.push(`(Default: ${shown})`);
  return { label, text: parts.join(" ") };
}

/** Greedy word wrap; a word longer than the width gets a line of its own; "(Default: x)" stays whole. */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).reduce<string[]>((words, w) => (words.at(-1) === "(Default:" ? [...words.slice(0, -1), `(Default: ${w}`] : [...words, w]), [])) {
    if (line !== "" && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") out.push(line);
  return out;
}
