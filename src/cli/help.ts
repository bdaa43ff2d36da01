/**
 * One help style for every command: a summary line, USAGE, EXAMPLES, then the options grouped by
 * topic in two columns, wrapped to the terminal (a narrow one puts each description under its
 * flag). Plain text only: no colours or escape codes (citty's renderer colours even a pipe and
 * pads every line to its longest label, ~150 columns).
 */
import type { ArgsDef, CommandDef } from "citty";
import { VERSION } from "../core/version.ts";

export type HelpOption = { label: string; text: string };
export type HelpSection = { title: string; options: HelpOption[] };
type HelpPage = {
  /** "aiperf profile" */
  command: string;
  summary: string;
  usage: string[];
  /** Commands (the root), shown before examples. */
  commands?: HelpOption[];
  /** Each example one command; a long one is split at " --" with trailing backslashes. */
  examples?: string[];
  sections: HelpSection[];
  footer?: string[];
};

/** Labels longer than this (or a terminal under 100 columns) put their description on the next line. */
const LABEL_WIDTH = 34;

/** The terminal width help is wrapped to: stdout's when it is a terminal, else $COLUMNS, else 100. */
export function helpColumns(): number {
  if (process.stdout.isTTY === true && (process.stdout.columns ?? 0) > 0) return process.stdout.columns;
  const env = Number(process.env.COLUMNS);
  return Number.isInteger(env) && env >= 40 ? env : 100;
}

export function renderHelp(page: HelpPage, columns = helpColumns()): string {
  const width = Math.max(40, columns);
  const lines = [...wrap(`${page.command} v${VERSION}: ${page.summary}`, width), "", "USAGE", ...page.usage.flatMap((u) => indent(wrap(u, width - 2), 2))];
  if (page.commands !== undefined && page.commands.length > 0) lines.push("", "COMMANDS", ...twoColumns(page.commands, width));
  if (page.examples !== undefined && page.examples.length > 0) lines.push("", "EXAMPLES", ...page.examples.flatMap((e) => example(e, width)));
  for (const section of page.sections) {
    if (section.options.length === 0) continue;
    lines.push("", section.title.toUpperCase(), ...twoColumns(section.options, width));
  }
  if (page.footer !== undefined) lines.push("", ...page.footer.flatMap((f) => wrap(f, width)));
  return `${lines.join("\n")}\n`;
}

function twoColumns(options: readonly HelpOption[], width: number): string[] {
  // Under 100 columns a side column would leave too little room for the text: stack instead.
  const stacked = width < 100;
  const out: string[] = [];
  for (const { label, text } of options) {
    if (stacked || label.length > LABEL_WIDTH) {
      out.push(...indent(wrap(label, width - 2), 2), ...indent(wrap(text, width - 6), 6));
      continue;
    }
    wrap(text, width - LABEL_WIDTH - 4).forEach((l, i) => out.push(`  ${(i === 0 ? label : "").padEnd(LABEL_WIDTH)}  ${l}`));
  }
  return out;
}

/** One example: on one line when it fits, else split before its options with " \" continuations. */
function example(command: string, width: number): string[] {
  if (command.length + 2 <= width) return [`  ${command}`];
  const pieces = command.split(/ (?=--?[a-zA-Z])/);
  const out: string[] = [];
  let line = "";
  for (const piece of pieces) {
    if (line !== "" && 2 + line.length + 1 + piece.length + 2 > width) {
      out.push(`${line} \\`);
      line = `    ${piece}`;
    } else line = line === "" ? `  ${piece}` : `${line} ${piece}`;
  }
  out.push(line);
  return out.flatMap((l) => (l.length <= width ? [l] : wrap(l, width)));
}

function indent(lines: string[], n: number): string[] {
  return lines.map((l) => `${" ".repeat(n)}${l}`);
}

/** Greedy word wrap; a word longer than the width is cut; "(Default: x)" stays whole when it fits. */
function wrap(text: string, width: number): string[] {
  const words = text
    .split(/\s+/)
    .filter((w) => w !== "")
    .reduce<string[]>((acc, w) => (acc.at(-1) === "(Default:" ? [...acc.slice(0, -1), `(Default: ${w}`] : [...acc, w]), []);
  const out: string[] = [];
  let line = "";
  for (let word of words) {
    if (line !== "" && line.length + 1 + word.length > width) {
      out.push(line);
      line = "";
    }
    while (word.length > width) {
      if (line !== "") out.push(line), (line = "");
      out.push(word.slice(0, width));
      word = word.slice(width);
    }
    line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") out.push(line);
  return out;
}

/** A citty command's options as help entries, grouped by `groups` (title → arg names; the rest under "Options"). */
function cittySections(args: ArgsDef, groups: Record<string, string[]> = {}): HelpSection[] {
  const entries = Object.entries(args).filter(([, def]) => def.type !== "positional");
  const option = ([name, def]: (typeof entries)[number]): HelpOption => {
    const options = def.type === "enum" ? (def as { options?: readonly string[] }).options : undefined;
    const value = def.type === "boolean" ? "" : ` <${options !== undefined ? options.join("|") : (def.valueHint ?? name.replaceAll("-", "_"))}>`;
    const raw = (def as { alias?: string | string[] }).alias;
    const alias = (raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]).map((a) => (a.length === 1 ? `-${a}` : `--${a}`));
    const fallback = def.default === undefined || def.type === "boolean" ? "" : ` (Default: ${String(def.default)})`;
    return { label: [...alias, `--${name}`].join(", ") + value, text: `${def.description ?? ""}${fallback}` };
  };
  const grouped = new Set(Object.values(groups).flat());
  const sections = Object.entries(groups).map(([title, names]) => ({ title, options: entries.filter(([n]) => names.includes(n)).map(option) }));
  const rest = entries.filter(([n]) => !grouped.has(n)).map(option);
  return [...sections, ...(rest.length > 0 ? [{ title: "Options", options: rest }] : [])];
}

/** The help page of any citty command, from its meta and args plus what `extra` adds. */
export async function cittyHelp(
  cmd: CommandDef,
  name: string,
  extra: { examples?: string[]; groups?: Record<string, string[]>; usage?: string[] } = {},
): Promise<HelpPage> {
  const meta = typeof cmd.meta === "function" ? await cmd.meta() : await cmd.meta;
  const args = typeof cmd.args === "function" ? await cmd.args() : ((await cmd.args) ?? {});
  return {
    command: name,
    summary: meta?.description ?? "",
    usage: extra.usage ?? [`${name} [OPTIONS]`],
    ...(extra.examples === undefined ? {} : { examples: extra.examples }),
    sections: [...cittySections(args, extra.groups), { title: "Help", options: [{ label: "-h, --help", text: "Show this help" }] }],
  };
}
