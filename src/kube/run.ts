/**
 * `aiperf profile --kubernetes`: apply the run's objects, show the pods' progress and then the
 * controller's log, copy the artifacts back when the controller container ends, and delete every
 * object created — also after a failure and on Ctrl-C (a second Ctrl-C leaves at once, naming
 * the cleanup command). The exit code is the controller container's.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { V1Pod } from "@kubernetes/client-node";
import { takeHeldSignals } from "../core/early-signals.ts";
import { BenchError, EXIT_CODES } from "../core/errors.ts";
import {
  artifactFile,
  artifactList,
  type Cluster,
  connect,
  createObjects,
  deleteObjects,
  followLog,
  releaseArtifacts,
  runObjectRefs,
  watchRunPods,
} from "./client.ts";
import { buildObjects, type KubeObject, objectList, RUN_DIR } from "./manifests.ts";
import type { KubeOptions } from "./options.ts";
import { validateObjects } from "./validate.ts";

type Say = (line: string) => void;

/** Waiting reasons that will not clear by themselves: the run fails at once instead of hanging. */
const STUCK = new Set(["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError"]);

export async function runOnKubernetes(o: KubeOptions, say: Say, writeLog: (chunk: string) => void): Promise<number> {
  const objects = buildObjects(o);
  validateObjects(objects);
  const cluster = connect(o);
  const artifactDir = resolve(o.artifactDir ?? join("artifacts", o.name));
  say(
    `Kubernetes: run ${o.name} in namespace ${cluster.namespace} at ${cluster.server}: 1 controller pod, ${o.nodes} node pod${o.nodes === 1 ? "" : "s"}, image ${o.image}`,
  );

  const created: KubeObject[] = [];
  let keep = false;
  let cleaned: Promise<void> | undefined;
  const cleanup = (): Promise<void> => {
    cleaned ??= (async () => {
      if (created.length === 0 || keep) return;
      const deleted = await deleteObjects(cluster, runObjectRefs(o.name));
      say(`Deleted ${deleted.length} object${deleted.length === 1 ? "" : "s"} of ${o.name}`);
    })();
    return cleaned;
  };

  let stopping = false;
  let creating: Promise<unknown> = Promise.resolve();
  let interrupt: (signal: "SIGINT" | "SIGTERM") => void = () => {};
  const interrupted = new Promise<number>((r) => {
    let count = 0;
    interrupt = (signal) => {
      count += 1;
      if (count > 1) {
        say(`Second ${signal}: leaving now; delete what is left with: aiperf kube cleanup ${o.name} --namespace ${cluster.namespace}`);
        process.exit(signal === "SIGINT" ? EXIT_CODES.INTERRUPTED : EXIT_CODES.TERMINATED);
      }
      stopping = true;
      say(`Received ${signal}: deleting the run's objects (again to leave without waiting)`);
      r(signal === "SIGINT" ? EXIT_CODES.INTERRUPTED : EXIT_CODES.TERMINATED);
    };
  });
  const onSignal = (signal: NodeJS.Signals): void => interrupt(signal as "SIGINT" | "SIGTERM");
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // A Ctrl-C while the program was loading (main.ts held it) counts as given now.
  for (const signal of takeHeldSignals()) onSignal(signal);
  const stops: (() => void)[] = [];
  try {
    const work = (async (): Promise<number> => {
      creating = createObjects(cluster, objectList(objects), created, () => stopping);
      await creating;
      if (stopping) return EXIT_CODES.INTERRUPTED;
      say(`Created ${created.map((x) => `${x.kind} ${x.metadata?.name}`).join(", ")}`);
      const controllerExit = await watchUntilControllerEnds(cluster, o.name, say, writeLog, stops);
      try {
        await copyArtifacts(cluster, `${o.name}-controller-0-0`, artifactDir, say);
      } catch (error) {
        // The files exist only in the pod: it is kept, so the copy can be tried again.
        keep = true;
        const where = `--namespace ${cluster.namespace}`;
        throw new BenchError(
          "COMMAND_FAILED",
          `The run ended (controller exit ${controllerExit}) but its artifacts could not be copied: ${(error as Error).message}`,
          { hint: `the run's objects are kept: aiperf kube results ${o.name} ${where}, then aiperf kube cleanup ${o.name} ${where}` },
        );
      }
      return controllerExit;
    })();
    // The race may be won by an interrupt: a later failure of the work is no news then.
    work.catch(() => {});
    const code = await Promise.race([work, interrupted]);
    // Interrupted while creating: the create call in flight ends first, so the cleanup sees it.
    if (stopping) await creating.catch(() => {});
    return code;
  } finally {
    for (const stop of stops) stop();
    await cleanup();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** Shows pod phase changes, then follows the controller's log; resolves with the controller container's exit code. */
async function watchUntilControllerEnds(c: Cluster, name: string, say: Say, writeLog: (chunk: string) => void, stops: (() => void)[]): Promise<number> {
  const controllerPod = `${name}-controller-0-0`;
  const shown = new Map<string, string>();
  let following = false;
  return new Promise<number>((resolveExit, reject) => {
    const onPod = (type: string, pod: V1Pod): void => {
      const podName = pod.metadata?.name ?? "?";
      if (type === "DELETED" && podName === controllerPod) {
        // The JobSet controller deletes the running Jobs of a failed JobSet (a node pod failed,
        // maxRestarts 0): the controller's files went with its pod.
        reject(
          new BenchError(
            "COMMAND_FAILED",
            `The controller pod ${controllerPod} was deleted before its container ended (the JobSet failed, or someone deleted it): the run's artifacts are lost`,
            { hint: `the pods' logs, while they last: aiperf kube logs ${name} --all` },
          ),
        );
        return;
      }
      const statuses = pod.status?.containerStatuses ?? [];
      const waiting = statuses.map((s) => s.state?.waiting?.reason).find((r) => r !== undefined);
      const line = `${pod.status?.phase ?? "Unknown"}${waiting === undefined ? "" : ` (${waiting})`}`;
      if (shown.get(podName) !== line) {
        shown.set(podName, line);
        say(`pod ${podName}: ${line}`);
      }
      if (waiting !== undefined && STUCK.has(waiting)) {
        const message = statuses.map((s) => s.state?.waiting?.message).find((m) => m !== undefined) ?? "";
        reject(
          new BenchError("COMMAND_FAILED", `Pod ${podName} cannot start: ${waiting}${message === "" ? "" : `: ${message}`}`, {
            hint: "check --image (build and push it from the Dockerfile) and the pod's events: kubectl describe pod",
          }),
        );
        return;
      }
      if (podName !== controllerPod) {
        if (pod.status?.phase === "Failed") say(`pod ${podName} failed: the controller stops the run (fail fast)`);
        return;
      }
      const controller = statuses.find((s) => s.name === "controller");
      if (!following && (controller?.state?.running !== undefined || controller?.state?.terminated !== undefined)) {
        following = true;
        say(`Following the controller's log (${controllerPod})`);
        followLog(c, controllerPod, "controller", writeLog, true)
          .then(({ abort }) => stops.push(() => abort.abort()))
          .catch(reject);
      }
      const ended = controller?.state?.terminated;
      if (ended !== undefined) {
        say(`Controller container ended: exit ${ended.exitCode}${ended.reason === undefined ? "" : ` (${ended.reason})`}`);
        // The log's last lines may still be in flight.
        setTimeout(() => resolveExit(ended.exitCode), 500);
      }
    };
    // A watch ends by itself (its timeoutSeconds, a proxy's idle timeout): it is
    // opened again, and the pods' current state comes first on the new one (ADDED events).
    let failures = 0;
    let stopped = false;
    stops.push(() => {
      stopped = true;
    });
    const open = (): void => {
      const abort = watchRunPods(
        c,
        name,
        (type, pod) => {
          failures = 0;
          onPod(type, pod);
        },
        onEnd,
      );
      stops.push(() => abort.abort());
    };
    const onEnd = (error: unknown): void => {
      if (stopped) return;
      const timeout = error instanceof Error && error.name === "TimeoutError";
      if (error !== null && error !== undefined && !timeout && ++failures >= 5) {
        reject(
          new BenchError("COMMAND_FAILED", `Watching the pods of ${name} failed 5 times: ${(error as Error).message ?? String(error)}`, {
            hint: `the run may still be going: aiperf kube logs ${name}; aiperf kube cleanup ${name}`,
          }),
        );
        return;
      }
      setTimeout(open, error === null || error === undefined || timeout ? 100 : 1_000);
    };
    open();
  });
}

/** Copies the controller's artifact directory (RUN_DIR in the shared volume) to `dest`, then lets the artifacts container end. */
export async function copyArtifacts(c: Cluster, pod: string, dest: string, say: Say, release = true): Promise<string[]> {
  const files = (await artifactList(c, pod)).filter((f) => f.path.startsWith(`${RUN_DIR}/`));
  const written: string[] = [];
  for (const f of files) {
    const target = join(dest, f.path.slice(RUN_DIR.length + 1));
    const data = await artifactFile(c, pod, f.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, data);
    written.push(target);
  }
  say(
    files.length === 0
      ? `No artifacts in ${pod} (the controller wrote none)`
      : `Copied ${files.length} artifact file${files.length === 1 ? "" : "s"} to ${dest}`,
  );
  if (release) await releaseArtifacts(c, pod);
  return written;
}
