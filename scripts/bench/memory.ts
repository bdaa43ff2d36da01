/**
 * Process-tree resident memory of one long non-streaming run: the peak of the tree's summed RSS,
 * each role's share at that moment, and each role's own peak (sampled from /proc every 250 ms).
 *
 *   bun scripts/bench/memory.ts [--requests 1000000] [--concurrency 32] [--binary dist/aiperf | --binary src]
 *        [--timeline]
 *
 * Fast settings: mock server in its own process (not counted), ttft 0, 8 output tokens, ISL 16;
 * exact percentiles as always (every value kept). --timeline also prints records,
 * record-processor and worker RSS every 2 s. Prints one JSON line.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { arg, numArg, processTreeRoles, ROOT, startServerProcess, uptimeLoad } from "./support.ts";

/** MiB resident per role, over `root` and its descendants. */
function rssByRole(root: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const [pid, role] of processTreeRoles(root)) {
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
      out.set(role, (out.get(role) ?? 0) + kb / 1024);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const requests = numArg("requests", 1_000_000);
// Resolved here: the run's working directory is a scratch one, so a relative path would miss.
const binaryArg = arg("binary", join(ROOT, "dist", "aiperf"));
const binary = binaryArg === "src" ? "src" : resolve(binaryArg);
const showTimeline = process.argv.includes("--timeline");
const server = await startServerProcess({ ttft: 0, itl: 0, osl: 8 });
const dir = mkdtempSync(join(tmpdir(), "aiperf-bench-memory-"));
try {
  const command = binary === "src" ? [process.execPath, join(ROOT, "src", "main.ts")] : [binary];
  const flags = ["profile", "-m", "mock-model", "-u", server.url, "--endpoint-type", "chat", "--concurrency", String(numArg("concurrency", 32))];
  flags.push("--request-count", String(requests), "--isl", "16", "--osl", "8", "--ui", "none", "--random-seed", "1", "--artifact-dir", join(dir, "out"));
  const t0 = performance.now();
  const proc = Bun.spawn([...command, ...flags], { cwd: dir, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } });
  let done = false;
  void proc.exited.then(() => (done = true));
  const stdout = new Response(proc.stdout).text();
  const stderr = new Response(proc.stderr).text();
  let peak = 0;
  let atPeak: Record<string, number> = {};
  const rolePeaks: Record<string, number> = {};
  const timeline: string[] = [];
  for (let tick = 0; !done; tick++) {
    const rss = rssByRole(proc.pid);
    let sum = 0;
    for (const [role, mib] of rss) {
      sum += mib;
      rolePeaks[role] = Math.max(rolePeaks[role] ?? 0, Math.round(mib));
    }
    if (sum > peak) {
      peak = sum;
      atPeak = Object.fromEntries([...rss].map(([k, v]) => [k, Math.round(v)]));
    }
    if (showTimeline && tick % 8 === 0) {
      const at = (role: string): number => Math.round(rss.get(role) ?? 0);
      timeline.push(
        `${Math.round((performance.now() - t0) / 1000)} s: records ${at("records")}, record-processor ${at("record-processor")}, worker ${at("worker")} MiB`,
      );
    }
    await Bun.sleep(250);
  }
  const code = await proc.exited;
  const text = await stdout;
  const err = await stderr;
  if (code !== 0) console.error(err.slice(-3000));
  if (showTimeline) console.log(timeline.join("\n"));
  const throughput = /Request Throughput[^│]*│\s*([\d,.]+)/.exec(text)?.[1] ?? null;
  console.log(
    JSON.stringify({
      bench: "memory",
      exit: code,
      requests,
      wall_s: Math.round((performance.now() - t0) / 100) / 10,
      request_throughput: throughput,
      loadavg: uptimeLoad(),
      tree_peak_mib: Math.round(peak),
      at_peak_mib: atPeak,
      role_peaks_mib: rolePeaks,
    }),
  );
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
