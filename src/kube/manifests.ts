/**
 * The objects one run needs on Kubernetes, built with typed models (kubernetes-models for the core
 * ones) and validated before anything is printed or applied (validate.ts):
 *   Secret (cluster token, API key) · ServiceAccount, Role, RoleBinding · ConfigMap (resolved
 *   config) · headless Service · JobSet (replicated job `controller`, 1 pod; `nodes`, N pods).
 * The controller pod also runs an `artifacts` container that serves the run's files to
 * `aiperf kube results` / `profile --kubernetes` through the API server's pod proxy, because a
 * finished container cannot be read any more.
 */
import { randomBytes } from "node:crypto";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { JobTemplateSpec } from "kubernetes-models/batch/v1/JobTemplateSpec";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IPodTemplateSpec } from "kubernetes-models/v1/PodTemplateSpec";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import { inputConfigOf } from "../controller/profile.ts";
import { VERSION } from "../core/version.ts";
import type { KubeOptions } from "./options.ts";

/** The first of the controller's five consecutive node ports (join/dataset HTTP, control, events, credits, records): --zmq-port's default. */
const ZMQ_PORT = 5661;
const ZMQ_PORT_NAMES = ["join", "control", "events", "credits", "records"];
/** A node pod's containers: the worker's probes on the first, the record processor's on the next. */
const HEALTH_PORT = 8080;
export const ARTIFACTS_PORT = 8081;
/** The emptyDir a node pod's two containers share: their IPC sockets (working directory, --ipc-dir .). */
const IPC_MOUNT = "/run/aiperf";
/** The emptyDir the controller writes into and the artifacts container serves (the containers' working directory). */
const ARTIFACTS_MOUNT = "/artifacts";
/** Relative to ARTIFACTS_MOUNT: the controller's --artifact-dir. */
export const RUN_DIR = "run";
export const DEFAULT_NAMESPACE = "default";

export const JOBSET_GROUP = "jobset.x-k8s.io";
export const JOBSET_VERSION = "v1alpha2";
export const JOBSET_PLURAL = "jobsets";
/** Set by the JobSet controller on every pod of a JobSet. */
export const JOBSET_NAME_LABEL = "jobset.sigs.k8s.io/jobset-name";
/** On every object aiperf creates: `kube cleanup` deletes by it. */
const INSTANCE_LABEL = "app.kubernetes.io/instance";

type JobSet = {
  apiVersion: string;
  kind: "JobSet";
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: Record<string, unknown>;
};
export type KubeObject = { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } } & Record<string, unknown>;

export type RunObjects = {
  secret: Secret;
  serviceAccount: ServiceAccount;
  role: Role;
  roleBinding: RoleBinding;
  configMap: ConfigMap;
  service: Service;
  jobSet: JobSet;
  /** Kept apart for validation: the JobSet's job templates as core models. */
  jobTemplates: JobTemplateSpec[];
};

/** The controller pod's DNS name through the headless service (same namespace: host.subdomain). */
export function controllerHost(name: string): string {
  return `${name}-controller-0-0.${name}`;
}

export function buildObjects(o: KubeOptions): RunObjects {
  const namespace = o.namespace ?? DEFAULT_NAMESPACE;
  const labels = {
    "app.kubernetes.io/name": "aiperf",
    [INSTANCE_LABEL]: o.name,
    "app.kubernetes.io/managed-by": "aiperf",
    "app.kubernetes.io/version": VERSION,
  };
  const meta = (name: string) => ({ name, namespace, labels });
  const secretName = `${o.name}-secret`;
  const tokenEnv: IEnvVar = { name: "AIPERF_CLUSTER_TOKEN", valueFrom: { secretKeyRef: { name: secretName, key: "cluster-token" } } };
  const apiKeyEnv: IEnvVar[] = o.apiKey === undefined ? [] : [{ name: "AIPERF_API_KEY", valueFrom: { secretKeyRef: { name: secretName, key: "api-key" } } }];

  const secret = new Secret({
    metadata: meta(secretName),
    type: "Opaque",
    // stringData: the API server encodes it; the printed manifest stays readable.
    stringData: { "cluster-token": randomBytes(24).toString("hex"), ...(o.apiKey === undefined ? {} : { "api-key": o.apiKey }) },
  });
  const serviceAccount = new ServiceAccount({ metadata: meta(o.name), automountServiceAccountToken: false });
  // What a pod of the run may read: the run's own pods (for diagnostics); nothing cluster-wide.
  const role = new Role({
    metadata: meta(o.name),
    rules: [
      { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
      { apiGroups: [JOBSET_GROUP], resources: [JOBSET_PLURAL], verbs: ["get"] },
    ],
  });
  const roleBinding = new RoleBinding({
    metadata: meta(o.name),
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: o.name },
    subjects: [{ kind: "ServiceAccount", name: o.name, namespace }],
  });
  const configMap = new ConfigMap({
    metadata: meta(`${o.name}-config`),
    data: {
      "profile-config.json": `${JSON.stringify(inputConfigOf(o.cfg), null, 2)}\n`,
      "controller-args.json": `${JSON.stringify(controllerArgs(o))}\n`,
    },
  });
  const service = new Service({
    metadata: meta(o.name),
    spec: {
      clusterIP: "None",
      // Nodes resolve the controller before it is ready: its address must be published at once.
      publishNotReadyAddresses: true,
      selector: { [JOBSET_NAME_LABEL]: o.name },
      ports: [
        ...ZMQ_PORT_NAMES.map((name, i) => ({ name, port: ZMQ_PORT + i, targetPort: ZMQ_PORT + i })),
        { name: "artifacts", port: ARTIFACTS_PORT, targetPort: ARTIFACTS_PORT },
      ],
    },
  });

  const controller: IContainer = {
    name: "controller",
    image: o.image,
    imagePullPolicy: "IfNotPresent",
    command: ["aiperf"],
    args: controllerArgs(o),
    workingDir: ARTIFACTS_MOUNT,
    env: [tokenEnv, ...apiKeyEnv],
    ports: ZMQ_PORT_NAMES.map((name, i) => ({ name, containerPort: ZMQ_PORT + i })),
    resources: { requests: { cpu: "1", memory: "1Gi" } },
    volumeMounts: [{ name: "artifacts", mountPath: ARTIFACTS_MOUNT }],
  };
  const artifacts: IContainer = {
    name: "artifacts",
    image: o.image,
    imagePullPolicy: "IfNotPresent",
    command: ["aiperf"],
    args: artifactsArgs(),
    workingDir: ARTIFACTS_MOUNT,
    ports: [{ name: "artifacts", containerPort: ARTIFACTS_PORT }],
    resources: { requests: { cpu: "50m", memory: "64Mi" } },
    volumeMounts: [{ name: "artifacts", mountPath: ARTIFACTS_MOUNT }],
  };
  // As upstream's pods: a worker container and a record-processor sidecar, raw replies between
  // them over IPC sockets in a shared emptyDir; only records leave the pod.
  const nodeContainer = (role: "worker" | "record-processor", port: number, cpu: string): IContainer => ({
    name: role,
    image: o.image,
    imagePullPolicy: "IfNotPresent",
    command: ["aiperf"],
    args: nodeArgs(o.name, role, port),
    workingDir: IPC_MOUNT,
    env: [tokenEnv],
    ports: [{ name: role === "worker" ? "health" : "health-rp", containerPort: port }],
    resources: { requests: { cpu, memory: "1Gi" } },
    readinessProbe: { httpGet: { path: "/readyz", port }, periodSeconds: 2 },
    livenessProbe: { httpGet: { path: "/healthz", port }, periodSeconds: 10, failureThreshold: 3 },
    volumeMounts: [{ name: "ipc", mountPath: IPC_MOUNT }],
  });
  const nodeContainers = [nodeContainer("worker", HEALTH_PORT, "2"), nodeContainer("record-processor", HEALTH_PORT + 1, "1")];
  const podSecurity = { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532 };
  // Never restarted (fail fast); the containers share one emptyDir volume.
  const podTemplate = (containers: IContainer[], volume: string): IPodTemplateSpec => ({
    metadata: { labels },
    spec: { restartPolicy: "Never", serviceAccountName: o.name, securityContext: podSecurity, containers, volumes: [{ name: volume, emptyDir: {} }] },
  });
  const controllerJob = new JobTemplateSpec({
    metadata: { labels },
    spec: {
      parallelism: 1,
      completions: 1,
      // Fail fast: a restarted controller or node would skew the measurement.
      backoffLimit: 0,
      template: podTemplate([controller, artifacts], "artifacts"),
    },
  });
  const nodesJob = new JobTemplateSpec({
    metadata: { labels },
    spec: {
      parallelism: o.nodes,
      completions: o.nodes,
      completionMode: "Indexed",
      backoffLimit: 0,
      template: podTemplate(nodeContainers, "ipc"),
    },
  });
  const jobSet: JobSet = {
    apiVersion: `${JOBSET_GROUP}/${JOBSET_VERSION}`,
    kind: "JobSet",
    metadata: meta(o.name),
    spec: {
      // One failed pod fails the run; no restart of the whole set either.
      failurePolicy: { maxRestarts: 0 },
      // The controller's pod is up before the nodes start dialling it.
      startupPolicy: { startupPolicyOrder: "InOrder" },
      // Done when the controller is: nodes still exiting do not hold the run.
      successPolicy: { operator: "All", targetReplicatedJobs: ["controller"] },
      network: { enableDNSHostnames: true, subdomain: o.name, publishNotReadyAddresses: true },
      replicatedJobs: [
        { name: "controller", replicas: 1, template: controllerJob.toJSON() },
        { name: "nodes", replicas: 1, template: nodesJob.toJSON() },
      ],
    },
  };
  return { secret, serviceAccount, role, roleBinding, configMap, service, jobSet, jobTemplates: [controllerJob, nodesJob] };
}

/** In apply order: what the JobSet's pods refer to exists before them. */
export function objectList(objects: RunObjects): KubeObject[] {
  const { secret, serviceAccount, role, roleBinding, configMap, service, jobSet } = objects;
  return [secret, serviceAccount, role, roleBinding, configMap, service].map((m) => m.toJSON() as KubeObject).concat([jobSet as unknown as KubeObject]);
}

function controllerArgs(o: KubeOptions): string[] {
  // Kubernetes expands $(AIPERF_API_KEY) from the container's env: the key stays in the Secret.
  const apiKey = o.apiKey === undefined ? [] : ["--api-key", "$(AIPERF_API_KEY)"];
  return [
    "profile",
    ...o.profileArgs,
    ...apiKey,
    "--artifact-dir",
    RUN_DIR,
    "--zmq-host",
    "0.0.0.0",
    "--zmq-port",
    String(ZMQ_PORT),
    "--worker-nodes",
    String(o.nodes),
  ];
}

function nodeArgs(name: string, role: "worker" | "record-processor", healthPort: number): string[] {
  return ["service", "--type", role, "--ipc-dir", ".", "--controller", `tcp://${controllerHost(name)}:${ZMQ_PORT}`, "--health-port", String(healthPort)];
}

function artifactsArgs(): string[] {
  return ["kube", "serve-artifacts", "--dir", ".", "--port", String(ARTIFACTS_PORT)];
}
