/**
 * `aiperf profile --help`: every flag of the flag table with its aliases, value hint, help and
 * schema default, grouped by topic (cli/help.ts draws it like every other command's help).
 */
import * as v from "valibot";
import { PROFILE_FLAGS, type FlagSpec } from "../config/profile-flags.ts";
import { ProfileConfig } from "../config/profile-schema.ts";
import { helpColumns, type HelpSection, renderHelp } from "./help.ts";
import { STUDY_HELP } from "../study/help.ts";

/**
 * Topics, each starting at a flag of the table (which lists flags by topic): a flag added later
 * falls into the topic of the flags around it. `peerMetrics` sits among the endpoint flags in the
 * table but belongs with the output.
 */
const TOPICS: [first: FlagSpec["key"], title: string][] = [
  ["model", "Server and endpoint"],
  ["concurrency", "Load: concurrency, rate, schedule, users"],
  ["requestCount", "How long: request count, duration, warmup, cancellation"],
  ["isl", "Synthetic prompts and conversations"],
  ["inputFile", "Dataset files and prompt shaping"],
  ["imageWidthMean", "Images, audio and rankings"],
  ["randomSeed", "Tokenizer, output and processes"],
  ["serverMetrics", "Server metrics and GPU telemetry"],
  ["failedRequestThreshold", "Run validity and failing the run"],
];
const MOVED: Partial<Record<FlagSpec["key"], string>> = { peerMetrics: "Tokenizer, output and processes" };

const EXAMPLES = [
  "aiperf profile -m Qwen/Qwen3-0.6B -u localhost:8000 --streaming --concurrency 16 --request-count 500",
  "aiperf profile -m my-model -u http://gpu-host:30000 --streaming --request-rate 20 --benchmark-duration 120",
  "aiperf profile -m my-model -u localhost:8000 --input-file trace.jsonl --custom-dataset-type mooncake_trace",
  "aiperf profile --slurm -m my-model -u http://gpu-host:8000 --concurrency 512   (in an sbatch/salloc allocation; see aiperf slurm --help)",
];

/** The help text; `columns` is the terminal width (100 when not a terminal). */
export function renderProfileHelp(columns = helpColumns()): string {
  const sections: HelpSection[] = TOPICS.map(([, title]) => ({ title, options: [] }));
  let current = sections[0] as HelpSection;
  for (const flag of PROFILE_FLAGS) {
    const start = TOPICS.findIndex(([first]) => first === flag.key);
    if (start >= 0) current = sections[start] as HelpSection;
    const moved = MOVED[flag.key];
    (moved === undefined ? current : (sections.find((s) => s.title === moved) ?? current)).options.push(entry(flag));
  }
  sections.push({
    title: "Config file",
    options: [
      {
        label: "-f, --config <file>",
        text: "YAML or JSON file holding any of these options (keys are the flag names without dashes, or upstream's sections); flags given here override it. aiperf config init writes one",
      },
    ],
  });
  sections.push({ title: "Studies: sweeps, repeated trials, SLA search", options: STUDY_HELP });
  sections.push({
    title: "Logging and help",
    options: [
      { label: "-v, --verbose", text: "Debug logging on stderr (-vv: trace)" },
      { label: "-h, --help", text: "Show this help" },
    ],
  });
  return renderHelp(
    {
      command: "aiperf profile",
      summary: "Benchmark an OpenAI-compatible inference server",
      usage: [
        "aiperf profile -m MODEL -u URL [OPTIONS]",
        "aiperf profile --kubernetes --image IMAGE [--namespace NS] [--kubeconfig FILE] [--kubecontext NAME] -m MODEL -u URL [OPTIONS]",
      ],
      examples: EXAMPLES,
      sections,
      footer: [
        '--kubernetes runs it in a cluster (a JobSet: README "Kubernetes"; aiperf kube --help).',
        "Results go to artifacts/<model>-<endpoint>-<load>/ (--artifact-dir), the log to its logs/aiperf.log. Exit codes: 0 ok, 1 run failed, 2 bad usage, 3/4 a service did not start or died, 5 records lost, 130/143 interrupted.",
      ],
    },
    columns,
  );
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
