/**
 * Help pages of the commands besides profile (profile-help.ts): the root's command list, and the
 * topics and examples of mock-server and bus-demo, drawn by cli/help.ts. Loaded only for --help.
 */
import type { CommandDef, SubCommandsDef } from "citty";
import { cittyHelp, type HelpOption, renderHelp } from "./help.ts";

const EXTRAS: Record<string, { examples: string[]; groups: Record<string, string[]>; usage?: string[] }> = {
  config: {
    usage: ["aiperf config init|validate|expand [OPTIONS]"],
    examples: [
      "aiperf config init --model my-model --url localhost:8000 --output bench.yaml",
      "aiperf config validate bench.yaml",
      "aiperf profile --config bench.yaml --request-count 50",
    ],
    groups: {},
  },
  "config init": { examples: ["aiperf config init --list", "aiperf config init --template sweep -m my-model -u localhost:8000 -o sweep.yaml"], groups: {} },
  "config validate": { usage: ["aiperf config validate FILE"], examples: ["aiperf config validate bench.yaml"], groups: {} },
  "config expand": { usage: ["aiperf config expand FILE [--format text|json|yaml]"], examples: ["aiperf config expand sweep.yaml --format json"], groups: {} },
  kube: {
    usage: ["aiperf kube generate|logs|results|cleanup [OPTIONS]"],
    examples: [
      "aiperf kube generate -m my-model -u http://vllm.llm.svc:8000 --concurrency 2000 --image registry.example.com/aiperf-bun:0.1.0 > run.yaml",
      "aiperf kube logs my-run --namespace perf",
      "aiperf kube results my-run -o ./artifacts/my-run",
      "aiperf kube cleanup my-run",
    ],
    groups: {},
  },
  "kube generate": {
    usage: ["aiperf kube generate <profile flags> [--name NAME] [--namespace NS] [--image IMAGE] [--worker-nodes N | --workers-max N] [-o FILE]"],
    examples: [
      "aiperf kube generate -m my-model -u http://vllm.llm.svc:8000 --streaming --concurrency 1000 --request-count 20000 --name bench1 --namespace perf --image registry.example.com/aiperf-bun:0.1.0 | kubectl apply -f -",
    ],
    groups: {},
  },
  "kube logs": { usage: ["aiperf kube logs NAME [--namespace NS] [--all] [--follow]"], examples: ["aiperf kube logs bench1 -n perf --follow"], groups: {} },
  "kube results": {
    usage: ["aiperf kube results NAME [--namespace NS] [-o DIR] [--keep]"],
    examples: ["aiperf kube results bench1 -n perf -o artifacts/bench1"],
    groups: {},
  },
  "kube cleanup": { usage: ["aiperf kube cleanup NAME [--namespace NS]"], examples: ["aiperf kube cleanup bench1 -n perf"], groups: {} },
  compare: {
    usage: ["aiperf compare BASE_DIR NEW_DIR [OPTIONS]"],
    examples: ["aiperf compare artifacts/yesterday artifacts/today", "aiperf compare base/ new/ --metric time_to_first_token --statistic p99 --threshold 10"],
    groups: {},
  },
  plot: {
    usage: ["aiperf plot [RUN_DIR | FOLDER_OF_RUNS]... [OPTIONS]"],
    examples: ["aiperf plot artifacts/my-run", "aiperf plot artifacts/ -o sweep-report --png", "aiperf profile ... --auto-plot"],
    groups: { Input: ["paths"], Output: ["output", "theme", "png"] },
  },
  plugins: {
    usage: ["aiperf plugins [KIND] [--plugin PATH]... [--format text|json]"],
    examples: [
      "aiperf plugins",
      "aiperf plugins endpoint --plugin examples/plugins/endpoint.ts",
      "aiperf profile -m my-model --plugin ./my-endpoint.ts --endpoint-type my_type",
    ],
    groups: {},
  },
  slurm: {
    usage: ["aiperf slurm generate <profile flags> [--nodes N] [--partition P] [--time T] [--account A] [-o FILE]"],
    examples: [
      "aiperf slurm generate -m my-model -u http://gpu-host:8000 --streaming --concurrency 512 --nodes 3 --time 30 -o bench.sbatch && sbatch bench.sbatch",
    ],
    groups: {},
  },
  "slurm generate": {
    usage: ["aiperf slurm generate <profile flags> [OPTIONS]"],
    examples: [
      "aiperf slurm generate -m my-model -u http://gpu-host:8000 --streaming --concurrency 512 --nodes 3 --partition cpu --time 30 -o bench.sbatch",
      "sbatch bench.sbatch",
      "salloc --nodes 3 --exclusive aiperf profile --slurm -m my-model -u http://gpu-host:8000 --concurrency 512 --zmq-host <this host's address>",
    ],
    groups: { Allocation: ["nodes", "partition", "time", "account", "job-name"], Output: ["binary", "output", "force"] },
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

/** A subcommand's page (with its own subcommands listed, as `config` has). */
export async function commandHelp(cmd: CommandDef, name: string, columns?: number): Promise<string> {
  const page = await cittyHelp(cmd, `aiperf ${name}`, EXTRAS[name] ?? {});
  const subs = (typeof cmd.subCommands === "function" ? await cmd.subCommands() : await cmd.subCommands) as SubCommandsDef | undefined;
  if (subs !== undefined) {
    page.commands = [];
    for (const [sub, load] of Object.entries(subs)) {
      const def = (await (typeof load === "function" ? load() : load)) as CommandDef;
      const meta = typeof def.meta === "function" ? await def.meta() : await def.meta;
      if (meta?.hidden === true) continue;
      page.commands.push({ label: sub, text: meta?.description ?? "" });
    }
  }
  return renderHelp(page, columns);
}
