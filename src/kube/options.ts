/**
 * The flags of `aiperf kube generate` and `aiperf profile --kubernetes`: the Kubernetes ones are
 * taken out of the command line, the rest are profile flags, checked as `aiperf profile` checks
 * them (so a bad flag is exit 2 here, not a failed pod minutes later).
 */
import { randomBytes } from "node:crypto";
import { parseProfileInput, readProfileInput } from "../config/config-file.ts";
import { resolveProfile, type ResolvedProfile } from "../config/resolve.ts";
import { BenchError } from "../core/errors.ts";
import { redactArgs } from "../core/redact.ts";
import { VERSION } from "../core/version.ts";

export type KubeOptions = {
  name: string;
  namespace: string | undefined;
  image: string;
  /** Node pods (the `nodes` replicated job). */
  nodes: number;
  output: string | undefined;
  kubeconfig: string | undefined;
  kubecontext: string | undefined;
  /** Where `profile --kubernetes` copies the artifacts to (the profile flag --artifact-dir). */
  artifactDir: string | undefined;
  /** The profile flags the controller container runs with (no Kubernetes flags, no --artifact-dir, no --api-key). */
  profileArgs: string[];
  /** --api-key's value: it goes into the Secret, not into the JobSet's args. */
  apiKey: string | undefined;
  cfg: ResolvedProfile;
  /** Told on stderr, not fatal (a --url the pods cannot reach, most likely). */
  warnings: string[];
};

/** Connections one node pod is sized for when --worker-nodes is not given (upstream's default per worker pod). */
const CONNECTIONS_PER_NODE = 500;

const VALUE_FLAGS: Record<string, string> = {
  "--name": "name",
  "--namespace": "namespace",
  "-n": "namespace",
  "--image": "image",
  "--workers-max": "workersMax",
  "--max-workers": "workersMax",
  "--worker-nodes": "workerNodes",
  "--output": "output",
  "-o": "output",
  "--kubeconfig": "kubeconfig",
  "--kubecontext": "kubecontext",
  "--artifact-dir": "artifactDir",
  "--output-artifact-dir": "artifactDir",
  "--api-key": "apiKey",
};
const BOOLEAN_FLAGS = new Set(["--kubernetes"]);
/** The container commands set these; a file the pod cannot see is refused too. */
const REFUSED: Record<string, string> = {
  "--zmq-host": "the generated controller command sets it (0.0.0.0)",
  "--zmq-port": "the generated controller command sets it",
  "--input-file": "a local file is not in the pod: give synthetic-prompt flags, or build an image that holds the file",
  "--config": "a local file is not in the pod: put its flags on the command line",
  "-f": "a local file is not in the pod: put its flags on the command line",
};

/** A DNS label short enough that `{name}-controller-0-0` is still one (63 characters). */
const NAME_RE = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const NAME_MAX = 40;

export function readKubeArgs(rawArgs: readonly string[], command: string): KubeOptions {
  const kube: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] as string;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const refused = REFUSED[flag];
    if (refused !== undefined) throw new BenchError("CONFIG_INVALID", `${flag} cannot be used with ${command}: ${refused}`);
    if (BOOLEAN_FLAGS.has(flag)) continue;
    const key = VALUE_FLAGS[flag];
    if (key === undefined) {
      rest.push(arg);
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : rawArgs[++i];
    if (value === undefined || (eq < 0 && value.startsWith("-") && value.length > 1 && flag !== "--api-key"))
      throw new BenchError("CONFIG_INVALID", `${flag} needs a value`, { hint: `Run "aiperf ${command} --help" for the options` });
    kube[key] = value;
  }
  const apiKey = kube.apiKey;
  // Checked as profile checks it; the key is put back for the check only.
  const read = readProfileInput(apiKey === undefined ? rest : [...rest, "--api-key", apiKey]);
  const parsed = parseProfileInput(read);
  const warnings: string[] = [];
  const cfg = resolveProfile(parsed, `aiperf profile ${redactArgs(rest).join(" ")}`, false, (m) => warnings.push(m));
  for (const url of cfg.urls) {
    const host = URL.canParse(url) ? new URL(url).hostname : "";
    if (host === "localhost" || host.startsWith("127.") || host === "[::1]")
      warnings.push(`--url ${url} names this machine's loopback: inside a pod it is the pod itself; give the server's Service DNS name or address`);
  }
  const name = kube.name ?? `aiperf-${randomBytes(3).toString("hex")}`;
  if (!NAME_RE.test(name) || name.length > NAME_MAX)
    throw new BenchError(
      "CONFIG_INVALID",
      `Invalid value "${name}" for --name: expected lowercase letters, digits and "-", starting with a letter, at most ${NAME_MAX} characters`,
      { hint: "e.g. --name llama-bench-1" },
    );
  const namespace = kube.namespace;
  if (namespace !== undefined && (!NAME_RE.test(namespace) || namespace.length > 63))
    throw new BenchError("CONFIG_INVALID", `Invalid value "${namespace}" for --namespace: expected a DNS label (lowercase letters, digits, "-")`);
  const image = kube.image ?? `aiperf-bun:${VERSION}`;
  if (/\s/.test(image) || image === "")
    throw new BenchError(
      "CONFIG_INVALID",
      `Invalid value "${image}" for --image: expected an image reference such as registry.example.com/aiperf-bun:${VERSION}`,
    );
  const count = (flag: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > 10_000)
      throw new BenchError("CONFIG_INVALID", `Invalid value "${text}" for ${flag}: expected an integer from 1 to 10000`);
    return n;
  };
  const workerNodes = count("--worker-nodes", kube.workerNodes);
  const workersMax = count("--workers-max", kube.workersMax);
  const nodes = workerNodes ?? Math.min(workersMax ?? Number.POSITIVE_INFINITY, Math.max(1, Math.ceil((cfg.concurrency ?? 1) / CONNECTIONS_PER_NODE)));
  return {
    name,
    namespace,
    image,
    nodes,
    output: kube.output,
    kubeconfig: kube.kubeconfig,
    kubecontext: kube.kubecontext,
    artifactDir: kube.artifactDir,
    profileArgs: rest,
    apiKey,
    cfg,
    warnings,
  };
}
