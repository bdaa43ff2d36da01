/**
 * Fault matrix, issue 12 items 11-14, on the compiled binary: process and open-file bounds, a
 * dataset too big to hold, an artifact directory reused, and the temp directories of a SIGKILLed
 * run. Each scenario checks the exit code, the time to stop, what the server itself received
 * against what was written, that no process of the run is left, and the directories involved.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DUPLICATE_SIGNAL_MS } from "../../src/controller/interrupts.ts";
import { ensureBinary } from "../e2e/support.ts";
import { exportErrors, scratch } from "./bounds-support.ts";
import { type ChatServer, finish, killLeftovers, launch, leftRunning, recordLines, runBinary, servicePid, shellFirst, startChatServer } from "./support.ts";

let server: ChatServer;
beforeAll(async () => {
  await ensureBinary();
  server = startChatServer({ metrics: true });
}, 120_000);
afterAll(async () => {
  killLeftovers();
  await server?.stop();
});

const profile = (dir: string, ...flags: string[]): string[] => [
  "profile",
  "-m",
  "m",
  "-u",
  server.url,
  "--artifact-dir",
  dir,
  "--ui",
  "none",
  "--random-seed",
  "1",
  "--no-gpu-telemetry",
  ...flags,
];

/** How long a run's processes may take to be gone once it has ended. */
const GONE_MS = 5000;

/** The hard RLIMIT_NOFILE this test runs under (undefined: unlimited). */
function hardOpenFiles(): number | undefined {
  const m = /^Max open files\s+\S+\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"));
  return m === null || m[1] === "unlimited" ? undefined : Number(m[1]);
}

describe("11: bounds on processes and open files", () => {
  test("--record-processors 5000 is refused before anything starts, naming the flag and the CPU bound", async () => {
    const s = scratch();
    try {
      const before = server.received;
      const out = join(s.dir, "out");
      const run = await runBinary(profile(out, "--record-processors", "5000"), s.where);
      expect(run.code).toBe(2);
      expect(run.out).toContain("Error: Too many processes: --record-processors 5000 would start");
      expect(run.out).toMatch(/this machine has \d+ CPU\(s\), which run at most \d+/);
      // Refused in the controller itself: no service, no request, no directory.
      expect(run.ms).toBeLessThan(10_000);
      expect(server.received - before).toBe(0);
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(s.tmp)).toEqual([]);
      expect(await leftRunning(run.mark, GONE_MS)).toEqual([]);
    } finally {
      s.done();
    }
  }, 60_000);

  test("a concurrency the hard open-files limit cannot hold is refused, naming the need and the limit", async () => {
    const s = scratch();
    try {
      const before = server.received;
      const out = join(s.dir, "out");
      // `ulimit -n` sets the soft and the hard limit: the run cannot raise it back.
      const run = await runBinary(profile(out, "--concurrency", "1000", "--request-count", "1000", "--workers-max", "1"), {
        ...s.where,
        wrapper: shellFirst("ulimit -n 512"),
      });
      expect(run.code).toBe(2);
      expect(run.out).toContain("Error: --concurrency 1000 needs ~1065 open files in each of the 1 worker process(es)");
      expect(run.out).toContain("the limit is 512 (ulimit -n, already raised to the hard limit)");
      expect(run.out).toContain("Hint: Raise the hard limit");
      expect(run.ms).toBeLessThan(10_000);
      expect(server.received - before).toBe(0);
      expect(existsSync(out)).toBe(false);
      expect(await leftRunning(run.mark, GONE_MS)).toEqual([]);
    } finally {
      s.done();
    }
  }, 60_000);

  const hard = hardOpenFiles();
  test.skipIf(hard !== undefined && hard < 2048)(
    "a low soft limit under a high hard one is raised: 400 in flight with ulimit -Sn 256 run and all arrive",
    async () => {
      const s = scratch();
      try {
        const before = server.received;
        const out = join(s.dir, "out");
        const run = await runBinary(profile(out, "--concurrency", "400", "--request-count", "400", "--workers-max", "1"), {
          ...s.where,
          wrapper: shellFirst("ulimit -Sn 256"),
        });
        expect(run.out).not.toContain("open files");
        expect(run.code).toBe(0);
        expect(server.received - before).toBe(400);
        expect(recordLines(out)).toBe(400);
        expect(exportErrors(out)).toBe(0);
        expect(readdirSync(s.tmp)).toEqual([]);
        expect(await leftRunning(run.mark, GONE_MS)).toEqual([]);
      } finally {
        s.done();
      }
    },
    120_000,
  );
});

describe("12: a dataset too big to hold", () => {
  test("a 150 MB single line stops at the 128 MiB line limit with the file and line named", async () => {
    const s = scratch();
    try {
      const before = server.received;
      const input = join(s.dir, "one-line.jsonl");
      writeFileSync(input, JSON.stringify({ text: "word ".repeat(30_000_000) }));
      const out = join(s.dir, "out");
      const run = await runBinary(profile(out, "--input-file", input, "--custom-dataset-type", "single_turn", "--request-count", "5"), s.where);
      rmSync(input);
      expect(run.code).toBe(2);
      expect(run.out).toContain(`Error: Invalid dataset: ${input}:1: a line longer than 128 MiB, the most one line (one request or conversation) may hold`);
      expect(run.out).not.toContain("heartbeat");
      expect(run.ms).toBeLessThan(60_000);
      expect(server.received - before).toBe(0);
      expect(recordLines(out)).toBe(0);
      expect(existsSync(join(out, "inputs.json"))).toBe(false);
      expect(readdirSync(s.tmp)).toEqual([]);
      expect(await leftRunning(run.mark, GONE_MS)).toEqual([]);
    } finally {
      s.done();
    }
  }, 120_000);
});

describe("13: an artifact directory reused", () => {
  test("the second run (no server metrics) finds none of the first run's files next to its own; they are in previous-*/", async () => {
    const s = scratch();
    try {
      const out = join(s.dir, "out");
      const first = server.received;
      const one = await runBinary(profile(out, "--request-count", "5"), s.where);
      expect(one.code).toBe(0);
      expect(server.received - first).toBe(5);
      expect(
        readdirSync(out)
          .filter((f) => f.startsWith("server_metrics_export."))
          .sort(),
      ).toEqual(["server_metrics_export.csv", "server_metrics_export.json", "server_metrics_export.jsonl"]);
      writeFileSync(join(out, "notes.txt"), "the user's own file");
      expect(await leftRunning(one.mark, GONE_MS)).toEqual([]);

      const second = server.received;
      const two = await runBinary(profile(out, "--request-count", "3", "--no-server-metrics"), s.where);
      expect(two.code).toBe(0);
      expect(server.received - second).toBe(3);
      const top = readdirSync(out).sort();
      const previous = top.filter((f) => f.startsWith("previous-"));
      expect(previous).toHaveLength(1);
      expect(top).toEqual(
        ["inputs.json", "logs", "notes.txt", previous[0] as string, "profile_export.jsonl", "profile_export_aiperf.csv", "profile_export_aiperf.json"].sort(),
      );
      expect(two.out).toContain(
        `moved inputs.json, logs, profile_export.jsonl, profile_export_aiperf.csv, profile_export_aiperf.json, server_metrics_export.csv, server_metrics_export.json, server_metrics_export.jsonl to ${join(out, previous[0] as string)}`,
      );
      // Each run's records sit with its own files, counted as the server received them.
      expect(recordLines(out)).toBe(3);
      expect(exportErrors(out)).toBe(0);
      const aside = join(out, previous[0] as string);
      expect(recordLines(aside)).toBe(5);
      expect(exportErrors(aside)).toBe(0);
      expect(readdirSync(aside).filter((f) => f.startsWith("server_metrics_export.")).length).toBe(3);
      // The new log holds only the new run: the old one went aside whole.
      expect(readFileSync(join(out, "logs", "aiperf.log"), "utf8")).not.toContain("--request-count 5");
      expect(readFileSync(join(aside, "logs", "aiperf.log"), "utf8")).not.toContain("--no-server-metrics");
      expect(readdirSync(s.tmp)).toEqual([]);
      expect(await leftRunning(two.mark, GONE_MS)).toEqual([]);

      // A third run replays the second's inputs.json into the same directory: it is read where it was moved to.
      const third = server.received;
      const three = await runBinary(
        profile(out, "--request-count", "3", "--no-server-metrics", "--input-file", join(out, "inputs.json"), "--custom-dataset-type", "inputs_json"),
        s.where,
      );
      expect(three.code).toBe(0);
      expect(three.out).toMatch(new RegExp(`Reading --input-file ${join(out, "inputs.json")} from its new place, ${out}/previous-[^/]+/inputs.json`));
      expect(server.received - third).toBe(3);
      expect(recordLines(out)).toBe(3);
      expect(readdirSync(out).filter((f) => f.startsWith("previous-"))).toHaveLength(2);
      expect(await leftRunning(three.mark, GONE_MS)).toEqual([]);
    } finally {
      s.done();
    }
  }, 120_000);
});

describe("14: the temp directories of a SIGKILLed controller", () => {
  test("they outlive it (its services still exit); the next run removes them and leaves none of its own", async () => {
    const s = scratch();
    const slow = startChatServer({ delayMs: 50 });
    try {
      const out = join(s.dir, "out");
      const args = (...flags: string[]) => [
        "profile",
        "-m",
        "m",
        "-u",
        slow.url,
        "--artifact-dir",
        out,
        "--ui",
        "none",
        "--no-gpu-telemetry",
        "--no-server-metrics",
        ...flags,
      ];
      const killed = launch(args("--benchmark-duration", "60", "--concurrency", "1"), s.where);
      // Killed once requests flow: every service is up and both directories exist.
      for (let i = 0; i < 600 && slow.received < 3; i++) await Bun.sleep(50);
      expect(slow.received).toBeGreaterThanOrEqual(3);
      const pid = killed.proc.pid;
      const dirs = readdirSync(s.tmp).sort();
      expect(dirs).toHaveLength(2);
      expect(dirs[0]).toMatch(new RegExp(`^aiperf-${pid}-\\d+-\\w{6}$`));
      expect(dirs[1]).toMatch(new RegExp(`^aiperf-run-${pid}-\\d+-\\w{6}$`));
      killed.proc.kill("SIGKILL");
      const gone = await finish(killed);
      expect(gone.code).not.toBe(0);
      // Its services see their stdin close and exit by themselves.
      const t0 = performance.now();
      expect(await leftRunning(killed.mark, 10_000)).toEqual([]);
      expect(performance.now() - t0).toBeLessThan(10_000);
      const received = slow.received;
      await Bun.sleep(200);
      expect(slow.received).toBe(received);
      expect(readdirSync(s.tmp).sort()).toEqual(dirs);

      const next = await runBinary(args("--request-count", "3"), s.where);
      expect(next.code).toBe(0);
      expect(next.out).toContain(`Removed 2 temporary directories left by earlier runs that were killed: `);
      for (const d of dirs) expect(next.out).toContain(join(s.tmp, d));
      expect(slow.received - received).toBe(3);
      expect(recordLines(out)).toBe(3);
      expect(exportErrors(out)).toBe(0);
      expect(readdirSync(s.tmp)).toEqual([]);
      expect(await leftRunning(next.mark, GONE_MS)).toEqual([]);
    } finally {
      await slow.stop();
      s.done();
    }
  }, 180_000);

  test("a second interrupt (forced quit) still removes both temp directories", async () => {
    const s = scratch();
    // A frozen records service keeps the first interrupt waiting for records when the second comes.
    const slow = startChatServer({ delayMs: 3000 });
    try {
      const out = join(s.dir, "out");
      const run = launch(
        [
          "profile",
          "-m",
          "m",
          "-u",
          slow.url,
          "--artifact-dir",
          out,
          "--ui",
          "none",
          "--no-gpu-telemetry",
          "--no-server-metrics",
          "--benchmark-duration",
          "60",
          "--concurrency",
          "1",
        ],
        s.where,
      );
      for (let i = 0; i < 600 && slow.received < 1; i++) await Bun.sleep(50);
      expect(readdirSync(s.tmp)).toHaveLength(2);
      process.kill(await servicePid(run.mark, "records:0"), "SIGSTOP");
      run.proc.kill("SIGINT");
      // Past the window in which a repeat is the same delivery (one signal sent to the group).
      await Bun.sleep(DUPLICATE_SIGNAL_MS + 200);
      const t0 = performance.now();
      run.proc.kill("SIGINT");
      const done = await finish(run);
      expect(done.code).toBe(130);
      expect(done.out).toContain("Second interrupt (SIGINT): stopping now without results");
      expect(performance.now() - t0).toBeLessThan(10_000);
      expect(readdirSync(s.tmp)).toEqual([]);
      expect(await leftRunning(run.mark, GONE_MS)).toEqual([]);
      const received = slow.received;
      await Bun.sleep(200);
      expect(slow.received).toBe(received);
    } finally {
      await slow.stop();
      s.done();
    }
  }, 120_000);
});
