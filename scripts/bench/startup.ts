/**
 * Launch costs of the compiled binary, each side by side with a baseline from the same run:
 *
 *   bun scripts/bench/startup.ts [--runs 7] [--binary dist/aiperf] [--before PATH] [--requests 4] [--rss-requests 10]
 *
 *  - version: `aiperf --version` wall time (median of --runs×5) vs a hello-world compiled with the
 *    same flags as `npm run build` (printed: both medians and the ratio).
 *  - first_request: launch → the first inference request at the server, for a --requests run
 *    with synthetic prompts (concurrency 1, streaming chat): the mock server (its own process,
 *    recordWrites on) stamps each request's arrival with the host-wide monotonic clock, this
 *    script stamps the spawn with the same clock. Baseline: a compiled one-file fetch client
 *    that sends the same kind of request at once. Median, min and max of --runs.
 *  - rss: peak process-tree RSS (the controller and every service, sampled from /proc every
 *    10 ms) of a --rss-requests run, vs the bare client's.
 * The runs alternate (ours, baseline) so the box's load drifts over both alike. With --before,
 * another build of aiperf (say, main's) runs in turn with ours in every case, and each case also
 * prints its figures and ours ÷ its.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { monoNs } from "../../src/core/clock.ts";
import { arg, numArg, ROOT, round, say, startServerProcess, uptimeLoad } from "./support.ts";

const BUILD_FLAGS = ["--compile", "--bytecode", "--splitting", "--format=esm", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig"];

const runs = numArg("runs", 7);
const binary = resolve(ROOT, arg("binary", "dist/aiperf"));
const beforeArg = arg("before", "");
const before = beforeArg === "" ? undefined : resolve(ROOT, beforeArg);
const requests = numArg("requests", 4);
const rssRequests = numArg("rss-requests", 10);
const work = mkdtempSync(join(tmpdir(), "aiperf-startup-"));

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? Number.NaN
    : s.length % 2 === 1
      ? (s[(s.length - 1) / 2] as number)
      : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const stats = (xs: number[]) => ({ median: round(median(xs)), min: round(Math.min(...xs)), max: round(Math.max(...xs)) });
/** The --before build's figures next to ours, when it ran. */
const vsBefore = (ours: number[], prior: number[], unit: string): Record<string, unknown> =>
  prior.length === 0 ? {} : { [`before_${unit}`]: stats(prior), ratio_to_before: round(median(ours) / median(prior), 2) };

/** Compiles a one-file program with the product's flags; returns the binary's path. */
async function compile(name: string, source: string): Promise<string> {
  const src = join(work, `${name}.ts`);
  const out = join(work, name);
  writeFileSync(src, source);
  const p = Bun.spawn([process.execPath, "build", src, ...BUILD_FLAGS, "--outfile", out], { stdout: "ignore", stderr: "inherit", cwd: work });
  if ((await p.exited) !== 0) throw new Error(`could not compile ${name}`);
  return out;
}

/** Milliseconds from spawn to exit. */
async function timed(cmd: string[]): Promise<number> {
  const t0 = performance.now();
  const p = Bun.spawn(cmd, { stdout: "ignore", stderr: "ignore" });
  await p.exited;
  return performance.now() - t0;
}

/** RSS in KiB of `root` and all its live descendants (one /proc scan). */
function treeRssKiB(root: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, "utf8");
      const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1]);
      rss.set(Number(name), Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0));
      const list = children.get(ppid);
      if (list === undefined) children.set(ppid, [Number(name)]);
      else list.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop() as number;
    total += rss.get(pid) ?? 0;
    todo.push(...(children.get(pid) ?? []));
  }
  return total;
}

type Launch = { firstMs: number; peakMiB: number; code: number };

/** Spawns `cmd`, samples its tree's RSS until it exits; the first request's arrival from the server's write log. */
async function launch(cmd: string[], serverUrl: string): Promise<Launch> {
  await fetch(`${serverUrl}/debug/writes`).then((r) => r.json()); // start from an empty log
  const t0 = monoNs();
  const p = Bun.spawn(cmd, { stdout: "ignore", stderr: "ignore" });
  let peak = 0;
  let done = false;
  const exited = p.exited.then((code) => ((done = true), code));
  while (!done) {
    peak = Math.max(peak, treeRssKiB(p.pid));
    await Promise.race([Bun.sleep(10), exited]);
  }
  const code = await exited;
  const writes = (await fetch(`${serverUrl}/debug/writes`).then((r) => r.json())) as { arrivalNs: number }[];
  const first = Math.min(...writes.map((w) => w.arrivalNs));
  return { firstMs: (first - t0) / 1e6, peakMiB: peak / 1024, code };
}

const BARE = `
const url = process.argv[2] + "/v1/chat/completions";
const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" },
  body: JSON.stringify({ model: "mock-model", stream: true, max_tokens: 4, messages: [{ role: "user", content: "Call me Ishmael. Some years ago" }] }) });
const reader = res.body!.getReader();
while (!(await reader.read()).done) {}
`;

const server = await startServerProcess({ ttft: 0, itl: 1, osl: 4, recordWrites: true });
try {
  say({ load: uptimeLoad(), binary, before, runs });
  const hello = await compile("hello", 'console.log("0.1.0");\n');
  const bare = await compile("bare-client", BARE);

  const ours: number[] = [];
  const base: number[] = [];
  const prior: number[] = [];
  for (let i = 0; i < runs * 5; i++) {
    ours.push(await timed([binary, "--version"]));
    base.push(await timed([hello]));
    if (before !== undefined) prior.push(await timed([before, "--version"]));
  }
  say({ case: "version", aiperf_ms: stats(ours), hello_world_ms: stats(base), ratio: round(median(ours) / median(base), 2), ...vsBefore(ours, prior, "ms") });

  const profile = (n: number, dir: string, bin = binary): string[] => [
    bin,
    "profile",
    "-m",
    "mock-model",
    "-u",
    server.url,
    "--endpoint-type",
    "chat",
    "--streaming",
    "--concurrency",
    "1",
    "--request-count",
    String(n),
    "--isl",
    "64",
    "--osl",
    "4",
    "--random-seed",
    "1",
    "--artifact-dir",
    join(work, dir),
    "--ui",
    "none",
  ];
  const first: number[] = [];
  const bareFirst: number[] = [];
  const rss: number[] = [];
  const bareRss: number[] = [];
  const priorFirst: number[] = [];
  const priorRss: number[] = [];
  for (let i = 0; i < runs; i++) {
    const a = await launch(profile(requests, `run-${i}`), server.url);
    if (a.code !== 0) throw new Error(`aiperf exited ${a.code}`);
    first.push(a.firstMs);
    const b = await launch([bare, server.url], server.url);
    bareFirst.push(b.firstMs);
    bareRss.push(b.peakMiB);
    const r = await launch(profile(rssRequests, `rss-${i}`), server.url);
    rss.push(r.peakMiB);
    if (before !== undefined) {
      const p = await launch(profile(requests, `before-run-${i}`, before), server.url);
      if (p.code !== 0) throw new Error(`the --before aiperf exited ${p.code}`);
      priorFirst.push(p.firstMs);
      priorRss.push((await launch(profile(rssRequests, `before-rss-${i}`, before), server.url)).peakMiB);
    }
  }
  say({
    case: "first_request",
    requests,
    aiperf_ms: stats(first),
    bare_fetch_client_ms: stats(bareFirst),
    ratio: round(median(first) / median(bareFirst), 1),
    ...vsBefore(first, priorFirst, "ms"),
  });
  say({
    case: "tree_rss_peak",
    requests: rssRequests,
    aiperf_mib: stats(rss),
    bare_fetch_client_mib: stats(bareRss),
    ratio: round(median(rss) / median(bareRss), 1),
    ...vsBefore(rss, priorRss, "mib"),
  });
  say({ load: uptimeLoad() });
} finally {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
