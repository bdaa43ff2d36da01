/** `aiperf kube generate|logs|results|cleanup` (and the controller pod's serve-artifacts), as upstream's kube group. */
import { type ArgsDef, defineCommand } from "citty";
import * as v from "valibot";
import { BenchError } from "../core/errors.ts";
import { cleanupRun, fetchResults, printLogs, readKubeArgs, startArtifactServer, writeGenerated } from "../kube/index.ts";
import { readCommandFlags } from "./flags.ts";
import { splitPositionals } from "./positionals.ts";

/** For the help page: generate reads these (and every profile flag) itself, in kube/options.ts. */
const GENERATE_ARGS = {
  name: { type: "string", description: "Name of the run: the JobSet and its objects (default aiperf-<random>)" },
  namespace: { type: "string", alias: "n", description: "Namespace written into the objects (default: default)" },
  image: { type: "string", description: "Container image built from the Dockerfile (default aiperf-bun:<version>)" },
  "worker-nodes": { type: "string", description: "Node pods (default: one per 500 of --concurrency, at most --workers-max)" },
  "workers-max": { type: "string", description: "At most this many node pods when their number is derived from --concurrency" },
  output: { type: "string", alias: "o", description: "Write the YAML to this file instead of stdout" },
} satisfies ArgsDef;

const generateCommand = defineCommand({
  args: GENERATE_ARGS,
  meta: { name: "kube generate", description: "Print the Kubernetes objects of a run (JobSet, Service, ConfigMap, Secret, RBAC) as YAML for kubectl apply -f" },
  // Profile flags plus the Kubernetes ones: read from rawArgs by kube/options.ts; help in help-pages.ts.
  run({ rawArgs }) {
    const options = readKubeArgs(rawArgs, "kube generate");
    for (const w of options.warnings) process.stderr.write(`Warning: ${w}\n`);
    const text = writeGenerated(options);
    process.stdout.write(text);
  },
});

const REF_ARGS = {
  namespace: { type: "string", alias: "n", description: "Namespace of the run (default: the context's, else default)" },
  kubeconfig: { type: "string", description: "kubeconfig file (default: KUBECONFIG, ~/.kube/config, or in-cluster)" },
  kubecontext: { type: "string", description: "Context in the kubeconfig (default: its current one)" },
} satisfies ArgsDef;
const RefSchema = {
  namespace: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "expected a DNS label"))),
  kubeconfig: v.optional(v.string()),
  kubecontext: v.optional(v.string()),
};

const LOGS_ARGS = {
  ...REF_ARGS,
  all: { type: "boolean", description: "Every container of every pod, each headed by its name (default: the controller's log)" },
  follow: { type: "boolean", alias: "f", description: "Keep following the controller's log until it ends" },
} satisfies ArgsDef;
const logsCommand = defineCommand({
  meta: { name: "kube logs", description: "Print the log of a run's controller (or of all its pods)" },
  args: LOGS_ARGS,
  async run({ rawArgs }) {
    const { positionals, flags } = splitPositionals("kube logs", LOGS_ARGS, rawArgs, ["NAME"]);
    const f = readCommandFlags("kube logs", LOGS_ARGS, v.object({ ...RefSchema, all: v.optional(v.boolean()), follow: v.optional(v.boolean()) }), flags);
    await printLogs({ name: positionals[0] as string, ...f }, f.all === true, f.follow === true, (s) => process.stdout.write(s));
  },
});

const RESULTS_ARGS = {
  ...REF_ARGS,
  output: { type: "string", alias: "o", description: "Directory to copy the artifacts into (default artifacts/NAME)" },
  keep: { type: "boolean", description: "Leave the artifacts container running after the copy (default: it ends, so the run completes)" },
} satisfies ArgsDef;
const resultsCommand = defineCommand({
  meta: { name: "kube results", description: "Copy a run's artifacts from its controller pod" },
  args: RESULTS_ARGS,
  async run({ rawArgs }) {
    const { positionals, flags } = splitPositionals("kube results", RESULTS_ARGS, rawArgs, ["NAME"]);
    const f = readCommandFlags("kube results", RESULTS_ARGS, v.object({ ...RefSchema, output: v.optional(v.string()), keep: v.optional(v.boolean()) }), flags);
    const written = await fetchResults({ name: positionals[0] as string, ...f }, f.output, f.keep === true, (line) => process.stderr.write(`${line}\n`));
    if (written.length === 0) throw new BenchError("COMMAND_FAILED", `Run ${positionals[0]} has no artifacts (yet): the controller has not written any`);
    process.stdout.write(written.map((w) => `${w}\n`).join(""));
  },
});

const cleanupCommand = defineCommand({
  meta: { name: "kube cleanup", description: "Delete every object of a run (JobSet and its pods, Service, ConfigMap, Secret, RBAC)" },
  args: REF_ARGS,
  async run({ rawArgs }) {
    const { positionals, flags } = splitPositionals("kube cleanup", REF_ARGS, rawArgs, ["NAME"]);
    const f = readCommandFlags("kube cleanup", REF_ARGS, v.object(RefSchema), flags);
    const deleted = await cleanupRun({ name: positionals[0] as string, ...f });
    process.stdout.write(deleted.length === 0 ? `Nothing of ${positionals[0]} was left\n` : `Deleted ${deleted.join(", ")}\n`);
  },
});

const SERVE_ARGS = {
  dir: { type: "string", default: ".", description: "Directory to serve" },
  port: { type: "string", default: "8081", description: "TCP port (all interfaces)" },
  linger: { type: "string", default: "3600", description: "Seconds to serve before exiting when nobody releases it" },
} satisfies ArgsDef;
const serveCommand = defineCommand({
  meta: { name: "kube serve-artifacts", description: "Serve a run's artifact directory (the controller pod's artifacts container)", hidden: true },
  args: SERVE_ARGS,
  async run({ rawArgs }) {
    const num = (lo: number, hi: number) => v.pipe(v.string(), v.transform(Number), v.integer("expected an integer"), v.minValue(lo), v.maxValue(hi));
    const f = readCommandFlags("kube serve-artifacts", SERVE_ARGS, v.object({ dir: v.string(), port: num(0, 65535), linger: num(1, 7 * 86400) }), rawArgs);
    const server = startArtifactServer(f.dir, f.port, f.linger * 1000);
    process.stderr.write(`Serving ${f.dir} on port ${server.port} for up to ${f.linger} s (POST /release ends it)\n`);
    const signalled = new Promise<void>((r) => {
      process.once("SIGTERM", () => r());
      process.once("SIGINT", () => r());
    });
    await Promise.race([server.released, signalled]);
    server.stop();
  },
});

const SUBCOMMANDS = { generate: generateCommand, logs: logsCommand, results: resultsCommand, cleanup: cleanupCommand, "serve-artifacts": serveCommand };

export const kubeCommand = defineCommand({
  meta: { name: "kube", description: "Kubernetes: generate a run's objects; logs, results and cleanup of a run (profile --kubernetes runs one)" },
  subCommands: SUBCOMMANDS,
  run({ rawArgs }) {
    if (rawArgs[0] !== undefined && rawArgs[0] in SUBCOMMANDS) return;
    throw new BenchError("CONFIG_INVALID", "Missing the kube command: generate, logs, results or cleanup", {
      hint: 'Run "aiperf kube --help" for what each does',
    });
  },
});
