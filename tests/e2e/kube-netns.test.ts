/**
 * The objects `aiperf kube generate` prints, RUN as a cluster would run them, without a cluster:
 * every pod of the JobSet becomes a Linux network namespace (its own IP on a private /24 behind a
 * bridge that lives in a namespace of its own, so the host's network is not touched) and its
 * containers become processes in it, started with EXACTLY the generated command, args and env:
 *   - env from the generated Secret (secretKeyRef), JOB_COMPLETION_INDEX for Indexed jobs, and
 *     $(VAR) in args expanded from the container's env, as the kubelet does;
 *   - the pod's hostname (unshare --uts), as a pod has;
 *   - the emptyDir volume: a temp directory per pod; the containers' workingDir is its mount path;
 *   - DNS: the headless service's names ({jobset}-{job}-{i}-{j}.{subdomain}, and the FQDN) are
 *     mapped to the pods' IPs by a per-namespace hosts file (/etc/netns/NS/hosts, which
 *     `ip netns exec` mounts over /etc/hosts); the target server gets a Service-like name too.
 * The only substitution: "aiperf" (the image's binary) is dist/aiperf. The mock server runs in a
 * namespace of its own. Start-up in order (JobSet InOrder): the controller pod, then the nodes.
 * Every namespace, hosts directory, process and temp dir is removed in afterAll, also on failure.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, ensureBinary } from "./support.ts";

type AnyRec = Record<string, any>;

const IS_ROOT = process.getuid?.() === 0;
const HAS_IP = Bun.which("ip") !== null && Bun.which("unshare") !== null;
const canNetns = IS_ROOT && HAS_IP;
if (!canNetns) console.warn(`kube-netns e2e skipped: ${!IS_ROOT ? "not root (network namespaces need it)" : "ip or unshare not installed"}`);

await ensureBinary();

const TAG = `apk${process.pid % 100000}`;
const SUBNET = `10.252.${process.pid % 250}`;
const NAME = "kn1";
const NAMESPACE = "perf";
const MOCK_HOST = `mock-llm.${NAMESPACE}.svc`;

type Pod = { hostname: string; ns: string; ip: string; containers: AnyRec[]; volumes: Map<string, string>; jobIndex: number | undefined };
type Started = { pod: Pod; container: string; proc: Bun.Subprocess; out: () => string };

const namespaces: string[] = [];
const started: Started[] = [];
let dir = "";

function sh(args: string[]): void {
  const r = Bun.spawnSync(args, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${args.join(" ")}: ${r.stderr.toString()}`);
}

/** A namespace per host, each with eth0 on the bridge of the switch namespace. */
function makeNetwork(hosts: { ns: string; ip: string }[]): void {
  const sw = `${TAG}-sw`;
  sh(["ip", "netns", "add", sw]);
  namespaces.push(sw);
  sh(["ip", "-n", sw, "link", "add", "br0", "type", "bridge"]);
  sh(["ip", "-n", sw, "link", "set", "br0", "up"]);
  hosts.forEach((h, i) => {
    sh(["ip", "netns", "add", h.ns]);
    namespaces.push(h.ns);
    sh(["ip", "-n", h.ns, "link", "set", "lo", "up"]);
    sh(["ip", "-n", sw, "link", "add", `v${i}`, "type", "veth", "peer", "name", "eth0", "netns", h.ns]);
    sh(["ip", "-n", sw, "link", "set", `v${i}`, "master", "br0", "up"]);
    sh(["ip", "-n", h.ns, "addr", "add", `${h.ip}/24`, "dev", "eth0"]);
    sh(["ip", "-n", h.ns, "link", "set", "eth0", "up"]);
  });
}

/** /etc/netns/NS/hosts: `ip netns exec NS` mounts it over /etc/hosts for what runs there. */
function writeHosts(hosts: { ns: string }[], lines: string[]): void {
  for (const h of hosts) {
    mkdirSync(`/etc/netns/${h.ns}`, { recursive: true });
    writeFileSync(`/etc/netns/${h.ns}/hosts`, `127.0.0.1 localhost\n::1 localhost\n${lines.join("\n")}\n`);
  }
}

/** The pods a JobSet makes: replicas × parallelism per replicated job, named as JobSet names them. */
function podsOf(jobSet: AnyRec): Omit<Pod, "ns" | "ip" | "volumes">[] {
  const pods: Omit<Pod, "ns" | "ip" | "volumes">[] = [];
  for (const rjob of jobSet.spec.replicatedJobs as AnyRec[]) {
    const job = rjob.template.spec;
    for (let j = 0; j < (rjob.replicas ?? 1); j++) {
      for (let p = 0; p < (job.parallelism ?? 1); p++) {
        pods.push({
          hostname: `${jobSet.metadata.name}-${rjob.name}-${j}-${p}`,
          containers: job.template.spec.containers,
          jobIndex: job.completionMode === "Indexed" ? p : undefined,
        });
      }
    }
  }
  return pods;
}

/** A container's environment as the kubelet builds it (values, Secret keys, the Indexed job's index). */
function envOf(container: AnyRec, secrets: Map<string, AnyRec>, pod: Pod): Record<string, string> {
  const env: Record<string, string> = {};
  if (pod.jobIndex !== undefined) env.JOB_COMPLETION_INDEX = String(pod.jobIndex);
  for (const e of (container.env ?? []) as AnyRec[]) {
    if (e.value !== undefined) env[e.name] = String(e.value);
    else if (e.valueFrom?.secretKeyRef !== undefined) {
      const ref = e.valueFrom.secretKeyRef;
      const secret = secrets.get(ref.name);
      const value =
        secret?.stringData?.[ref.key] ?? (secret?.data?.[ref.key] === undefined ? undefined : Buffer.from(secret.data[ref.key], "base64").toString());
      if (value === undefined) throw new Error(`${container.name}: secret ${ref.name} has no key ${ref.key}`);
      env[e.name] = value;
    } else throw new Error(`${container.name}: env ${e.name}: only value and secretKeyRef are emulated`);
  }
  return env;
}

/** $(VAR) in command and args, from the container's env; $$(VAR) stays literal (Kubernetes' rule). */
const expand = (word: string, env: Record<string, string>): string =>
  word.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name?: string) =>
    m === "$$" ? "$" : name !== undefined && name in env ? (env[name] as string) : m,
  );

function startContainer(pod: Pod, container: AnyRec, secrets: Map<string, AnyRec>): Started {
  const env = envOf(container, secrets, pod);
  const argv = [...(container.command ?? []), ...(container.args ?? [])].map((w: string) => expand(w, env));
  if (argv[0] !== "aiperf") throw new Error(`${container.name}: expected the image's aiperf binary, got ${argv[0]}`);
  // The working directory is a mounted volume (the generated objects keep it so): its directory here.
  let cwd = join(dir, pod.hostname);
  if (container.workingDir !== undefined) {
    const mount = (container.volumeMounts ?? []).find((m: AnyRec) => m.mountPath === container.workingDir);
    if (mount === undefined) throw new Error(`${container.name}: workingDir ${container.workingDir} is not a volume mount: cannot be emulated`);
    cwd = pod.volumes.get(mount.name) as string;
  }
  const envPairs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const proc = Bun.spawn(
    [
      "ip",
      "netns",
      "exec",
      pod.ns,
      "unshare",
      "--uts",
      "sh",
      "-c",
      'hostname "$0" && exec "$@"',
      pod.hostname,
      "env",
      "-i",
      `PATH=${process.env.PATH}`,
      `HOME=${cwd}`,
      ...envPairs,
      BINARY,
      ...argv.slice(1),
    ],
    { cwd, stdout: "pipe", stderr: "pipe" },
  );
  let text = "";
  const drain = async (s: ReadableStream<Uint8Array>) => {
    for await (const c of s) text += new TextDecoder().decode(c);
  };
  void drain(proc.stdout);
  void drain(proc.stderr);
  const s = { pod, container: container.name as string, proc, out: () => text };
  started.push(s);
  return s;
}

/** Runs `script` with this test's bun inside a namespace (a client there, e.g. the kubelet's probe). */
async function inNs(ns: string, script: string): Promise<{ code: number; out: string }> {
  const p = Bun.spawn(["ip", "netns", "exec", ns, process.execPath, "-e", script], { stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  return { code: await p.exited, out: out + err };
}

async function waitFor(what: string, ok: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok()) return;
    await Bun.sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** generate's objects, as the binary prints them. */
function generate(args: string[]): { docs: AnyRec[]; jobSet: AnyRec; secrets: Map<string, AnyRec> } {
  const r = Bun.spawnSync([BINARY, "kube", "generate", ...args, "--name", NAME, "--namespace", NAMESPACE], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`kube generate failed: ${r.stderr.toString()}`);
  const docs = r.stdout
    .toString()
    .split(/^---\n/m)
    .filter((d) => d.trim() !== "")
    .map((d) => Bun.YAML.parse(d) as AnyRec);
  const jobSet = docs.find((d) => d.kind === "JobSet") as AnyRec;
  const secrets = new Map(docs.filter((d) => d.kind === "Secret").map((d) => [d.metadata.name as string, d]));
  return { docs, jobSet, secrets };
}

/** Namespaces, IPs and hosts files for the JobSet's pods and the mock server. */
function layOut(jobSet: AnyRec): { pods: Pod[]; mock: { ns: string; ip: string } } {
  const subdomain = jobSet.spec.network?.subdomain ?? jobSet.metadata.name;
  const pods: Pod[] = podsOf(jobSet).map((p, i) => {
    const volumes = new Map<string, string>();
    mkdirSync(join(dir, p.hostname), { recursive: true });
    for (const c of p.containers) for (const m of c.volumeMounts ?? []) volumes.set(m.name, join(dir, p.hostname, "volumes", m.name));
    for (const v of volumes.values()) mkdirSync(v, { recursive: true });
    return { ...p, ns: `${TAG}-p${i}`, ip: `${SUBNET}.${10 + i}`, volumes };
  });
  const mock = { ns: `${TAG}-mock`, ip: `${SUBNET}.2` };
  makeNetwork([mock, ...pods]);
  const lines = [
    `${mock.ip} ${MOCK_HOST}`,
    ...pods.map((p) => `${p.ip} ${p.hostname}.${subdomain} ${p.hostname}.${subdomain}.${NAMESPACE}.svc.cluster.local ${p.hostname}`),
  ];
  writeHosts([mock, ...pods], lines);
  return { pods, mock };
}

beforeAll(() => {
  // Short: the pods' IPC sockets live under it (107-byte socket paths).
  dir = mkdtempSync(join(tmpdir(), "kn-"));
});

/** Stops every process started here, then removes the namespaces and their hosts files. */
async function tearDown(): Promise<void> {
  for (const s of started) s.proc.kill("SIGTERM");
  await Promise.race([Promise.all(started.map((s) => s.proc.exited)), Bun.sleep(5_000)]);
  for (const s of started) s.proc.kill("SIGKILL");
  await Promise.all(started.splice(0).map((s) => s.proc.exited));
  for (const ns of namespaces.splice(0).reverse()) {
    Bun.spawnSync(["ip", "netns", "del", ns]);
    rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
  }
  if (existsSync("/etc/netns") && readdirSync("/etc/netns").length === 0) rmSync("/etc/netns", { recursive: true, force: true });
}

afterAll(async () => {
  await tearDown();
  rmSync(dir, { recursive: true, force: true });
  const left = Bun.spawnSync(["ip", "netns", "list"], { stdout: "pipe" }).stdout.toString();
  if (left.includes(TAG)) throw new Error(`network namespaces left behind: ${left}`);
});

describe.skipIf(!canNetns)("kube generate's pods as network namespaces", () => {
  test("names resolve through the headless-service hosts files; the artifacts container serves the volume over TCP and ends when released", async () => {
    const { jobSet, secrets } = generate(["-m", "mock-model", "-u", `http://${MOCK_HOST}:8000`, "--request-count", "10", "--worker-nodes", "1"]);
    const { pods, mock } = layOut(jobSet);
    const controllerPod = pods.find((p) => p.hostname === `${NAME}-controller-0-0`) as Pod;
    expect(pods.map((p) => p.hostname)).toEqual([`${NAME}-controller-0-0`, `${NAME}-nodes-0-0`]);
    const mockProc = Bun.spawn(["ip", "netns", "exec", mock.ns, BINARY, "mock-server", "--host", "0.0.0.0", "--port", "8000", "--ttft", "5", "--itl", "1"], {
      stdout: "pipe",
      stderr: "pipe",
    });
    started.push({ pod: { ...controllerPod, hostname: "mock" }, container: "mock", proc: mockProc, out: () => "" });
    // What the controller would have written: the artifacts container must serve it.
    const volume = controllerPod.volumes.get("artifacts") as string;
    mkdirSync(join(volume, "run"), { recursive: true });
    writeFileSync(join(volume, "run", "profile_export_aiperf.json"), '{"ok":true}');
    const artifacts = startContainer(controllerPod, controllerPod.containers.find((c) => c.name === "artifacts") as AnyRec, secrets);
    const base = `http://${NAME}-controller-0-0.${NAME}:8081`;
    // From the node pod's namespace, by the controller's DNS name, as a node or the pod proxy would.
    await waitFor(
      "the artifacts container",
      async () => (await inNs(pods[1]?.ns as string, `const r = await fetch("${base}/files").catch(() => null); process.exit(r?.ok ? 0 : 1)`)).code === 0,
      20_000,
    );
    const list = await inNs(pods[1]?.ns as string, `process.stdout.write(await (await fetch("${base}/files")).text())`);
    expect(JSON.parse(list.out)).toEqual({ files: [{ path: "run/profile_export_aiperf.json", size: 11 }] });
    const file = await inNs(
      pods[1]?.ns as string,
      `process.stdout.write(await (await fetch("${base}/file/${Buffer.from("run/profile_export_aiperf.json").toString("base64url")}")).text())`,
    );
    expect(Buffer.from(file.out, "base64").toString()).toBe('{"ok":true}');
    // The target's Service-like name resolves from the controller's namespace.
    await waitFor(
      "the mock server",
      async () =>
        (await inNs(controllerPod.ns, `const r = await fetch("http://${MOCK_HOST}:8000/v1/models").catch(() => null); process.exit(r?.ok ? 0 : 1)`)).code === 0,
      20_000,
    );
    // Released, the container ends by itself (the controller Job can then complete).
    await inNs(pods[1]?.ns as string, `await fetch("${base}/release", { method: "POST" })`);
    expect(await Promise.race([artifacts.proc.exited, Bun.sleep(10_000).then(() => "still running")])).toBe(0);
  }, 90_000);

  test("the generated JobSet runs: controller pod, two node pods, mock server; every request recorded once, from both nodes; artifacts served", async () => {
    const total = 400;
    const { jobSet, secrets } = generate([
      "-m",
      "mock-model",
      "-u",
      `http://${MOCK_HOST}:8000`,
      "--streaming",
      "--request-count",
      String(total),
      "--concurrency",
      "16",
      "--worker-nodes",
      "2",
      "--api-key",
      "sk-netns",
    ]);
    // The previous test's processes and namespaces go first (the names are reused).
    await tearDown();
    const { pods, mock } = layOut(jobSet);
    const [controllerPod, ...nodePods] = pods as [Pod, ...Pod[]];
    expect(nodePods.map((p) => p.hostname)).toEqual([`${NAME}-nodes-0-0`, `${NAME}-nodes-0-1`]);
    const mockProc = Bun.spawn(["ip", "netns", "exec", mock.ns, BINARY, "mock-server", "--host", "0.0.0.0", "--port", "8000", "--ttft", "5", "--itl", "1"], {
      stdout: "pipe",
      stderr: "pipe",
    });
    started.push({ pod: { ...controllerPod, hostname: "mock" }, container: "mock", proc: mockProc, out: () => "" });
    await waitFor(
      "the mock server",
      async () =>
        (await inNs(controllerPod.ns, `const r = await fetch("http://${MOCK_HOST}:8000/v1/models").catch(() => null); process.exit(r?.ok ? 0 : 1)`)).code === 0,
      20_000,
    );
    // InOrder: the controller pod's containers, then the nodes.
    const controller = startContainer(controllerPod, controllerPod.containers.find((c) => c.name === "controller") as AnyRec, secrets);
    const artifacts = startContainer(controllerPod, controllerPod.containers.find((c) => c.name === "artifacts") as AnyRec, secrets);
    await Bun.sleep(500);
    // Every container of a node pod: the worker and its record-processor sidecar, sharing the pod's emptyDir.
    const nodes = nodePods.flatMap((p) => p.containers.map((c) => startContainer(p, c as AnyRec, secrets)));
    // The readiness probes, as the kubelet sends them (path and port from the generated objects).
    for (const [p, c] of nodePods.flatMap((p) => p.containers.map((c) => [p, c as AnyRec] as const))) {
      const probe = c.readinessProbe.httpGet;
      await waitFor(
        `${p.hostname}/${c.name} ready`,
        async () =>
          (await inNs(controllerPod.ns, `const r = await fetch("http://${p.ip}:${probe.port}${probe.path}").catch(() => null); process.exit(r?.ok ? 0 : 1)`))
            .code === 0,
        60_000,
      );
    }
    const code = await Promise.race([controller.proc.exited, Bun.sleep(240_000).then(() => "timeout")]);
    if (code !== 0) console.error(`controller output:\n${controller.out()}\nnode output:\n${nodes.map((n) => n.out()).join("\n---\n")}`);
    expect(code).toBe(0);
    const runDir = join(controllerPod.volumes.get("artifacts") as string, "run");
    const records = readFileSync(join(runDir, "profile_export.jsonl"), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as AnyRec);
    expect(records.length).toBe(total);
    expect(new Set(records.map((r) => r.metadata.x_request_id)).size).toBe(total);
    const nodeIds = new Set(records.map((r) => String(r.metadata.worker_id).split("/")[0]));
    expect(nodeIds.size).toBe(2);
    const summary = JSON.parse(readFileSync(join(runDir, "profile_export_aiperf.json"), "utf8")) as AnyRec;
    expect((summary.nodes as AnyRec[]).map((n) => n.host).sort()).toEqual(nodePods.map((p) => p.ip).sort());
    // The API key reached the controller through the Secret and $(AIPERF_API_KEY), not the manifest.
    expect(JSON.stringify(jobSet)).not.toContain("sk-netns");
    // The run over, the nodes end by themselves; the artifacts are served until released.
    for (const n of nodes) expect(await Promise.race([n.proc.exited, Bun.sleep(30_000).then(() => "still running")])).toBe(0);
    const files = await inNs(nodePods[0]?.ns as string, `process.stdout.write(await (await fetch("http://${NAME}-controller-0-0.${NAME}:8081/files")).text())`);
    expect((JSON.parse(files.out) as { files: { path: string }[] }).files.map((f) => f.path)).toContain("run/profile_export.jsonl");
    await inNs(nodePods[0]?.ns as string, `await fetch("http://${NAME}-controller-0-0.${NAME}:8081/release", { method: "POST" })`);
    expect(await Promise.race([artifacts.proc.exited, Bun.sleep(10_000).then(() => "still running")])).toBe(0);
  }, 400_000);
});
