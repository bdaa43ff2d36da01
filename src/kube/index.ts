/**
 * Kubernetes (README "Running on several machines" → "Kubernetes"): the objects of a run
 * (generate), applying them and following the run (profile --kubernetes), and the commands that
 * act on a run by its name (logs, results, cleanup). The one door of src/kube/.
 */
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { BenchError } from "../core/errors.ts";
import { connect, deleteObjects, followLog, listRunPods, runObjectRefs } from "./client.ts";
import { buildObjects, objectList } from "./manifests.ts";
import type { KubeOptions } from "./options.ts";
import { copyArtifacts } from "./run.ts";
import { validateObjects } from "./validate.ts";

export { startArtifactServer } from "./artifact-server.ts";
export { readKubeArgs } from "./options.ts";
export { runOnKubernetes } from "./run.ts";

/** The run's objects as YAML documents, as `kubectl apply -f` takes them. */
function generateYaml(o: KubeOptions): string {
  const objects = buildObjects(o);
  validateObjects(objects);
  return objectList(objects)
    .map((x) => Bun.YAML.stringify(x, null, 2).trimEnd())
    .map((doc) => `---\n${doc}\n`)
    .join("");
}

export function writeGenerated(o: KubeOptions): string {
  const text = generateYaml(o);
  if (o.output === undefined) return text;
  try {
    writeFileSync(o.output, text);
  } catch (error) {
    throw new BenchError("CONFIG_INVALID", `Cannot write -o ${o.output}: ${(error as Error).message}`, {
      hint: "give -o a file in a directory you can write to",
    });
  }
  return "";
}

type RunRef = { name: string; namespace?: string | undefined; kubeconfig?: string | undefined; kubecontext?: string | undefined };

/** `kube logs NAME`: the controller's log, or (all) every container of every pod of the run, each headed by its name. */
export async function printLogs(ref: RunRef, all: boolean, follow: boolean, write: (s: string) => void): Promise<void> {
  const c = connect(ref);
  const pods = await listRunPods(c, ref.name);
  if (pods.length === 0)
    throw new BenchError("COMMAND_FAILED", `No pods of run ${ref.name} in namespace ${c.namespace}`, {
      hint: "kubectl get jobsets shows the runs; give --namespace if it is elsewhere",
    });
  const controller = `${ref.name}-controller-0-0`;
  const chosen = all ? pods : pods.filter((p) => p.metadata?.name === controller);
  for (const pod of chosen) {
    const podName = pod.metadata?.name as string;
    const containers = (pod.spec?.containers ?? []).map((x) => x.name).filter((n) => all || n === "controller");
    for (const container of containers) {
      if (all) write(`==> ${podName}/${container} <==\n`);
      const { done } = await followLog(c, podName, container, write, follow && !all);
      await done;
    }
  }
}

/** `kube results NAME`: the artifacts copied to `dest` (default artifacts/NAME). */
export async function fetchResults(ref: RunRef, dest: string | undefined, keep: boolean, say: (line: string) => void): Promise<string[]> {
  const c = connect(ref);
  return copyArtifacts(c, `${ref.name}-controller-0-0`, resolve(dest ?? join("artifacts", ref.name)), say, !keep);
}

/** `kube cleanup NAME`: deletes every object of the run (the JobSet's pods go with it). */
export async function cleanupRun(ref: RunRef): Promise<string[]> {
  return deleteObjects(connect(ref), runObjectRefs(ref.name));
}
