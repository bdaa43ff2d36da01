/** `aiperf config init|validate|expand`: starter config files, and what a file would run, as upstream. */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { type ArgsDef, defineCommand } from "citty";
import * as v from "valibot";
import { expandVariations, validateVariation } from "../config/config-expand.ts";
import { fileFlagArgs, pluginArgs, readConfigFile } from "../config/config-file.ts";
import { renderTemplate, TEMPLATES } from "../config/config-templates.ts";
import { BenchError } from "../core/errors.ts";
import { redactArgs } from "../core/redact.ts";
import { loadPlugins } from "../plugins/load.ts";
import { readCommandFlags } from "./flags.ts";
import { splitPositionals } from "./positionals.ts";

const INIT_ARGS = {
  template: { type: "string", alias: "t", default: "minimal", description: `Template: ${TEMPLATES.map((t) => t.name).join(", ")} (--list describes them)` },
  list: { type: "boolean", alias: "l", description: "List the templates and exit" },
  model: { type: "string", alias: "m", default: "my-model", description: "Model name written into the file" },
  url: { type: "string", alias: "u", default: "http://localhost:8000", description: "Server URL written into the file" },
  output: { type: "string", alias: "o", description: "Write the file here instead of printing it" },
  force: { type: "boolean", description: "Overwrite --output when it exists" },
} satisfies ArgsDef;

const InitSchema = v.object({
  template: v.picklist(TEMPLATES.map((t) => t.name)),
  list: v.optional(v.boolean()),
  model: v.pipe(v.string(), v.minLength(1)),
  url: v.pipe(v.string(), v.minLength(1)),
  output: v.optional(v.pipe(v.string(), v.minLength(1))),
  force: v.optional(v.boolean()),
});

const initCommand = defineCommand({
  meta: { name: "config init", description: "Write a starter config file (YAML) for aiperf profile --config" },
  args: INIT_ARGS,
  run({ rawArgs }) {
    const flags = readCommandFlags("config init", INIT_ARGS, InitSchema, rawArgs);
    if (flags.list === true) {
      const width = Math.max(...TEMPLATES.map((t) => t.name.length));
      process.stdout.write(TEMPLATES.map((t) => `  ${t.name.padEnd(width)}  ${t.title}\n`).join(""));
      return;
    }
    const template = TEMPLATES.find((t) => t.name === flags.template) as (typeof TEMPLATES)[number];
    const text = renderTemplate(template, flags.model, flags.url);
    if (flags.output === undefined) return void process.stdout.write(text);
    if (existsSync(flags.output) && flags.force !== true)
      throw new BenchError("CONFIG_INVALID", `${flags.output} exists: not overwritten`, { hint: "pass --force to overwrite it, or choose another --output" });
    try {
      mkdirSync(dirname(flags.output), { recursive: true });
      writeFileSync(flags.output, text);
    } catch (error) {
      throw new BenchError("CONFIG_INVALID", `Cannot write --output ${flags.output}: ${(error as Error).message}`);
    }
    process.stdout.write(`Wrote ${flags.output} (template ${template.name}). Edit it, then: aiperf profile --config ${flags.output}\n`);
  },
});

const VALIDATE_ARGS = {} satisfies ArgsDef;

const validateCommand = defineCommand({
  meta: { name: "config validate", description: "Check a config file as aiperf profile would, without running anything" },
  args: VALIDATE_ARGS,
  async run({ rawArgs }) {
    const { positionals, flags } = splitPositionals("config validate", VALIDATE_ARGS, rawArgs, ["FILE"]);
    readCommandFlags("config validate", VALIDATE_ARGS, v.object({}), flags);
    const file = readConfigFile(positionals[0] as string);
    // The file's plugins, so their endpoint types, formats and transports are valid names.
    await loadPlugins(pluginArgs(["--config", file.path]));
    const variations = expandVariations(file);
    for (const variation of variations) validateVariation(file, variation);
    const runs = variations.length === 1 ? "1 run" : `${variations.length} runs (${variations.map((x) => x.label).join("; ")})`;
    process.stdout.write(`Configuration valid: ${file.path}: ${file.flags.length} option${file.flags.length === 1 ? "" : "s"}, ${runs}\n`);
  },
});

const EXPAND_ARGS = {
  format: { type: "string", alias: "f", default: "text", description: "Output: text (one command line per run), json or yaml" },
} satisfies ArgsDef;
const ExpandSchema = v.object({ format: v.picklist(["text", "json", "yaml"]) });

const expandCommand = defineCommand({
  meta: { name: "config expand", description: "List the runs a config file describes (one per sweep point), each as the profile flags it stands for" },
  args: EXPAND_ARGS,
  run({ rawArgs }) {
    const { positionals, flags } = splitPositionals("config expand", EXPAND_ARGS, rawArgs, ["FILE"]);
    const { format } = readCommandFlags("config expand", EXPAND_ARGS, ExpandSchema, flags);
    const file = readConfigFile(positionals[0] as string);
    const variations = expandVariations(file);
    // Printed: an API key (perhaps from the environment) is redacted as in the run's log.
    const rows = variations.map((x) => ({ index: x.index, label: x.label, values: x.values, args: redactArgs(fileFlagArgs(x.flags)) }));
    if (format === "json") return void process.stdout.write(`${JSON.stringify({ file: file.path, variations: rows }, null, 2)}\n`);
    if (format === "yaml") return void process.stdout.write(`${Bun.YAML.stringify({ file: file.path, variations: rows }, null, 2)}\n`);
    const quote = (a: string): string => (/^[\w./:=@,-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`);
    process.stdout.write(`${file.path}: ${variations.length} run${variations.length === 1 ? "" : "s"}\n`);
    for (const row of rows) process.stdout.write(`[${row.index}] ${row.label}\n  aiperf profile ${row.args.map(quote).join(" ")}\n`);
  },
});

const SUBCOMMANDS = { init: initCommand, validate: validateCommand, expand: expandCommand };

export const configCommand = defineCommand({
  meta: { name: "config", description: "Config files for profile --config: init (write one), validate (check one), expand (list its runs)" },
  subCommands: SUBCOMMANDS,
  // citty calls this after a subcommand too: only a bare `aiperf config` is an error.
  run({ rawArgs }) {
    if (rawArgs[0] !== undefined && rawArgs[0] in SUBCOMMANDS) return;
    throw new BenchError("CONFIG_INVALID", "Missing the config command: init, validate or expand", { hint: 'Run "aiperf config --help" for what each does' });
  },
});
