import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sbatchScript, shellQuote } from "../../src/slurm/sbatch.ts";

const dir = mkdtempSync(join(tmpdir(), "aiperf-sbatch-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = { nodes: 3, jobName: "aiperf", binary: "/opt/aiperf/bin/aiperf", version: "0.1.0" };

describe("the sbatch script", () => {
  test("directives: hosts, one task per host, whole hosts, and only the options given", () => {
    const text = sbatchScript({ ...base, partition: "gpu", time: "1:00:00", account: "perf-team", profileArgs: ["-m", "m"] });
    const directives = text.split("\n").filter((l) => l.startsWith("#SBATCH"));
    expect(directives).toEqual([
      "#SBATCH --job-name=aiperf",
      "#SBATCH --nodes=3",
      "#SBATCH --ntasks-per-node=1",
      "#SBATCH --exclusive",
      "#SBATCH --partition=gpu",
      "#SBATCH --time=1:00:00",
      "#SBATCH --account=perf-team",
      "#SBATCH --output=aiperf-%j.out",
    ]);
    expect(text.startsWith("#!/bin/bash\n")).toBe(true);
    expect(sbatchScript({ ...base, profileArgs: [] })).not.toContain("--partition");
    expect(text).toContain(`AIPERF="\${AIPERF:-/opt/aiperf/bin/aiperf}"`);
    expect(text.trimEnd().split("\n").at(-1)).toBe('exec "$AIPERF" profile --slurm -m m');
  });

  test("bash hands aiperf every profile flag exactly as given (quotes, spaces, $, newlines)", () => {
    const profileArgs = [
      "-m",
      "Qwen/Qwen3-0.6B",
      "--url",
      "http://gpu-host:8000",
      "--extra-inputs",
      '{"a": "b c"}',
      "--header",
      "x-note:it's $HOME `id`",
      "--prompt",
      "two\nlines",
      "--streaming",
    ];
    // $AIPERF swapped for a script that prints its arguments one per line, NUL-separated.
    const printer = join(dir, "print-args");
    writeFileSync(printer, '#!/bin/bash\nprintf "%s\\0" "$@"\n', { mode: 0o755 });
    const script = join(dir, "job.sh");
    writeFileSync(script, sbatchScript({ ...base, profileArgs }));
    const out = Bun.spawnSync(["bash", script], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", AIPERF: printer, HOME: "/nowhere" } });
    expect(out.exitCode).toBe(0);
    expect(out.stdout.toString().split("\0").slice(0, -1)).toEqual(["profile", "--slurm", ...profileArgs]);
  });

  test("the default binary path survives characters the shell would expand", () => {
    const text = sbatchScript({ ...base, binary: '/opt/a "b"/$x/aiperf', profileArgs: [] });
    const out = Bun.spawnSync(["bash", "-c", `${text.split("\n").find((l) => l.startsWith("AIPERF="))}; printf %s "$AIPERF"`], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    });
    expect(out.stdout.toString()).toBe('/opt/a "b"/$x/aiperf');
  });

  test("shellQuote leaves plain words bare", () => {
    expect(shellQuote("--request-count")).toBe("--request-count");
    expect(shellQuote("a b")).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote("")).toBe("''");
  });
});
