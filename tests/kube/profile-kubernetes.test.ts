/**
 * `aiperf profile --kubernetes` and `aiperf kube logs|results|cleanup`, the compiled binary against
 * a STAND-IN of the Kubernetes API server (api-standin.ts: real REST shapes on 127.0.0.1, not a
 * cluster). The artifacts come through the stand-in's pod proxy from a real artifacts server.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ArtifactServer, startArtifactServer } from "../../src/kube/artifact-server.ts";
import { BINARY, ensureBinary } from "../e2e/support.ts";
import { type Scenario, type StandIn, startApiStandIn } from "./api-standin.ts";
import { makeCert } from "../tls-cert.ts";

const HAS_OPENSSL = Bun.which("openssl") !== null;
if (!HAS_OPENSSL) console.warn("openssl not found: the profile --kubernetes tests are skipped (the API stand-in serves HTTPS, as client-node requires)");

const PROFILE = ["-m", "my-model", "-u", "http://vllm.llm.svc:8000", "--request-count", "20"];
const KINDS = ["Secret", "ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Service", "JobSet"];

let dir = "";
let artifacts: ArtifactServer | undefined;
let standIn: StandIn | undefined;
let tls = { cert: "", key: "" };
const procs: Bun.Subprocess[] = [];

beforeAll(async () => {
  await ensureBinary();
  dir = mkdtempSync(join(tmpdir(), "aiperf-kube-api-"));
  // What the controller would have written into the shared volume.
  const volume = join(dir, "volume");
  mkdirSync(join(volume, "run", "logs"), { recursive: true });
  writeFileSync(join(volume, "run", "profile_export_aiperf.json"), JSON.stringify({ request_count: { avg: 20 } }));
  writeFileSync(join(volume, "run", "logs", "aiperf.log"), "Exit 0: 20 requests succeeded\n");
  writeFileSync(join(volume, "run", "bytes.bin"), Buffer.from([0, 255, 10, 13, 128]));
  artifacts = startArtifactServer(volume, 0, 600_000, "127.0.0.1");
  if (HAS_OPENSSL) tls = makeCert(dir);
});
afterEach(() => {
  for (const p of procs.splice(0)) p.kill("SIGKILL");
  standIn?.stop();
  standIn = undefined;
});
afterAll(() => {
  artifacts?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function start(scenario: Scenario, args: string[], name: string) {
  standIn = startApiStandIn({ artifactsUrl: `http://127.0.0.1:${artifacts?.port}`, ...scenario }, tls);
  const home = mkdtempSync(join(dir, "run-"));
  const kubeconfig = standIn.kubeconfig(home, "perf");
  const proc = Bun.spawn(
    [
      BINARY,
      "profile",
      "--kubernetes",
      "--kubeconfig",
      kubeconfig,
      "--name",
      name,
      "--image",
      "reg.example.com/aiperf-bun:test",
      ...PROFILE,
      "--artifact-dir",
      join(home, "out"),
      ...args,
    ],
    { cwd: home, stdout: "pipe", stderr: "pipe" },
  );
  procs.push(proc);
  const out = new Response(proc.stdout).text();
  let err = "";
  const errDone = (async () => {
    for await (const chunk of proc.stderr) err += new TextDecoder().decode(chunk);
  })();
  return {
    home,
    kubeconfig,
    proc,
    stderr: () => err,
    async done() {
      const code = await proc.exited;
      await errDone;
      return { code, out: await out, err };
    },
  };
}

const kindsCreated = (s: StandIn): string[] =>
  s.requests.filter((r) => r.startsWith("POST") && !r.includes("/proxy/")).map((r) => r.split("/").slice(-1)[0] as string);

describe.skipIf(!HAS_OPENSSL)("profile --kubernetes against the API stand-in", () => {
  test("applies the objects, shows pod phases and the controller's log, copies the artifacts, deletes everything", async () => {
    const run = start({ controllerExit: 0, logLines: ["controller: 20 requests sent", "Exit 0: 20 requests succeeded"] }, ["--worker-nodes", "2"], "ok-run");
    const r = await run.done();
    expect(r.err).not.toContain("Error:");
    expect(r.code).toBe(0);
    const s = standIn as StandIn;
    expect(kindsCreated(s)).toEqual(["secrets", "serviceaccounts", "roles", "rolebindings", "configmaps", "services", "jobsets"]);
    expect(
      s.requests.some(
        (q) =>
          q.startsWith("GET /api/v1/namespaces/perf/pods?") &&
          q.includes("watch=true") &&
          q.includes("labelSelector=jobset.sigs.k8s.io%2Fjobset-name%3Dok-run"),
      ),
    ).toBe(true);
    // Progress: pods by phase, then the controller's log on stdout.
    expect(r.err).toContain("pod ok-run-controller-0-0: Running");
    expect(r.err).toContain("pod ok-run-nodes-0-1: Running");
    expect(r.out).toContain("controller: 20 requests sent");
    expect(r.err).toContain("Controller container ended: exit 0");
    // Artifacts: the run/ directory of the volume, byte for byte.
    expect(JSON.parse(readFileSync(join(run.home, "out", "profile_export_aiperf.json"), "utf8"))).toEqual({ request_count: { avg: 20 } });
    expect([...readFileSync(join(run.home, "out", "bytes.bin"))]).toEqual([0, 255, 10, 13, 128]);
    expect(existsSync(join(run.home, "out", "logs", "aiperf.log"))).toBe(true);
    expect(s.requests.some((q) => q.startsWith("POST /api/v1/namespaces/perf/pods/ok-run-controller-0-0:8081/proxy/release"))).toBe(true);
    // Nothing left in the cluster.
    expect([...s.objects.keys()]).toEqual([]);
    expect(s.requests.filter((q) => q.startsWith("DELETE")).length).toBe(KINDS.length);
  }, 60_000);

  test("the controller's exit code is the command's (4: a node died)", async () => {
    const r = await start({ controllerExit: 4, logLines: ["node ok-run-nodes-0-0 lost"] }, [], "exit4").done();
    expect(r.code).toBe(4);
    expect([...(standIn as StandIn).objects.keys()]).toEqual([]);
  }, 60_000);

  test("Ctrl-C while the run goes: every object deleted, exit 130", async () => {
    const run = start({ logLines: Array.from({ length: 200 }, (_, i) => `progress ${i}`) }, [], "ctrlc");
    const deadline = Date.now() + 30_000;
    while (!run.stderr().includes("Following the controller's log") && Date.now() < deadline) await Bun.sleep(50);
    expect(run.stderr()).toContain("Following the controller's log");
    expect((standIn as StandIn).objects.size).toBe(KINDS.length);
    run.proc.kill("SIGINT");
    const r = await run.done();
    expect(r.code).toBe(130);
    expect(r.err).toContain("Received SIGINT");
    expect([...(standIn as StandIn).objects.keys()]).toEqual([]);
  }, 60_000);

  test("a node pod fails and the JobSet deletes the controller pod: named, exit 1, cleaned up", async () => {
    const r = await start({ nodeFailsAfterMs: 300, logLines: Array.from({ length: 100 }, (_, i) => `progress ${i}`) }, [], "nodefail");
    const done = await r.done();
    expect(done.code).toBe(1);
    expect(done.err).toContain("nodefail-nodes-0-0 failed");
    expect(done.err).toContain("controller pod nodefail-controller-0-0 was deleted");
    expect([...(standIn as StandIn).objects.keys()]).toEqual([]);
  }, 60_000);

  test("an image that cannot be pulled fails at once, named, and is cleaned up", async () => {
    const r = await start({ waitingReason: "ErrImagePull" }, [], "badimage").done();
    expect(r.code).toBe(1);
    expect(r.err).toContain("ErrImagePull");
    expect(r.err).toContain("reg.example.com/aiperf-bun:test");
    expect([...(standIn as StandIn).objects.keys()]).toEqual([]);
  }, 60_000);

  test("no JobSet CRD: one message with the install hint; what was created is deleted", async () => {
    const r = await start({ noJobSetCrd: true }, [], "nocrd").done();
    expect(r.code).toBe(1);
    expect(r.err).toContain("Creating JobSet nocrd: the API server answered 404");
    expect(r.err).toContain("jobset.sigs.k8s.io");
    expect([...(standIn as StandIn).objects.keys()]).toEqual([]);
  }, 60_000);

  test("a kubeconfig that names no reachable server: exit 1 naming it; a missing file: exit 2", async () => {
    const home = mkdtempSync(join(dir, "bad-"));
    const file = join(home, "kubeconfig");
    // A port nothing listens on: this test's own server, stopped.
    const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    const port = s.port;
    s.stop(true);
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "c", cluster: { server: `https://127.0.0.1:${port}` } }],
        users: [{ name: "u", user: {} }],
        contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
        "current-context": "x",
      }),
    );
    const unreachable = Bun.spawnSync([BINARY, "profile", "--kubernetes", "--kubeconfig", file, ...PROFILE], { cwd: home, stderr: "pipe" });
    expect(unreachable.exitCode).toBe(1);
    expect(unreachable.stderr.toString()).toContain(`127.0.0.1:${port}`);
    const missing = Bun.spawnSync([BINARY, "profile", "--kubernetes", "--kubeconfig", join(home, "nope"), ...PROFILE], { cwd: home, stderr: "pipe" });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr.toString()).toContain("kubeconfig");
    const context = Bun.spawnSync([BINARY, "profile", "--kubernetes", "--kubeconfig", file, "--kubecontext", "other", ...PROFILE], {
      cwd: home,
      stderr: "pipe",
    });
    expect(context.exitCode).toBe(2);
    expect(context.stderr.toString()).toContain('No context "other"');
  }, 60_000);
});

describe.skipIf(!HAS_OPENSSL)("kube logs | results | cleanup against the API stand-in", () => {
  test("on a run applied with kube generate", async () => {
    const s = startApiStandIn({ artifactsUrl: `http://127.0.0.1:${artifacts?.port}`, logLines: ["hello from the controller"] }, tls);
    standIn = s;
    const home = mkdtempSync(join(dir, "cmds-"));
    const kubeconfig = s.kubeconfig(home, "perf");
    // Apply what generate printed, as kubectl would (POST each document to its collection).
    const gen = Bun.spawnSync([BINARY, "kube", "generate", ...PROFILE, "--name", "gen1", "--namespace", "perf"], { stdout: "pipe" });
    expect(gen.exitCode).toBe(0);
    const paths: Record<string, string> = {
      Secret: "api/v1/namespaces/perf/secrets",
      ServiceAccount: "api/v1/namespaces/perf/serviceaccounts",
      ConfigMap: "api/v1/namespaces/perf/configmaps",
      Service: "api/v1/namespaces/perf/services",
      Role: "apis/rbac.authorization.k8s.io/v1/namespaces/perf/roles",
      RoleBinding: "apis/rbac.authorization.k8s.io/v1/namespaces/perf/rolebindings",
      JobSet: "apis/jobset.x-k8s.io/v1alpha2/namespaces/perf/jobsets",
    };
    for (const doc of gen.stdout
      .toString()
      .split(/^---\n/m)
      .filter((d) => d.trim() !== "")) {
      const o = Bun.YAML.parse(doc) as { kind: string };
      const res = await fetch(`${s.url}/${paths[o.kind]}`, {
        method: "POST",
        body: JSON.stringify(o),
        headers: { "content-type": "application/json" },
        tls: { ca: tls.cert },
      });
      expect(res.status).toBe(201);
    }
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const list = (await (await fetch(`${s.url}/api/v1/namespaces/perf/pods`, { tls: { ca: tls.cert } })).json()) as {
        items: { status: { phase: string } }[];
      };
      if (list.items.length > 0 && list.items.every((p) => p.status.phase === "Running")) break;
      await Bun.sleep(50);
    }
    // Not spawnSync: the stand-in answers from this process's event loop.
    const cli = async (args: string[]) => {
      const p = Bun.spawn([BINARY, "kube", ...args, "--kubeconfig", kubeconfig], { cwd: home, stdout: "pipe", stderr: "pipe" });
      procs.push(p);
      const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
      return { code: await p.exited, out, err };
    };
    const logs = await cli(["logs", "gen1"]);
    expect(logs.code).toBe(0);
    expect(logs.out).toContain("hello from the controller");
    const all = await cli(["logs", "gen1", "--all"]);
    expect(all.out).toContain("==> gen1-controller-0-0/artifacts <==");
    expect(all.out).toContain("==> gen1-nodes-0-0/worker <==");
    expect(all.out).toContain("==> gen1-nodes-0-0/record-processor <==");
    const results = await cli(["results", "gen1", "-o", join(home, "res"), "--keep"]);
    expect(results.code).toBe(0);
    expect(readFileSync(join(home, "res", "logs", "aiperf.log"), "utf8")).toContain("Exit 0");
    expect(s.requests.some((q) => q.includes("/proxy/release"))).toBe(false);
    const cleanup = await cli(["cleanup", "gen1"]);
    expect(cleanup.code).toBe(0);
    expect(cleanup.out).toContain("JobSet gen1");
    expect([...s.objects.keys()]).toEqual([]);
    const again = await cli(["cleanup", "gen1"]);
    expect(again.out).toContain("Nothing of gen1 was left");
    const none = await cli(["logs", "gen1"]);
    expect(none.code).toBe(1);
    expect(none.err).toContain("No pods of run gen1");
    expect((await cli(["logs"])).code).toBe(2);
  }, 60_000);
});
