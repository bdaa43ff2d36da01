/**
 * `aiperf plugins [KIND] [--plugin PATH]…` (upstream has the command): what endpoint types,
 * dataset formats, transports and metrics are available, built-in and from the plugin files given.
 */
import { defineCommand } from "citty";
import { pluginArgs } from "../config/config-file.ts";
import { BenchError } from "../core/errors.ts";
import { type Available, available, KIND_ALIASES, PLUGIN_KINDS, type PluginKind } from "../plugins/catalogue.ts";
import { loadPlugins } from "../plugins/load.ts";

const TITLES: Record<PluginKind, string> = {
  endpoint: "Endpoint types (--endpoint-type)",
  dataset: "Dataset formats (--custom-dataset-type, --public-dataset)",
  transport: "Transports (--transport)",
  metric: "Metrics (export tags)",
};

export const pluginsCommand = defineCommand({
  meta: { name: "plugins", description: "List the endpoint types, dataset formats, transports and metrics available, built-in and from --plugin files" },
  args: {
    kind: { type: "positional", required: false, valueHint: PLUGIN_KINDS.join("|"), description: "Only this kind" },
    plugin: { type: "string", description: "A plugin file to load first (repeatable)" },
    format: { type: "string", default: "text", valueHint: "text|json", description: "text: one table per kind; json: a list, for scripts" },
  },
  async run({ rawArgs }) {
    const { kind, format } = readArgs(rawArgs);
    await loadPlugins(pluginArgs(rawArgs));
    const rows = available().filter((r) => kind === undefined || r.kind === kind);
    if (format === "json") return void process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    process.stdout.write(render(rows, kind === undefined ? [...PLUGIN_KINDS] : [kind]));
  },
});

function readArgs(rawArgs: readonly string[]): { kind?: PluginKind; format: "text" | "json" } {
  let kind: PluginKind | undefined;
  let format: "text" | "json" = "text";
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] as string;
    if (arg === "--plugin") i++;
    else if (arg.startsWith("--plugin=")) continue;
    else if (arg === "--format" || arg.startsWith("--format=")) {
      const value = arg === "--format" ? rawArgs[++i] : arg.slice("--format=".length);
      if (value !== "text" && value !== "json")
        throw new BenchError("CONFIG_INVALID", `Invalid value ${JSON.stringify(value ?? null)} for --format: expected text or json`);
      format = value;
    } else if (arg.startsWith("-"))
      throw new BenchError("CONFIG_INVALID", `Unknown option "${arg}" for aiperf plugins`, { hint: 'Run "aiperf plugins --help" for its options' });
    else if (kind !== undefined) throw new BenchError("CONFIG_INVALID", `Unexpected argument "${arg}": aiperf plugins takes one KIND`);
    else {
      kind = KIND_ALIASES[arg.toLowerCase()];
      if (kind === undefined) throw new BenchError("CONFIG_INVALID", `Unknown kind "${arg}": expected one of ${PLUGIN_KINDS.join(", ")}`);
    }
  }
  return kind === undefined ? { format } : { kind, format };
}

function render(rows: Available[], kinds: PluginKind[]): string {
  const width = Math.max(...rows.map((r) => r.name.length), 4) + 2;
  const out: string[] = [];
  for (const kind of kinds) {
    const of = rows.filter((r) => r.kind === kind);
    out.push(`${TITLES[kind]}: ${of.length}`);
    for (const r of of)
      out.push(`  ${r.name.padEnd(width)}${r.origin === "built-in" ? "built-in" : `plugin ${r.origin}`}${r.detail === undefined ? "" : `  (${r.detail})`}`);
    out.push("");
  }
  return `${out.join("\n")}`;
}
