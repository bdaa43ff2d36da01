/**
 * The README's demo: build first (npm run demo does), then start the compiled binary's mock server
 * on a free port, profile it with a real multi-process run, print upstream's tables, stop the server.
 * Arguments go on to `aiperf profile` after the demo's own, so `npm run demo -- --concurrency 64`
 * changes one (a flag given twice takes its last value).
 *
 * The demo runs on `--transport raw`: the server shares the machine, which is the case the README
 * recommends raw for. Against the server's own write times (`bench:stamps`, the demo's load at
 * --concurrency 64 on the 2-core VM, the transports alternating), raw stamped the tokens with a
 * p99 of at most 3.4 ms in 18 runs and fetch went over 5 ms in one of 18; the verdict flagged 3
 * fetch runs and 1 raw run, all four false alarms (docs/client-efficiency.md, "The sixteenth
 * pass"). `npm run demo -- --transport fetch` runs it on fetch.
 */
import { join } from "node:path";

const binary = join(import.meta.dir, "..", "dist", "aiperf");
const server = Bun.spawn([binary, "mock-server", "--port", "0", "--ttft", "40", "--itl", "8"], { stdout: "pipe", stderr: "inherit" });
const reader = server.stdout.getReader();
let banner = "";
let url: string | undefined;
while (url === undefined) {
  const { value, done } = await reader.read();
  if (done) throw new Error(`mock server exited before listening: ${banner}`);
  banner += new TextDecoder().decode(value);
  url = /listening on (\S+)/.exec(banner)?.[1];
}
console.log(`Mock server at ${url}`);
const args = [
  "profile",
  "-m",
  "mock-model",
  "-u",
  url,
  "--endpoint-type",
  "chat",
  "--streaming",
  "--transport",
  "raw",
  "--concurrency",
  "8",
  "--request-count",
  "200",
  "--warmup-request-count",
  "8",
  "--isl",
  "128",
  "--osl",
  "64",
  "--random-seed",
  "7",
  "--artifact-dir",
  "artifacts/demo",
  ...process.argv.slice(2),
];
console.log(`$ aiperf ${args.join(" ")}`);
const profile = Bun.spawn([binary, ...args], { stdout: "inherit", stderr: "inherit", stdin: "inherit" });
const code = await profile.exited;
server.kill("SIGTERM");
await server.exited;
process.exit(code);
