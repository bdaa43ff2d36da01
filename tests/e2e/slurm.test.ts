/**
 * `aiperf profile --slurm` and `aiperf slurm generate` against a real one-host Slurm cluster
 * (slurm-cluster.ts) and the binary's mock server on loopback. On one host every "node" is the
 * same machine: the point is the launch path (sbatch/salloc → controller → srun → nodes → stop).
 * Tests skip, counted and with the reason in their name, when Slurm cannot start here.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "bun";
import { VERSION } from "../../src/core/version.ts";
import { expandHostlist } from "../../src/slurm/hostlist.ts";
import { startNodeStep } from "../../src/slurm/launch.ts";
import { srunArgs } from "../../src/slurm/plan.ts";
import { leftRunning, markedPids } from "../faults/support.ts";
import { BINARY, ensureBinary, startMockServer, type MockServer } from "./support.ts";
import { type SlurmCluster, startSlurmCluster } from "./slurm-cluster.ts";

await ensureBinary();
const started = await startSlurmCluster();
const cluster: SlurmCluster | undefined = "skip" in started ? undefined : started;
const clusterSkip = "skip" in started ? ` (skipped: ${started.skip})` : "";
afterAll(async () => await cluster?.stop());

const runSkip = clusterSkip;

const dirs: string[] = [];
const freshDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "aiperf-slurm-e2e-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const c = (): SlurmCluster => cluster as SlurmCluster;
const run = (argv: string[], extraEnv: Record<string, string> = {}, cwd?: string) => {
  const out = spawnSync(argv, { env: { ...c().env, ...extraEnv }, cwd, timeout: 120_000 });
  return { code: out.exitCode, text: out.stdout.toString() + out.stderr.toString() };
};
/** Steps of the cluster's jobs now, as JOBID.STEP|NAME lines (the batch step included). */
const steps = (): string[] =>
  run(["squeue", "--noheader", "--steps", "--format=%i|%j"])
    .text.split("\n")
    .filter((l) => l.trim() !== "");
/** Live processes of this cluster (marked) besides its three daemons. */
const jobProcesses = (): string[] =>
  markedPids(c().mark)
    .map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
      } catch {
        return "";
      }
    })
    .filter((cmd) => cmd !== "" && !/\b(munged|slurmctld|slurmd)\b/.test(cmd.split(" ")[0] ?? ""));

describe("a one-host Slurm cluster started by the test", () => {
  test.skipIf(cluster === undefined)(`sbatch runs a job whose srun step runs the binary${clusterSkip}`, async () => {
    const dir = freshDir();
    const script = `#!/bin/bash\n#SBATCH --output=${dir}/job-%j.out\nset -e\necho "nodelist=$SLURM_JOB_NODELIST"\nsrun --nodes=1 --ntasks-per-node=1 --overlap ${BINARY} --version\n`;
    await Bun.write(join(dir, "job.sh"), script);
    expect((await c().submit(join(dir, "job.sh"), { cwd: dir })).code).toBe(0);
    const out = readFileSync(join(dir, readdirSync(dir).find((f) => f.startsWith("job-")) as string), "utf8");
    expect(out).toBe(`nodelist=${c().node}\n${VERSION}\n`);
  });

  test.skipIf(cluster === undefined)(`our node-list parser agrees with scontrol show hostnames${clusterSkip}`, () => {
    for (const list of ["node[01-03,7],gpu-a[1-2]", "rack[1-2]-n[08-10]", "a1,b[3-4],c"]) {
      const scontrol = run(["scontrol", "show", "hostnames", list]);
      expect(scontrol.code).toBe(0);
      expect(expandHostlist(list)).toEqual(scontrol.text.trim().split("\n"));
    }
  });

  test.skipIf(cluster === undefined)(
    `srun takes our node step's line, and a step that does not end is cancelled through Slurm${clusterSkip}`,
    async () => {
      const alloc = run(["salloc", "--nodes=1", "--no-shell"]);
      const jobId = /Granted job allocation (\d+)/.exec(alloc.text)?.[1];
      expect(jobId).toBeDefined();
      try {
        const stepName = `aiperf-nodes-test-${process.pid}`;
        // A stand-in node that never leaves on its own: bash ignores the node flags srun appends.
        const argv = srunArgs({ hosts: [c().node], controller: "tcp://127.0.0.1:1", command: ["bash", "-c", "exec sleep 300"], stepName });
        const said: string[] = [];
        const step = startNodeStep(argv, { ...c().env, SLURM_JOB_ID: jobId as string }, jobId as string, stepName, (l) => said.push(l));
        const deadline = Date.now() + 30_000;
        while (!steps().some((l) => l.endsWith(`|${stepName}`)) && Date.now() < deadline) await Bun.sleep(200);
        expect(steps().some((l) => l.endsWith(`|${stepName}`))).toBe(true);
        await step.stop(500);
        expect(said.join("\n")).toMatch(new RegExp(`cancelling ${jobId}\\.\\d+`));
        expect(await step.exited).not.toBe(0);
        expect(steps().some((l) => l.endsWith(`|${stepName}`))).toBe(false);
        expect(jobProcesses().filter((cmd) => cmd.includes("sleep 300"))).toEqual([]);
      } finally {
        run(["scancel", jobId as string]);
      }
    },
    60_000,
  );
});

describe("aiperf profile --slurm", () => {
  let server: MockServer | undefined;
  afterAll(async () => await server?.stop());

  test.skipIf(runSkip !== "")(
    `the script of aiperf slurm generate, submitted with sbatch, profiles the mock server through a node srun started${runSkip}`,
    async () => {
      server = await startMockServer(["--ttft", "5", "--itl", "1"]);
      const dir = freshDir();
      const artifacts = join(dir, "out");
      const gen = run([
        BINARY,
        "slurm",
        "generate",
        "--nodes",
        "1",
        "--time",
        "5",
        "-o",
        join(dir, "job.sh"),
        "-m",
        "mock-model",
        "-u",
        server.url,
        "--streaming",
        "--request-count",
        "40",
        "--concurrency",
        "4",
        "--artifact-dir",
        artifacts,
        "--ui",
        "none",
      ]);
      expect(gen.code).toBe(0);
      // A token of the test's own: it must reach the nodes in their environment and appear on no command line.
      const token = `tok-${crypto.randomUUID()}`;
      let ended = false;
      const job = c()
        .submit(join(dir, "job.sh"), { cwd: dir, env: { AIPERF_CLUSTER_TOKEN: token } })
        .finally(() => (ended = true));
      const seen = { nodeWithToken: false, commandLinesWithToken: [] as string[] };
      const watch = (async () => {
        while (!ended) {
          for (const pid of markedPids(c().mark)) {
            try {
              const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
              if (cmd.includes(token)) seen.commandLinesWithToken.push(cmd);
              if (cmd.includes("service\0--type\0node") && readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").includes(`AIPERF_CLUSTER_TOKEN=${token}`))
                seen.nodeWithToken = true;
            } catch {
              // Gone meanwhile.
            }
          }
          await Bun.sleep(100);
        }
      })();
      const { code } = await job;
      await watch;
      const out = readFileSync(join(dir, readdirSync(dir).find((f) => /^aiperf-\d+\.out$/.test(f)) as string), "utf8");
      expect({ code, out }).toMatchObject({ code: 0 });
      expect(out).toContain("aiperf slurm: Slurm job");
      expect(out).toContain(`1 node on ${c().node}`);
      const records = readFileSync(join(artifacts, "profile_export.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(records.length).toBe(40);
      // Every request came from the node srun started (its workers are named node-1/…).
      expect(records.filter((r) => !String(r.metadata?.worker_id).startsWith("node-1/"))).toEqual([]);
      expect(seen).toEqual({ nodeWithToken: true, commandLinesWithToken: [] });
      expect(steps()).toEqual([]);
      expect(await leftRunning(c().mark, 10_000).then(() => jobProcesses())).toEqual([]);
    },
    180_000,
  );

  /** `salloc --nodes=1 aiperf profile --slurm …` for two minutes, resolved once the node's workers have sent a few requests. */
  async function startLongRun(dir: string) {
    server ??= await startMockServer(["--ttft", "5", "--itl", "1"]);
    const url = server.url;
    const mockRequests = async (): Promise<number> => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return [...text.matchAll(/^aiperf_mock_requests_total(?:\{[^}]*\})? (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    };
    const before = await mockRequests();
    const proc = Bun.spawn(
      [
        "salloc",
        "--nodes=1",
        BINARY,
        "profile",
        "--slurm",
        "--zmq-host",
        "127.0.0.1",
        "-m",
        "mock-model",
        "-u",
        url,
        "--streaming",
        "--benchmark-duration",
        "120",
        "--concurrency",
        "2",
        "--artifact-dir",
        join(dir, "out"),
        "--ui",
        "none",
      ],
      { env: c().env, cwd: dir, stdout: "pipe", stderr: "pipe" },
    );
    const text = Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]).then(([a, b]) => a + b);
    const deadline = Date.now() + 120_000;
    while (!steps().some((l) => /\|aiperf-nodes-/.test(l)) && Date.now() < deadline && proc.exitCode === null) await Bun.sleep(200);
    while ((await mockRequests()) < before + 5 && Date.now() < deadline && proc.exitCode === null) await Bun.sleep(200);
    const sentRequests = (await mockRequests()) - before;
    if (sentRequests < 5) {
      // Say why: a run that ended early (salloc refused, a start-up error) left its output.
      proc.kill("SIGKILL");
      await proc.exited;
      throw new Error(
        `the run sent ${sentRequests} requests, exit ${proc.exitCode} (${proc.signalCode ?? "no signal"}); steps: ${JSON.stringify(steps())}; its output:\n${await text}`,
      );
    }
    return { proc, text, sentRequests };
  }

  test.skipIf(runSkip !== "")(
    `Ctrl-C on aiperf profile --slurm under salloc stops the run and the node step${runSkip}`,
    async () => {
      const dir = freshDir();
      const { proc, text, sentRequests } = await startLongRun(dir);
      try {
        expect(sentRequests).toBeGreaterThanOrEqual(5);
        // The launcher, as a terminal's Ctrl-C would reach it (salloc runs it on this host); not salloc
        // itself, whose command line holds the same words (salloc answers SIGINT by revoking the job).
        const launcher = markedPids(c().mark).find((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith(`${BINARY}\0profile\0--slurm\0`));
        expect(launcher).toBeDefined();
        process.kill(launcher as number, "SIGINT");
        const code = await proc.exited;
        expect({ code, text: await text }).toMatchObject({ code: 130 });
        expect(await text).toContain("Exit 130: interrupted; partial results written");
        expect(
          readFileSync(join(dir, "out", "profile_export.jsonl"), "utf8")
            .trim()
            .split("\n").length,
        ).toBeGreaterThanOrEqual(1);
        expect(steps()).toEqual([]);
        expect(await leftRunning(c().mark, 10_000).then(() => jobProcesses())).toEqual([]);
      } finally {
        proc.kill("SIGKILL");
      }
    },
    180_000,
  );

  test.skipIf(runSkip !== "")(
    `the node step cancelled mid-run (scancel): the run stops, exit 4, naming the lost node, records kept${runSkip}`,
    async () => {
      const dir = freshDir();
      const { proc, text, sentRequests } = await startLongRun(dir);
      try {
        expect(sentRequests).toBeGreaterThanOrEqual(5);
        const step = steps()
          .find((l) => /\|aiperf-nodes-/.test(l))
          ?.split("|")[0];
        expect(step).toBeDefined();
        expect(run(["scancel", step as string]).code).toBe(0);
        const code = await proc.exited;
        expect({ code, text: await text }).toMatchObject({ code: 4 });
        expect(await text).toMatch(/Worker node node-1 \(127\.0\.0\.1[^)]*\) was lost/);
        expect(
          readFileSync(join(dir, "out", "profile_export.jsonl"), "utf8")
            .trim()
            .split("\n").length,
        ).toBeGreaterThanOrEqual(1);
        expect(steps()).toEqual([]);
        expect(await leftRunning(c().mark, 10_000).then(() => jobProcesses())).toEqual([]);
      } finally {
        proc.kill("SIGKILL");
      }
    },
    180_000,
  );
});
