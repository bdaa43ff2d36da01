/**
 * A STAND-IN for the Kubernetes API server (no cluster can run here): Bun.serve on 127.0.0.1
 * speaking the REST shapes the real one does for what aiperf uses — POST/DELETE of Secrets,
 * ServiceAccounts, ConfigMaps, Services, Roles, RoleBindings and JobSets (201, 409 AlreadyExists
 * and 404 NotFound as v1 Status objects), pod list and watch (newline-delimited watch events),
 * container logs (plain text, streamed with follow=true), and the pod proxy
 * (/api/v1/namespaces/NS/pods/POD:PORT/proxy/PATH), forwarded to a real server as the API server
 * forwards to a pod. When a JobSet is created it plays the JobSet controller and the kubelet: it
 * makes the controller and node pods and moves them through their phases per `scenario`.
 * It is not Kubernetes: scheduling, admission, RBAC and the JobSet controller's own logic are not here.
 */
import { writeFileSync } from "node:fs";

type AnyRec = Record<string, any>;

export type Scenario = {
  /** Exit code of the controller container; undefined: it runs until the JobSet is deleted. */
  controllerExit?: number;
  /** A waiting reason for the controller container instead of running (e.g. ErrImagePull). */
  waitingReason?: string;
  /** The JobSet kind is not served (CRD not installed): POST answers 404. */
  noJobSetCrd?: boolean;
  /** Where the pod proxy forwards {pod}:8081 (a real artifacts server started by the test). */
  artifactsUrl?: string;
  /** A node pod fails this many ms after starting; the JobSet then fails and its running pods are deleted (maxRestarts 0). */
  nodeFailsAfterMs?: number;
  /** Lines the controller container logs, one every 50 ms. */
  logLines?: string[];
};

const CORE: Record<string, string> = { secrets: "Secret", serviceaccounts: "ServiceAccount", configmaps: "ConfigMap", services: "Service" };
const RBAC: Record<string, string> = { roles: "Role", rolebindings: "RoleBinding" };

export type StandIn = {
  url: string;
  /** "Kind/namespace/name" → object. */
  objects: Map<string, AnyRec>;
  /** "METHOD path" of every request, in order. */
  requests: string[];
  kubeconfig(dir: string, namespace?: string): string;
  stop(): void;
};

const status = (code: number, reason: string, message: string) =>
  Response.json({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code }, { status: code });

export function startApiStandIn(scenario: Scenario, tls: { cert: string; key: string }): StandIn {
  const objects = new Map<string, AnyRec>();
  const pods = new Map<string, AnyRec>();
  const requests: string[] = [];
  const watchers = new Set<{ ns: string; selector: string; push(line: string): void; close(): void }>();
  const timers: ReturnType<typeof setTimeout>[] = [];
  const logEnds = new Map<string, () => void>();
  let rv = 1;

  const matches = (pod: AnyRec, selector: string): boolean => {
    if (selector === "") return true;
    return selector.split(",").every((term) => {
      const [k, v] = term.split("=");
      return pod.metadata.labels?.[k as string] === v;
    });
  };
  const emit = (type: string, pod: AnyRec): void => {
    pod.metadata.resourceVersion = String(++rv);
    for (const w of watchers) if (w.ns === pod.metadata.namespace && matches(pod, w.selector)) w.push(`${JSON.stringify({ type, object: pod })}\n`);
  };
  const later = (ms: number, fn: () => void): void => void timers.push(setTimeout(fn, ms));

  const makePod = (ns: string, jobSet: string, rjob: string, index: number, containers: string[]): AnyRec => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: `${jobSet}-${rjob}-0-${index}`,
        namespace: ns,
        uid: crypto.randomUUID(),
        labels: { "jobset.sigs.k8s.io/jobset-name": jobSet, "jobset.sigs.k8s.io/replicatedjob-name": rjob },
      },
      spec: { containers: containers.map((name) => ({ name, image: "x" })) },
      status: {
        phase: "Pending",
        containerStatuses: containers.map((name) => ({
          name,
          ready: false,
          restartCount: 0,
          image: "x",
          imageID: "",
          state: { waiting: { reason: "ContainerCreating" } },
        })),
      },
    };
    pods.set(`${ns}/${pod.metadata.name}`, pod);
    emit("ADDED", pod);
    return pod;
  };
  const setState = (pod: AnyRec, container: string, state: AnyRec, phase?: string): void => {
    if (!pods.has(`${pod.metadata.namespace}/${pod.metadata.name}`)) return;
    const s = pod.status.containerStatuses.find((c: AnyRec) => c.name === container);
    s.state = state;
    s.ready = state.running !== undefined;
    if (phase !== undefined) pod.status.phase = phase;
    emit("MODIFIED", pod);
  };

  /** Plays the JobSet controller and the kubelet for a new JobSet. */
  const startJobSet = (ns: string, js: AnyRec): void => {
    const name = js.metadata.name as string;
    const rjobs = js.spec.replicatedJobs as AnyRec[];
    const containersOf = (r: AnyRec): string[] => r.template.spec.template.spec.containers.map((c: AnyRec) => c.name);
    const controller = makePod(ns, name, "controller", 0, containersOf(rjobs[0] as AnyRec));
    later(100, () => {
      if (scenario.waitingReason !== undefined) {
        const s = controller.status.containerStatuses[0];
        s.state = {
          waiting: {
            reason: scenario.waitingReason,
            message: `Failed to pull image "${rjobs[0]?.template.spec.template.spec.containers[0].image}": not found`,
          },
        };
        emit("MODIFIED", controller);
        return;
      }
      controller.status.phase = "Running";
      for (const c of containersOf(rjobs[0] as AnyRec)) setState(controller, c, { running: { startedAt: new Date().toISOString() } });
      // In order: the nodes once the controller runs.
      const n = rjobs[1]?.template.spec.parallelism ?? 1;
      for (let i = 0; i < n; i++) {
        const node = makePod(ns, name, "nodes", i, containersOf(rjobs[1] as AnyRec));
        later(100, () => {
          for (const c of containersOf(rjobs[1] as AnyRec)) setState(node, c, { running: { startedAt: new Date().toISOString() } }, "Running");
        });
        if (i === 0 && scenario.nodeFailsAfterMs !== undefined) {
          later(100 + scenario.nodeFailsAfterMs, () => {
            setState(node, containersOf(rjobs[1] as AnyRec)[0] as string, { terminated: { exitCode: 1, reason: "Error" } }, "Failed");
            // The JobSet controller: a failed JobSet's active Jobs, and so their pods, are deleted.
            later(100, () => deleteJobSetPods(ns, name));
          });
        }
      }
      const lines = scenario.logLines ?? [];
      if (scenario.controllerExit !== undefined) {
        later(300 + 50 * lines.length + 200, () => {
          setState(controller, "controller", {
            terminated: { exitCode: scenario.controllerExit, reason: scenario.controllerExit === 0 ? "Completed" : "Error" },
          });
          logEnds.get(`${ns}/${controller.metadata.name}`)?.();
        });
      }
    });
  };

  const deleteJobSetPods = (ns: string, name: string): void => {
    for (const [key, pod] of pods) {
      if (pod.metadata.namespace !== ns || pod.metadata.labels["jobset.sigs.k8s.io/jobset-name"] !== name) continue;
      pods.delete(key);
      emit("DELETED", pod);
      logEnds.get(key)?.();
    }
  };

  const createOrDelete = async (req: Request, kind: string, ns: string, name: string | undefined, apiVersion: string): Promise<Response> => {
    if (req.method === "POST" && name === undefined) {
      const body = (await req.json()) as AnyRec;
      if (body.kind !== kind) return status(400, "BadRequest", `kind ${body.kind} posted to ${kind}s`);
      if (body.apiVersion !== apiVersion) return status(400, "BadRequest", `apiVersion ${body.apiVersion}, expected ${apiVersion}`);
      const key = `${kind}/${ns}/${body.metadata.name}`;
      if (objects.has(key)) return status(409, "AlreadyExists", `${kind.toLowerCase()}s "${body.metadata.name}" already exists`);
      const stored = {
        ...body,
        metadata: { ...body.metadata, namespace: ns, uid: crypto.randomUUID(), resourceVersion: String(++rv), creationTimestamp: new Date().toISOString() },
      };
      objects.set(key, stored);
      if (kind === "JobSet") startJobSet(ns, stored);
      return Response.json(stored, { status: 201 });
    }
    if (req.method === "DELETE" && name !== undefined) {
      const key = `${kind}/${ns}/${name}`;
      const found = objects.get(key);
      if (found === undefined) return status(404, "NotFound", `${kind.toLowerCase()}s "${name}" not found`);
      objects.delete(key);
      if (kind === "JobSet") deleteJobSetPods(ns, name);
      return Response.json(found);
    }
    return status(405, "MethodNotAllowed", `${req.method} not served by the stand-in`);
  };

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    tls,
    async fetch(req) {
      const url = new URL(req.url);
      const path = decodeURIComponent(url.pathname);
      requests.push(`${req.method} ${path}${url.search}`);
      let m = /^\/api\/v1\/namespaces\/([^/]+)\/(secrets|serviceaccounts|configmaps|services)(?:\/([^/]+))?$/.exec(path);
      if (m) return createOrDelete(req, CORE[m[2] as string] as string, m[1] as string, m[3], "v1");
      m = /^\/apis\/rbac\.authorization\.k8s\.io\/v1\/namespaces\/([^/]+)\/(roles|rolebindings)(?:\/([^/]+))?$/.exec(path);
      if (m) return createOrDelete(req, RBAC[m[2] as string] as string, m[1] as string, m[3], "rbac.authorization.k8s.io/v1");
      m = /^\/apis\/jobset\.x-k8s\.io\/v1alpha2\/namespaces\/([^/]+)\/jobsets(?:\/([^/]+))?$/.exec(path);
      if (m) {
        if (scenario.noJobSetCrd === true) return status(404, "NotFound", "the server could not find the requested resource");
        return createOrDelete(req, "JobSet", m[1] as string, m[2], "jobset.x-k8s.io/v1alpha2");
      }
      m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(path);
      if (m && req.method === "GET") {
        const ns = m[1] as string;
        const selector = url.searchParams.get("labelSelector") ?? "";
        const current = [...pods.values()].filter((p) => p.metadata.namespace === ns && matches(p, selector));
        if (url.searchParams.get("watch") !== "true")
          return Response.json({ kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: String(rv) }, items: current });
        // A watch without resourceVersion starts with the current objects as ADDED, as the real one does.
        let watcher: { ns: string; selector: string; push(line: string): void; close(): void } | undefined;
        const stream = new ReadableStream<string>({
          start(controller) {
            watcher = { ns, selector, push: (line) => controller.enqueue(line), close: () => controller.close() };
            watchers.add(watcher);
            for (const p of current) controller.enqueue(`${JSON.stringify({ type: "ADDED", object: p })}\n`);
          },
          cancel() {
            if (watcher !== undefined) watchers.delete(watcher);
          },
        });
        req.signal.addEventListener("abort", () => watcher !== undefined && watchers.delete(watcher));
        return new Response(stream, { headers: { "content-type": "application/json" } });
      }
      m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(path);
      if (m && req.method === "GET") {
        const key = `${m[1]}/${m[2]}`;
        const pod = pods.get(key);
        if (pod === undefined) return status(404, "NotFound", `pods "${m[2]}" not found`);
        const container = url.searchParams.get("container") ?? "";
        const lines = container === "controller" ? (scenario.logLines ?? []) : [`${container} log line`];
        const follow = url.searchParams.get("follow") === "true";
        const terminated = pod.status.containerStatuses.find((c: AnyRec) => c.name === container)?.state?.terminated !== undefined;
        if (!follow || terminated || container !== "controller") return new Response(lines.map((l) => `${l}\n`).join(""));
        const stream = new ReadableStream<string>({
          async start(controller) {
            let ended = false;
            logEnds.set(key, () => {
              if (!ended) controller.close();
              ended = true;
            });
            for (const line of lines) {
              await Bun.sleep(50);
              if (ended) return;
              controller.enqueue(`${line}\n`);
            }
          },
        });
        return new Response(stream, { headers: { "content-type": "text/plain" } });
      }
      m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/:]+):(\d+)\/proxy\/(.*)$/.exec(path);
      if (m) {
        if (!pods.has(`${m[1]}/${m[2]}`)) return status(404, "NotFound", `pods "${m[2]}" not found`);
        if (m[3] !== "8081" || scenario.artifactsUrl === undefined)
          return status(503, "ServiceUnavailable", `error trying to reach service: dial tcp: connection refused`);
        const upstream = await fetch(`${scenario.artifactsUrl}/${url.pathname.split("/proxy/")[1]}`, { method: req.method });
        return new Response(await upstream.arrayBuffer(), {
          status: upstream.status,
          headers: { "content-type": upstream.headers.get("content-type") ?? "text/plain" },
        });
      }
      return status(404, "NotFound", "the server could not find the requested resource");
    },
  });
  const url = `https://127.0.0.1:${server.port}`;
  return {
    url,
    objects,
    requests,
    kubeconfig(dir: string, namespace = "default") {
      const path = `${dir}/kubeconfig`;
      const config = {
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "standin", cluster: { server: url, "certificate-authority-data": Buffer.from(tls.cert).toString("base64") } }],
        users: [{ name: "tester", user: { token: "stand-in-token" } }],
        contexts: [{ name: "standin", context: { cluster: "standin", user: "tester", namespace } }],
        "current-context": "standin",
      };
      writeFileSync(path, JSON.stringify(config));
      return path;
    },
    stop() {
      for (const t of timers) clearTimeout(t);
      for (const w of watchers) {
        try {
          w.close();
        } catch {}
      }
      watchers.clear();
      for (const end of logEnds.values()) end();
      server.stop(true);
    },
  };
}
