/**
 * `aiperf kube generate`: the objects validate (kubernetes-models for the core objects, the
 * vendored JobSet CRD schema for the JobSet), have the structure a run needs, and the compiled
 * binary prints them as YAML documents that read back to the same objects.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { buildObjects, controllerHost, objectList } from "../../src/kube/manifests.ts";
import { readKubeArgs } from "../../src/kube/options.ts";
import { jobSetSchemaErrors, validateObjects } from "../../src/kube/validate.ts";
import { BINARY, ensureBinary } from "../e2e/support.ts";

const PROFILE = ["-m", "my-model", "-u", "http://vllm.llm.svc:8000", "--streaming", "--request-count", "2000"];
const objectsFor = (args: string[]) => buildObjects(readKubeArgs([...PROFILE, ...args], "kube generate"));
type AnyRec = Record<string, any>;

describe("generated objects", () => {
  const o = objectsFor(["--concurrency", "1200", "--name", "bench1", "--namespace", "perf", "--image", "reg.example.com/aiperf-bun:1", "--api-key", "sk-test"]);
  const js = o.jobSet as unknown as AnyRec;
  const [controllerJob, nodesJob] = js.spec.replicatedJobs as AnyRec[];
  const controllerPod = controllerJob?.template.spec.template.spec;
  const nodePod = nodesJob?.template.spec.template.spec;

  test("validate: core objects by kubernetes-models, the JobSet by its CRD schema", () => {
    expect(() => validateObjects(o)).not.toThrow();
    expect(jobSetSchemaErrors(o.jobSet)).toEqual([]);
  });

  test("the validators reject what the API server would", () => {
    const bad = structuredClone(o.jobSet) as AnyRec;
    bad.spec.failurePolicy.maxRestarts = "none";
    bad.spec.startupPolicy.startupPolicyOrder = "Random";
    const errors = jobSetSchemaErrors(bad);
    expect(errors.some((e) => e.includes("/spec/failurePolicy/maxRestarts"))).toBe(true);
    expect(errors.some((e) => e.includes("/spec/startupPolicy/startupPolicyOrder"))).toBe(true);
    const noJobs = structuredClone(o.jobSet) as AnyRec;
    noJobs.spec.replicatedJobs[0].name = undefined;
    expect(jobSetSchemaErrors(JSON.parse(JSON.stringify(noJobs))).join()).toContain("name");
    expect(() => new ConfigMap({ metadata: { name: "x" }, data: { k: 1 as unknown as string } }).validate()).toThrow();
  });

  test("JobSet: controller (1 pod) then nodes (N pods), fail fast, in-order start-up", () => {
    expect(js.apiVersion).toBe("jobset.x-k8s.io/v1alpha2");
    expect(js.spec.failurePolicy).toEqual({ maxRestarts: 0 });
    expect(js.spec.startupPolicy).toEqual({ startupPolicyOrder: "InOrder" });
    expect(js.spec.replicatedJobs.map((r: AnyRec) => r.name)).toEqual(["controller", "nodes"]);
    expect(controllerJob?.template.spec).toMatchObject({ parallelism: 1, completions: 1, backoffLimit: 0 });
    // 1200 concurrent connections at 500 per node pod.
    expect(nodesJob?.template.spec).toMatchObject({ parallelism: 3, completions: 3, backoffLimit: 0, completionMode: "Indexed" });
    expect(js.spec.network).toMatchObject({ enableDNSHostnames: true, subdomain: "bench1" });
    expect(controllerPod.restartPolicy).toBe("Never");
  });

  test("container commands are the node-mode interface", () => {
    const controller = controllerPod.containers.find((c: AnyRec) => c.name === "controller");
    expect(controller.command).toEqual(["aiperf"]);
    expect(controller.args).toEqual([
      "profile",
      ...PROFILE,
      "--concurrency",
      "1200",
      "--api-key",
      "$(AIPERF_API_KEY)",
      "--artifact-dir",
      "run",
      "--zmq-host",
      "0.0.0.0",
      "--zmq-port",
      "5661",
      "--worker-nodes",
      "3",
    ]);
    // A node pod as upstream's: a worker and a record-processor sidecar sharing IPC sockets in an emptyDir.
    const [node, processor] = nodePod.containers;
    expect(nodePod.containers.map((c: AnyRec) => c.name)).toEqual(["worker", "record-processor"]);
    expect(node.args).toEqual([
      "service",
      "--type",
      "worker",
      "--ipc-dir",
      ".",
      "--controller",
      "tcp://bench1-controller-0-0.bench1:5661",
      "--health-port",
      "8080",
    ]);
    expect(processor.args).toEqual([
      "service",
      "--type",
      "record-processor",
      "--ipc-dir",
      ".",
      "--controller",
      "tcp://bench1-controller-0-0.bench1:5661",
      "--health-port",
      "8081",
    ]);
    for (const c of [node, processor]) {
      expect(c.volumeMounts).toEqual([{ name: "ipc", mountPath: c.workingDir }]);
      expect(nodePod.volumes).toEqual([{ name: "ipc", emptyDir: {} }]);
    }
    expect(controllerHost("bench1")).toBe("bench1-controller-0-0.bench1");
    expect(node.readinessProbe.httpGet).toEqual({ path: "/readyz", port: 8080 });
    expect(node.livenessProbe.httpGet).toEqual({ path: "/healthz", port: 8080 });
    expect(processor.readinessProbe.httpGet).toEqual({ path: "/readyz", port: 8081 });
    // The token (and the API key) come from the Secret, never from the manifest's args.
    for (const c of [controller, node, processor])
      expect(c.env.find((e: AnyRec) => e.name === "AIPERF_CLUSTER_TOKEN").valueFrom.secretKeyRef).toEqual({ name: "bench1-secret", key: "cluster-token" });
    expect(JSON.stringify(js)).not.toContain("sk-test");
    const artifacts = controllerPod.containers.find((c: AnyRec) => c.name === "artifacts");
    expect(artifacts.args).toEqual(["kube", "serve-artifacts", "--dir", ".", "--port", "8081"]);
    expect(artifacts.workingDir).toBe(controller.workingDir);
  });

  test("Secret, RBAC, ConfigMap and headless Service", () => {
    const secret = o.secret.toJSON() as AnyRec;
    expect(secret.stringData["cluster-token"]).toMatch(/^[0-9a-f]{48}$/);
    expect(secret.stringData["api-key"]).toBe("sk-test");
    expect((o.roleBinding.toJSON() as AnyRec).subjects).toEqual([{ kind: "ServiceAccount", name: "bench1", namespace: "perf" }]);
    expect(controllerPod.serviceAccountName).toBe("bench1");
    const svc = (o.service.toJSON() as AnyRec).spec;
    expect(svc.clusterIP).toBe("None");
    expect(svc.selector).toEqual({ "jobset.sigs.k8s.io/jobset-name": "bench1" });
    const config = JSON.parse((o.configMap.toJSON() as AnyRec).data["profile-config.json"]);
    expect(config).toMatchObject({ model: ["my-model"], concurrency: 1200, requestCount: 2000, apiKey: "<redacted>" });
    const all = objectList(o);
    expect(all.map((x) => x.kind)).toEqual(["Secret", "ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Service", "JobSet"]);
    for (const x of all) expect(x.metadata?.namespace).toBe("perf");
  });

  test("node pods: --worker-nodes, else one per 500 connections capped by --workers-max", () => {
    const nodes = (args: string[]) => (objectsFor(args).jobSet.spec.replicatedJobs as AnyRec[])[1]?.template.spec.parallelism;
    expect(nodes([])).toBe(1);
    expect(nodes(["--concurrency", "1001"])).toBe(3);
    expect(nodes(["--concurrency", "5000", "--workers-max", "4"])).toBe(4);
    expect(nodes(["--concurrency", "10", "--worker-nodes", "2"])).toBe(2);
  });
});

describe("aiperf kube generate (compiled binary)", () => {
  let dir = "";
  beforeAll(async () => {
    await ensureBinary();
    dir = mkdtempSync(join(tmpdir(), "aiperf-kube-gen-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[]) => {
    const p = Bun.spawnSync([BINARY, "kube", "generate", ...args], { stdout: "pipe", stderr: "pipe" });
    return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
  };

  test("YAML documents on stdout (and in -o FILE) read back to valid objects", () => {
    const r = run([...PROFILE, "--name", "yaml1", "--worker-nodes", "2"]);
    expect(r.code).toBe(0);
    const docs = r.out
      .split(/^---\n/m)
      .filter((d) => d.trim() !== "")
      .map((d) => Bun.YAML.parse(d) as AnyRec);
    expect(docs.map((d) => d.kind)).toEqual(["Secret", "ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Service", "JobSet"]);
    const jobSet = docs[6] as AnyRec;
    expect(jobSetSchemaErrors(jobSet)).toEqual([]);
    // Numbers stay strings where Kubernetes wants strings (args), and numbers where it wants numbers.
    expect(jobSet.spec.replicatedJobs[0].template.spec.template.spec.containers[0].args).toContain("5661");
    expect(jobSet.spec.replicatedJobs[1].template.spec.parallelism).toBe(2);
    expect(docs[0]?.metadata.namespace).toBe("default");

    const file = join(dir, "run.yaml");
    const w = run([...PROFILE, "--name", "yaml2", "-o", file]);
    expect(w.code).toBe(0);
    expect(w.out).toBe("");
    expect(readFileSync(file, "utf8")).toContain("kind: JobSet");
  });

  test("bad input: one message naming the flag, exit 2", () => {
    const cases: [string[], string][] = [
      [[...PROFILE, "--name", "Not_A_Label"], "--name"],
      [[...PROFILE, "--worker-nodes", "0"], "--worker-nodes"],
      [[...PROFILE, "--input-file", "data.jsonl"], "--input-file"],
      [[...PROFILE, "--zmq-host", "1.2.3.4"], "--zmq-host"],
      [[...PROFILE, "--concurrency", "x"], "--concurrency"],
      [[...PROFILE, "--namespace"], "--namespace"],
      [[...PROFILE, "-o", join(dir, "no", "such", "dir", "f.yaml")], "-o"],
    ];
    for (const [args, flag] of cases) {
      const r = run(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err).toContain(flag);
      expect(r.err).not.toContain("    at ");
    }
  });

  test("a loopback --url is warned about (the pods cannot reach it)", () => {
    const r = run(["-m", "m", "-u", "http://localhost:8000", "--name", "warn1"]);
    expect(r.code).toBe(0);
    expect(r.err).toContain("loopback");
  });
});
