/** `aiperf slurm generate` and `aiperf profile --slurm`'s refusals, on the binary; no cluster needed (slurm.test.ts has one). */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, ensureBinary } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "aiperf-slurm-cli-"));
beforeAll(() => ensureBinary(), 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const aiperf = (args: string[], env: Record<string, string> = {}) => {
  // No Slurm variables of the test's own environment leak in: each test says which it sets.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("SLURM")));
  const out = Bun.spawnSync([BINARY, ...args], { cwd: dir, env: { ...base, NO_COLOR: "1", ...env } });
  return { code: out.exitCode, out: out.stdout.toString(), err: out.stderr.toString() };
};

describe("aiperf slurm generate", () => {
  test("prints an sbatch script that runs profile --slurm with the flags as given", () => {
    const r = aiperf([
      "slurm",
      "generate",
      "-m",
      "my-model",
      "-u",
      "http://gpu-host:8000",
      "--streaming",
      "--concurrency",
      "64",
      "--nodes",
      "3",
      "--partition",
      "cpu",
      "--time",
      "30",
      "--account",
      "perf",
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      "#SBATCH --nodes=3\n#SBATCH --ntasks-per-node=1\n#SBATCH --exclusive\n#SBATCH --partition=cpu\n#SBATCH --time=30\n#SBATCH --account=perf\n",
    );
    expect(r.out).toContain(`AIPERF="\${AIPERF:-${BINARY}}"`);
    expect(r.out.trimEnd().split("\n").at(-1)).toBe('exec "$AIPERF" profile --slurm -m my-model -u http://gpu-host:8000 --streaming --concurrency 64');
  });

  test("-o writes the file (owner only: it may hold an --api-key) and will not overwrite it without --force", () => {
    const file = join(dir, "job.sh");
    const first = aiperf(["slurm", "generate", "-m", "m", "-o", file]);
    expect(first.code).toBe(0);
    expect(first.out).toBe(`Wrote ${file}. Submit it: sbatch ${file}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, "utf8")).toContain("#SBATCH --nodes=2\n");
    const again = aiperf(["slurm", "generate", "-m", "m", "-o", file]);
    expect(again.code).toBe(2);
    expect(again.err).toContain(`${file} exists: not overwritten`);
    expect(aiperf(["slurm", "generate", "-m", "m", "--nodes", "4", "-o", file, "--force"]).code).toBe(0);
    expect(readFileSync(file, "utf8")).toContain("#SBATCH --nodes=4\n");
  });

  test.each([
    [["--bogus"], 'Unknown option "--bogus"'],
    [["--concurrency", "abc"], "--concurrency"],
    [["--partition", "a b"], 'Invalid value "a b" for --partition'],
    [["--time", "1:00\n#SBATCH --uid=0"], "for --time"],
    [["--nodes", "0"], "--nodes"],
    [["--concurrency", "1,2"], "--slurm runs one profile"],
  ])("refuses %p with exit 2 and writes nothing", (extra, message) => {
    const file = join(dir, "refused.sh");
    const r = aiperf(["slurm", "generate", "-m", "m", "-o", file, ...extra]);
    expect({ code: r.code, err: r.err }).toMatchObject({ code: 2 });
    expect(r.err).toContain(message);
    expect(existsSync(file)).toBe(false);
  });
});

describe("aiperf profile --slurm refuses before starting anything", () => {
  test("outside an allocation", () => {
    const r = aiperf(["profile", "--slurm", "-m", "m", "-u", "http://127.0.0.1:9"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--slurm needs a Slurm allocation: SLURM_JOB_ID and SLURM_JOB_NODELIST are not set");
  });

  test("more nodes than the allocation's hosts", () => {
    const r = aiperf(["profile", "--slurm", "--worker-nodes", "3", "-m", "m", "-u", "http://127.0.0.1:9"], {
      SLURM_JOB_ID: "9",
      SLURM_JOB_NODELIST: "n[1-2]",
      SLURMD_NODENAME: "n1",
    });
    expect(r.code).toBe(2);
    expect(r.err).toContain("--worker-nodes 3 needs 3 hosts, but Slurm job 9 has 2 (n1,n2)");
  });

  test("a bad node list, and a study", () => {
    const bad = aiperf(["profile", "--slurm", "-m", "m"], { SLURM_JOB_ID: "9", SLURM_JOB_NODELIST: "n[1-" });
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('Invalid Slurm node list "n[1-"');
    const study = aiperf(["profile", "--slurm", "-m", "m", "--concurrency", "1,2"], { SLURM_JOB_ID: "9", SLURM_JOB_NODELIST: "n1" });
    expect(study.code).toBe(2);
    expect(study.err).toContain("--slurm runs one profile");
  });
});
