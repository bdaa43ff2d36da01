/**
 * The Kubernetes API as this program uses it, through @kubernetes/client-node (it bundles into the
 * compiled binary and runs offline; README "Dependencies"): create and delete a run's objects,
 * watch its pods, follow a container's log, and read the artifacts container through the pod proxy.
 * Loaded only by the kube commands and `profile --kubernetes`.
 */
import { Writable } from "node:stream";
import { ApiException, CoreV1Api, CustomObjectsApi, KubeConfig, Log, RbacAuthorizationV1Api, Watch, type V1Pod } from "@kubernetes/client-node";
import { BenchError } from "../core/errors.ts";
import { ARTIFACTS_PORT, DEFAULT_NAMESPACE, JOBSET_GROUP, JOBSET_NAME_LABEL, JOBSET_PLURAL, JOBSET_VERSION, type KubeObject } from "./manifests.ts";

export type Cluster = { kc: KubeConfig; namespace: string; server: string; core: CoreV1Api; rbac: RbacAuthorizationV1Api; custom: CustomObjectsApi };

/** --kubeconfig (else KUBECONFIG, ~/.kube/config, or in-cluster), --kubecontext, --namespace (else the context's). */
export function connect(opts: { kubeconfig?: string | undefined; kubecontext?: string | undefined; namespace?: string | undefined }): Cluster {
  const kc = new KubeConfig();
  try {
    if (opts.kubeconfig !== undefined) kc.loadFromFile(opts.kubeconfig);
    else kc.loadFromDefault();
  } catch (error) {
    throw new BenchError("CONFIG_INVALID", `Cannot read the kubeconfig ${opts.kubeconfig ?? process.env.KUBECONFIG ?? "~/.kube/config"}: ${(error as Error).message}`, { hint: "give --kubeconfig FILE (as kubectl uses it)" });
  }
  if (opts.kubecontext !== undefined) {
    if (kc.getContextObject(opts.kubecontext) === null) throw new BenchError("CONFIG_INVALID", `No context "${opts.kubecontext}" in the kubeconfig (it has: ${kc.getContexts().map((c) => c.name).join(", ") || "none"})`, { hint: "kubectl config get-contexts lists them" });
    kc.setCurrentContext(opts.kubecontext);
  }
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new BenchError("CONFIG_INVALID", "No Kubernetes cluster configured: the kubeconfig has no current context", { hint: "give --kubeconfig FILE and --kubecontext NAME, or set KUBECONFIG" });
  const namespace = opts.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? DEFAULT_NAMESPACE;
  return { kc, namespace, server: cluster.server, core: kc.makeApiClient(CoreV1Api), rbac: kc.makeApiClient(RbacAuthorizationV1Api), custom: kc.makeApiClient(CustomObjectsApi) };
}

/** An API failure as one line: the status and the server's message (not the whole response). */
export function apiError(what: string, error: unknown, server: string): BenchError {
  if (error instanceof ApiException) {
    let message = String(error.body ?? "");
    try {
      message = (JSON.parse(message) as { message?: string }).message ?? message;
    } catch {}
    const hint = error.code === 401 || error.code === 403 ? "check the kubeconfig's credentials and that your user may create these objects (RBAC)" : error.code === 404 && what.includes("JobSet") ? "install the JobSet CRD and controller: https://jobset.sigs.k8s.io/docs/installation/" : undefined;
    return new BenchError("COMMAND_FAILED", `${what}: the API server answered ${error.code}${message === "" ? "" : `: ${message.slice(0, 300)}`}`, hint === undefined ? {} : { hint });
  }
  return new BenchError("COMMAND_FAILED", `${what}: cannot reach the Kubernetes API at ${server}: ${(error as Error).message}`, { hint: "check --kubeconfig / --kubecontext and that the cluster is reachable" });
}

const kindOf = (o: KubeObject): string => String(o.kind);

/** Creates the objects in order; returns those created (for cleanup after a failure midway). */
export async function createObjects(c: Cluster, objects: KubeObject[], created: KubeObject[] = []): Promise<KubeObject[]> {
  for (const o of objects) {
    const name = String(o.metadata?.name);
    const body = { ...o, metadata: { ...o.metadata, namespace: c.namespace } } as never;
    const namespace = c.namespace;
    try {
      switch (kindOf(o)) {
        case "Secret":
          await c.core.createNamespacedSecret({ namespace, body });
          break;
        case "ServiceAccount":
          await c.core.createNamespacedServiceAccount({ namespace, body });
          break;
        case "ConfigMap":
          await c.core.createNamespacedConfigMap({ namespace, body });
          break;
        case "Service":
          await c.core.createNamespacedService({ namespace, body });
          break;
        case "Role":
          await c.rbac.createNamespacedRole({ namespace, body });
          break;
        case "RoleBinding":
          await c.rbac.createNamespacedRoleBinding({ namespace, body });
          break;
        case "JobSet":
          await c.custom.createNamespacedCustomObject({ group: JOBSET_GROUP, version: JOBSET_VERSION, namespace, plural: JOBSET_PLURAL, body });
          break;
        default:
          throw new Error(`no API for kind ${kindOf(o)}`);
      }
    } catch (error) {
      if (error instanceof ApiException && error.code === 409) throw new BenchError("COMMAND_FAILED", `${kindOf(o)} ${name} already exists in namespace ${namespace}`, { hint: `choose another --name, or remove the earlier run: aiperf kube cleanup ${name.replace(/-(secret|config)$/, "")} --namespace ${namespace}` });
      throw apiError(`Creating ${kindOf(o)} ${name}`, error, c.server);
    }
    created.push(o);
  }
  return created;
}

/** The objects of run `name` (as buildObjects names them), JobSet first so its pods go first. */
export function runObjectRefs(name: string): { kind: string; name: string }[] {
  return [
    { kind: "JobSet", name },
    { kind: "Service", name },
    { kind: "ConfigMap", name: `${name}-config` },
    { kind: "RoleBinding", name },
    { kind: "Role", name },
    { kind: "ServiceAccount", name },
    { kind: "Secret", name: `${name}-secret` },
  ];
}

/** Deletes what exists of the run; an object already gone is fine. Returns the kinds/names deleted. */
export async function deleteObjects(c: Cluster, refs: { kind: string; name: string }[]): Promise<string[]> {
  const deleted: string[] = [];
  const namespace = c.namespace;
  for (const { kind, name } of refs) {
    try {
      switch (kind) {
        case "JobSet":
          await c.custom.deleteNamespacedCustomObject({ group: JOBSET_GROUP, version: JOBSET_VERSION, namespace, plural: JOBSET_PLURAL, name, propagationPolicy: "Background" });
          break;
        case "Service":
          await c.core.deleteNamespacedService({ name, namespace });
          break;
        case "ConfigMap":
          await c.core.deleteNamespacedConfigMap({ name, namespace });
          break;
        case "Secret":
          await c.core.deleteNamespacedSecret({ name, namespace });
          break;
        case "ServiceAccount":
          await c.core.deleteNamespacedServiceAccount({ name, namespace });
          break;
        case "Role":
          await c.rbac.deleteNamespacedRole({ name, namespace });
          break;
        case "RoleBinding":
          await c.rbac.deleteNamespacedRoleBinding({ name, namespace });
          break;
      }
      deleted.push(`${kind} ${name}`);
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) continue;
      throw apiError(`Deleting ${kind} ${name}`, error, c.server);
    }
  }
  return deleted;
}

export async function listRunPods(c: Cluster, name: string): Promise<V1Pod[]> {
  try {
    return (await c.core.listNamespacedPod({ namespace: c.namespace, labelSelector: `${JOBSET_NAME_LABEL}=${name}` })).items;
  } catch (error) {
    throw apiError(`Listing the pods of ${name}`, error, c.server);
  }
}

/** Calls `onPod` for every change of the run's pods until stopped; `onEnd` when the watch ends by itself. */
export async function watchRunPods(c: Cluster, name: string, onPod: (type: string, pod: V1Pod) => void, onEnd: (error: unknown) => void): Promise<AbortController> {
  return new Watch(c.kc).watch(`/api/v1/namespaces/${c.namespace}/pods`, { labelSelector: `${JOBSET_NAME_LABEL}=${name}` }, onPod, onEnd);
}

/** Follows a container's log into `write` until the container ends (or the controller is aborted). */
export async function followLog(c: Cluster, pod: string, container: string, write: (chunk: string) => void, follow: boolean): Promise<{ abort: AbortController; done: Promise<void> }> {
  let finish: () => void = () => {};
  const done = new Promise<void>((r) => {
    finish = r;
  });
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      write(chunk.toString());
      cb();
    },
    final(cb) {
      finish();
      cb();
    },
  });
  sink.on("close", () => finish());
  try {
    const abort = await new Log(c.kc).log(c.namespace, pod, container, sink, { follow });
    return { abort, done };
  } catch (error) {
    throw apiError(`Reading the log of ${pod}/${container}`, error, c.server);
  }
}

/** The artifacts container's file list, through the API server's pod proxy. */
export async function artifactList(c: Cluster, pod: string): Promise<{ path: string; size: number }[]> {
  try {
    const text = await c.core.connectGetNamespacedPodProxyWithPath({ name: `${pod}:${ARTIFACTS_PORT}`, namespace: c.namespace, path: "files" });
    return (JSON.parse(String(text)) as { files: { path: string; size: number }[] }).files;
  } catch (error) {
    throw apiError(`Listing the artifacts of ${pod}`, error, c.server);
  }
}

export async function artifactFile(c: Cluster, pod: string, path: string): Promise<Buffer> {
  try {
    // One path segment (base64url): the proxy path needs no escaping of "/" that way.
    const text = await c.core.connectGetNamespacedPodProxyWithPath({ name: `${pod}:${ARTIFACTS_PORT}`, namespace: c.namespace, path: `file/${Buffer.from(path).toString("base64url")}` });
    return Buffer.from(String(text), "base64");
  } catch (error) {
    throw apiError(`Copying ${path} from ${pod}`, error, c.server);
  }
}

export async function releaseArtifacts(c: Cluster, pod: string): Promise<void> {
  try {
    await c.core.connectPostNamespacedPodProxyWithPath({ name: `${pod}:${ARTIFACTS_PORT}`, namespace: c.namespace, path: "release" });
  } catch (error) {
    throw apiError(`Releasing the artifacts container of ${pod}`, error, c.server);
  }
}
