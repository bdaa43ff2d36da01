/**
 * Where each role's CPU goes, per request, over the steady part of one streamed run: user and
 * kernel time, CPU by thread (the event loop, JSC's compiler thread "JITWorker", GC helpers, fetch's
 * "HTTP Client"), wake-ups of the event loop and of the other threads (voluntary context switches),
 * and minor page faults.
 *
 *   bun scripts/bench/roles.ts [--binary dist/aiperf] [--requests 3000] [--concurrency 16] [--osl 50]
 *        [--transport fetch|raw] [--env K=V,K2=V2] [--non-streaming] [--workers N] [--profile-args "…"]
 *
 * Same load as bench:overhead (mock server in its own process, ttft 0, one token per ms); the
 * window is from 10 % to 90 % of the requests finished at the server. /proc counts 10 ms ticks:
 * over 2,400 requests one tick is 0.004 ms per request. --env adds variables to the pipeline's
 * environment (every service inherits them). --non-streaming is bench:rate's load instead: whole
 * replies sent at once (ttft 0, itl 0, --osl default 16), closed loop as fast as the client goes;
 * the mock server's own CPU per request is printed beside the roles ("server"), and the rate.
 * --workers passes --workers-max; --profile-args adds flags to `aiperf profile` (split on spaces:
 * "--export-level summary" prices the per-request files). Prints one JSON line.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { arg, numArg, processTreeRoles, procCpuSeconds, ROOT, round, serverFinished, startServerProcess, uptimeLoad } from "./support.ts";

type Counts = { user: number; sys: number; loopWakeups: number; threadWakeups: number; faults: number; threads: Map<string, number> };

/** The counters of `root` and its descendants, summed by role. */
function snapshot(root: number): Map<string, Counts> {
  const out = new Map<string, Counts>();
  for (const [pid, role] of processTreeRoles(root)) {
    try {
      const c = out.get(role) ?? { user: 0, sys: 0, loopWakeups: 0, threadWakeups: 0, faults: 0, threads: new Map() };
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        const main = tid === String(pid);
        const thread = main ? "main" : stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")).replace(/\d+$/, "");
        c.user += Number(f[11]) / 100;
        c.sys += Number(f[12]) / 100;
        if (main) c.faults += Number(f[7]); // the process's count (threads share it)
        c.threads.set(thread, (c.threads.get(thread) ?? 0) + (Number(f[11]) + Number(f[12])) / 100);
        const switches = Number(/\nvoluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/task/${tid}/status`, "utf8"))?.[1] ?? 0);
        if (main) c.loopWakeups += switches;
        else c.threadWakeups += switches;
      }
      out.set(role, c);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function perRequest(a: Counts | undefined, b: Counts, n: number): Record<string, unknown> {
  const d = (x: number, y: number | undefined): number => round(((x - (y ?? 0)) * 1000) / n, 3);
  const threads: Record<string, number> = {};
  for (const [name, s] of b.threads) {
    const ms = d(s, a?.threads.get(name));
    if (ms > 0) threads[name] = ms;
  }
  return {
    user_ms: d(b.user, a?.user),
    sys_ms: d(b.sys, a?.sys),
    threads_ms: threads,
    loop_wakeups: round((b.loopWakeups - (a?.loopWakeups ?? 0)) / n, 3),
    thread_wakeups: round((b.threadWakeups - (a?.threadWakeups ?? 0)) / n, 3),
    faults: round((b.faults - (a?.faults ?? 0)) / n, 2),
  };
}

const requests = numArg("requests", 3000);
const binary = arg("binary", "") === "" ? "" : resolve(arg("binary", ""));
const transport = arg("transport", "fetch");
const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
for (const kv of arg("env", "").split(",").filter(Boolean)) env[kv.slice(0, kv.indexOf("="))] = kv.slice(kv.indexOf("=") + 1);
const streaming = !process.argv.includes("--non-streaming");
const osl = numArg("osl", streaming ? 50 : 16);
const workers = arg("workers", "");
const server = await startServerProcess({ ttft: 0, itl: streaming ? 1 : 0, osl });
const dir = mkdtempSync(join(tmpdir(), "aiperf-bench-roles-"));
try {
  const command = binary === "" ? [process.execPath, join(ROOT, "src", "main.ts")] : [binary];
  const flags = ["profile", "-m", "mock-model", "-u", server.url, "--endpoint-type", "chat", ...(streaming ? ["--streaming"] : [])];
  if (workers !== "") flags.push("--workers-max", workers);
  flags.push("--concurrency", String(numArg("concurrency", 16)), "--request-count", String(requests), "--isl", "64", "--osl", String(osl));
  flags.push("--ui", "none", "--random-seed", "1", "--artifact-dir", join(dir, "out"), "--transport", transport);
  flags.push(...arg("profile-args", "").split(" ").filter(Boolean));
  const base = await serverFinished(server.url);
  const proc = Bun.spawn([...command, ...flags], { cwd: dir, stdout: "pipe", stderr: "pipe", env });
  let done = false;
  void proc.exited.then(() => (done = true));
  const stdout = new Response(proc.stdout).text();
  const stderr = new Response(proc.stderr).text();
  let first: { counts: Map<string, Counts>; server: number; n: number; t: number } | undefined;
  let rps: number | undefined;
  let roles: Record<string, unknown> | undefined;
  while (!done && roles === undefined) {
    const n = (await serverFinished(server.url)) - base;
    if (first === undefined && n >= 0.1 * requests) first = { counts: snapshot(proc.pid), server: procCpuSeconds(server.pid), n, t: performance.now() };
    else if (first !== undefined && n >= 0.9 * requests) {
      const counts = snapshot(proc.pid);
      const serverCpu = procCpuSeconds(server.pid);
      roles = {};
      let client = 0;
      for (const [role, c] of counts) {
        roles[role] = perRequest(first.counts.get(role), c, n - first.n);
        const before = first.counts.get(role);
        client += c.user + c.sys - (before?.user ?? 0) - (before?.sys ?? 0);
      }
      roles.client_total_ms = round((client * 1000) / (n - first.n), 3);
      roles.server_ms = round(((serverCpu - first.server) * 1000) / (n - first.n), 3);
      rps = round((n - first.n) / ((performance.now() - first.t) / 1000), 0);
    }
    await Bun.sleep(20);
  }
  const code = await proc.exited;
  await stdout;
  const err = await stderr;
  if (code !== 0) console.error(err.slice(-2000));
  console.log(
    JSON.stringify({
      bench: "roles",
      exit: code,
      requests,
      transport,
      streaming,
      rps: rps ?? null,
      binary: binary || "source",
      loadavg: uptimeLoad(),
      per_request: roles ?? null,
    }),
  );
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
