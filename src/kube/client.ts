/**
 * The Kubernetes API as this program uses it: create and delete a run's objects, watch its pods,
 * follow a container's log, and read the artifacts container through the pod proxy.
 *
 * The kubeconfig is read by @kubernetes/client-node (contexts, in-cluster config, tokens, client
 * certificates, exec credential plugins such as the cloud providers' ones). Its requests are NOT
 * used: they go through undici's Agent for TLS, and under Bun (whose `undici` is a stand-in that
 * ignores the dispatcher) a cluster's own CA and client certificates would be silently dropped
 * (measured: "unable to verify the first certificate" against a server whose CA was in the
 * kubeconfig). So the requests are made here with Bun's fetch, which takes the CA, certificate and
 * key directly. Loaded only by the kube commands and `profile --kubernetes`.
 */
import { KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { BenchError } from "../core/errors.ts";
import { ARTIFACTS_PORT, DEFAULT_NAMESPACE, JOBSET_GROUP, JOBSET_NAME_LABEL, JOBSET_PLURAL, JOBSET_VERSION, type KubeObject } from "./manifests.ts";

export type Cluster = { kc: KubeConfig; namespace: string; server: string };

/** An answer of the API server other than 2xx: its status code and its Status message. */
class KubeApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = "KubeApiError";
  }
}

/** --kubeconfig (else KUBECONFIG, ~/.kube/config, or in-cluster), --kubecontext, --namespace (else the context's). */
export function connect(opts: { kubeconfig?: string | undefined; kubecontext?: string | undefined; namespace?: string | undefined }): Cluster {
  const kc = new KubeConfig();
  try {
    if (opts.kubeconfig !== undefined) kc.loadFromFile(opts.kubeconfig);
    else kc.loadFromDefault();
  } catch (error) {
    throw new BenchError(
      "CONFIG_INVALID",
      `Cannot read the kubeconfig ${opts.kubeconfig ?? process.env.KUBECONFIG ?? "~/.kube/config"}: ${(error as Error).message}`,
      { hint: "give --kubeconfig FILE (as kubectl uses it)" },
    );
  }
  if (opts.kubecontext !== undefined) {
    if (kc.getContextObject(opts.kubecontext) === null)
      throw new BenchError(
        "CONFIG_INVALID",
        `No context "${opts.kubecontext}" in the kubeconfig (it has: ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(", ") || "none"
        })`,
        { hint: "kubectl config get-contexts lists them" },
      );
    kc.setCurrentContext(opts.kubecontext);
  }
  const cluster = kc.getCurrentCluster();
  if (cluster === null)
    throw new BenchError("CONFIG_INVALID", "No Kubernetes cluster configured: the kubeconfig has no current context", {
      hint: "give --kubeconfig FILE and --kubecontext NAME, or set KUBECONFIG",
    });
  const namespace = opts.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? DEFAULT_NAMESPACE;
  return { kc, namespace, server: cluster.server.replace(/\/+$/, "") };
}

type HttpsOptions = {
  headers: Record<string, string>;
  ca?: Buffer | string;
  cert?: Buffer | string;
  key?: Buffer | string;
  rejectUnauthorized?: boolean;
  auth?: string;
};

/** One request with the kubeconfig's credentials (asked for each time: exec-plugin tokens expire). */
async function request(c: Cluster, method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
  const o: HttpsOptions = { headers: {} };
  await c.kc.applyToHTTPSOptions(o as never);
  const text = (b: Buffer | string | undefined): string | undefined => (b === undefined ? undefined : b.toString());
  const headers: Record<string, string> = { accept: "application/json", ...o.headers };
  if (o.auth !== undefined) headers.authorization = `Basic ${Buffer.from(o.auth).toString("base64")}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const tls = { ca: text(o.ca), cert: text(o.cert), key: text(o.key), rejectUnauthorized: o.rejectUnauthorized !== false };
  const res = await fetch(`${c.server}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    tls,
    ...(signal === undefined ? {} : { signal }),
  } as RequestInit);
  if (res.ok) return res;
  const raw = await res.text();
  let message = raw;
  try {
    message = (JSON.parse(raw) as { message?: string }).message ?? raw;
  } catch {}
  throw new KubeApiError(res.status, message.trim().slice(0, 300));
}

/** An API failure as one line: the status and the server's message, or why the server was not reached. */
function apiError(what: string, error: unknown, server: string): BenchError {
  if (error instanceof BenchError) return error;
  if (error instanceof KubeApiError) {
    const hint =
      error.code === 401 || error.code === 403
        ? "check the kubeconfig's credentials and that your user may create these objects (RBAC)"
        : error.code === 404 && what.includes("JobSet")
          ? "install the JobSet CRD and controller: https://jobset.sigs.k8s.io/docs/installation/"
          : undefined;
    return new BenchError(
      "COMMAND_FAILED",
      `${what}: the API server answered ${error.code}${error.message === "" ? "" : `: ${error.message}`}`,
      hint === undefined ? {} : { hint },
    );
  }
  return new BenchError("COMMAND_FAILED", `${what}: cannot reach the Kubernetes API at ${server}: ${(error as Error).message}`, {
    hint: "check --kubeconfig / --kubecontext and that the cluster is reachable",
  });
}

/** The collection path of a kind in a namespace. */
function collectionPath(kind: string, namespace: string): string {
  switch (kind) {
    case "Secret":
    case "ServiceAccount":
    case "ConfigMap":
    case "Service":
      return `/api/v1/namespaces/${namespace}/${kind.toLowerCase()}s`;
    case "Role":
    case "RoleBinding":
      return `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/${kind.toLowerCase()}s`;
    case "JobSet":
      return `/apis/${JOBSET_GROUP}/${JOBSET_VERSION}/namespaces/${namespace}/${JOBSET_PLURAL}`;
    default:
      throw new Error(`no API path for kind ${kind}`);
  }
}

const kindOf = (o: KubeObject): string => String(o.kind);

/** Creates the objects in order; returns those created (for cleanup after a failure midway). */
export async function createObjects(
  c: Cluster,
  objects: KubeObject[],
  created: KubeObject[] = [],
  stopping: () => boolean = () => false,
): Promise<KubeObject[]> {
  for (const o of objects) {
    // Interrupted: nothing more is created, so the cleanup deletes all there is.
    if (stopping()) break;
    const name = String(o.metadata?.name);
    const body = { ...o, metadata: { ...o.metadata, namespace: c.namespace } };
    const namespace = c.namespace;
    try {
      await request(c, "POST", collectionPath(kindOf(o), namespace), body);
    } catch (error) {
      if (error instanceof KubeApiError && error.code === 409)
        throw new BenchError("COMMAND_FAILED", `${kindOf(o)} ${name} already exists in namespace ${namespace}`, {
          hint: `choose another --name, or remove the earlier run: aiperf kube cleanup ${name.replace(/-(secret|config)$/, "")} --namespace ${namespace}`,
        });
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
      // Background: the JobSet's Jobs and pods are deleted by the garbage collector after it.
      await request(c, "DELETE", `${collectionPath(kind, namespace)}/${name}?propagationPolicy=Background`);
      deleted.push(`${kind} ${name}`);
    } catch (error) {
      if (error instanceof KubeApiError && error.code === 404) continue;
      throw apiError(`Deleting ${kind} ${name}`, error, c.server);
    }
  }
  return deleted;
}

const podsPath = (c: Cluster, name: string, extra = ""): string =>
  `/api/v1/namespaces/${c.namespace}/pods?labelSelector=${encodeURIComponent(`${JOBSET_NAME_LABEL}=${name}`)}${extra}`;

export async function listRunPods(c: Cluster, name: string): Promise<V1Pod[]> {
  try {
    return ((await (await request(c, "GET", podsPath(c, name))).json()) as { items: V1Pod[] }).items;
  } catch (error) {
    throw apiError(`Listing the pods of ${name}`, error, c.server);
  }
}

/** Reads a streamed body line by line (watch events are one JSON object per line). */
async function eachLine(res: Response, onLine: (line: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of res.body as ReadableStream<Uint8Array>) {
    rest += decoder.decode(chunk, { stream: true });
    let nl = rest.indexOf("\n");
    while (nl >= 0) {
      const line = rest.slice(0, nl).trim();
      rest = rest.slice(nl + 1);
      if (line !== "") onLine(line);
      nl = rest.indexOf("\n");
    }
  }
}

/**
 * Calls `onPod` for every change of the run's pods (the current ones first, as ADDED) until the
 * server ends the watch (timeoutSeconds) or it is aborted; then `onEnd` (null when it just ended).
 */
export function watchRunPods(c: Cluster, name: string, onPod: (type: string, pod: V1Pod) => void, onEnd: (error: unknown) => void): AbortController {
  const abort = new AbortController();
  (async () => {
    const res = await request(c, "GET", podsPath(c, name, "&watch=true&timeoutSeconds=120"), undefined, abort.signal);
    await eachLine(res, (line) => {
      let event: { type?: string; object?: V1Pod & { kind?: string; message?: string } };
      try {
        event = JSON.parse(line);
      } catch {
        return;
      }
      if (event.type === "ERROR") throw new KubeApiError(Number((event.object as { code?: number })?.code ?? 500), event.object?.message ?? "watch error");
      if (event.type !== undefined && event.object !== undefined && event.type !== "BOOKMARK") onPod(event.type, event.object);
    });
  })().then(
    () => onEnd(null),
    (error) => onEnd(abort.signal.aborted ? null : error),
  );
  return abort;
}

/** A container's log into `write`; with `follow`, until the container ends (or `abort`). */
export async function followLog(
  c: Cluster,
  pod: string,
  container: string,
  write: (chunk: string) => void,
  follow: boolean,
): Promise<{ abort: AbortController; done: Promise<void> }> {
  const abort = new AbortController();
  let res: Response;
  try {
    res = await request(
      c,
      "GET",
      `/api/v1/namespaces/${c.namespace}/pods/${pod}/log?container=${encodeURIComponent(container)}${follow ? "&follow=true" : ""}`,
      undefined,
      abort.signal,
    );
  } catch (error) {
    throw apiError(`Reading the log of ${pod}/${container}`, error, c.server);
  }
  const done = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as ReadableStream<Uint8Array>) write(decoder.decode(chunk, { stream: true }));
    } catch {
      // Aborted, or the connection dropped: the log shown so far stays shown.
    }
  })();
  return { abort, done };
}

const proxyPath = (c: Cluster, pod: string, path: string): string => `/api/v1/namespaces/${c.namespace}/pods/${pod}:${ARTIFACTS_PORT}/proxy/${path}`;

/** The artifacts container's file list, through the API server's pod proxy. */
export async function artifactList(c: Cluster, pod: string): Promise<{ path: string; size: number }[]> {
  try {
    return ((await (await request(c, "GET", proxyPath(c, pod, "files"))).json()) as { files: { path: string; size: number }[] }).files;
  } catch (error) {
    throw apiError(`Listing the artifacts of ${pod}`, error, c.server);
  }
}

export async function artifactFile(c: Cluster, pod: string, path: string): Promise<Buffer> {
  try {
    // One path segment (base64url): the proxy path needs no escaping of "/" that way.
    const text = await (await request(c, "GET", proxyPath(c, pod, `file/${Buffer.from(path).toString("base64url")}`))).text();
    return Buffer.from(text, "base64");
  } catch (error) {
    throw apiError(`Copying ${path} from ${pod}`, error, c.server);
  }
}

export async function releaseArtifacts(c: Cluster, pod: string): Promise<void> {
  try {
    await request(c, "POST", proxyPath(c, pod, "release"));
  } catch (error) {
    throw apiError(`Releasing the artifacts container of ${pod}`, error, c.server);
  }
}
