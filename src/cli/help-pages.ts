/**
 * Help pages of the commands besides profile (profile-help.ts): the root's command list, and the
 * topics and examples of mock-server and bus-demo, drawn by cli/help.ts. Loaded only for --help.
 */
import type { CommandDef, SubCommandsDef } from "citty";
import { cittyHelp, type HelpOption, renderHelp } from "./help.ts";

const EXTRAS: Record<string, { examples: string[]; groups: Record<string, string[]>; usage?: string[] }> = {
  plot: {
    usage: ["aiperf plot [RUN_DIR | FOLDER_OF_RUNS]... [OPTIONS]"],
    examples: ["aiperf plot artifacts/my-run", "aiperf plot artifacts/ -o sweep-report --png", "aiperf profile ... --auto-plot"],
    groups: { Input: ["paths"], Output: ["output", "theme", "png"] },
  },
  "mock-server": {
    examples: ["aiperf mock-server --port 8000 --ttft 40 --itl 8", "aiperf mock-server --port 0 --error-rate 5 --reset-rate 2 --random-seed 7"],
    groups: {
      Listening: ["host", "port"],
      "Timing and replies": ["ttft", "itl", "osl", "tokens-per-chunk", "model", "embedding-size"],
      "Injected faults": ["error-rate", "reset-rate", "stall-rate", "stall-ms", "random-seed"],
    },
  },
  "bus-demo": {
    examples: ["aiperf bus-demo --workers 8 --messages 1000000", "aiperf bus-demo --transport tcp --in-process"],
    groups: {
      Load: ["workers", "messages", "window", "message-bytes"],
      "Processes and transport": ["transport", "in-process"],
      "Logging and output": ["log-level", "artifact-dir"],
    },
  },
};

/** The root's page: every command that is not hidden. */
export async function rootHelp(root: CommandDef, columns?: number): Promise<string> {
  const meta = typeof root.meta === "function" ? await root.meta() : await root.meta;
  const subs = (typeof root.subCommands === "function" ? await root.subCommands() : await root.subCommands) as SubCommandsDef;
  const commands: HelpOption[] = [];
  for (const [name, load] of Object.entries(subs)) {
    const sub = (await (typeof load === "function" ? load() : load)) as CommandDef;
    const subMeta = typeof sub.meta === "function" ? await sub.meta() : await sub.meta;
    if (subMeta?.hidden === true) continue;
    commands.push({ label: name, text: subMeta?.description ?? "" });
  }
  return renderHelp(
    {
      command: "aiperf",
      summary: meta?.description ?? "",
      usage: ["aiperf <command> [OPTIONS]", "aiperf <command> --help", "aiperf --version"],
      commands,
      examples: ["aiperf mock-server --port 8000", "aiperf profile -m my-model -u localhost:8000 --streaming --concurrency 8"],
      sections: [],
      footer: ["Run 'aiperf <command> --help' for the options of a command."],
    },
    columns,
  );
}

/** A subcommand's page. */
export async function commandHelp(cmd: CommandDef, name: string, columns?: number): Promise<string> {
  return renderHelp(await cittyHelp(cmd, `aiperf ${name}`, EXTRAS[name] ?? {}), columns);
}
