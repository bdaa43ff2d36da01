/** What the end-to-end tests share: the compiled binary (built once per test run), its mock server, a profile run. */
import { afterAll, beforeAll } from "bun:test";
import { mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../process/helpers.ts";

export const BINARY = join(ROOT, "dist", "aiperf");

let built: Promise<void> | undefined;

/**
 * Builds dist/aiperf from this checkout once per `bun test` process, so no test runs a stale binary.
 * It runs package.json's build command into a private file and renames it into place, so two test
 * processes building at once never run a half-written binary.
 */
export function ensureBinary(): Promise<void> {
  built ??= (async () => {
    const pkg = (await Bun.file(join(ROOT, "package.json")).json()) as { scripts: { build: string } };
    const partial = `${BINARY}.${process.pid}.partial`;
    const args = pkg.scripts.build.split(/\s+/).map((a) => (a === "dist/aiperf" ? partial : a));
    if (args[0] !== "bun" || !args.includes(partial)) throw new Error(`Unexpected build script: ${pkg.scripts.build}`);
    const build = Bun.spawn([process.execPath, ...args.slice(1)], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    const [out, err] = await Promise.all([new Response(build.stdout).text(), new Response(build.stderr).text()]);
    if ((await build.exited) !== 0) throw new Error(`The build failed:\n${out}${err}`);
    renameSync(partial, BINARY);
  })();
  return built;
}

export type MockServer = { url: string; stop(): Promise<void> };

/** Starts `aiperf mock-server --port 0 …flags` and resolves with the URL it prints. */
export async function startMockServer(flags: string[] = []): Promise<MockServer> {
  const proc = Bun.spawn([BINARY, "mock-server", "--port", "0", ...flags], { stdout: "pipe", stderr: "pipe" });
  const reader = proc.stdout.getReader();
  let text = "";
  let url: string | undefined;
  while (url === undefined) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`mock server ended: ${text}`);
    text += new TextDecoder().decode(value);
    url = /listening on (\S+)/.exec(text)?.[1];
  }
  // Keep draining stdout so the server never blocks on a full pipe.
  void (async () => {
    while (!(await reader.read()).done) {}
  })();
  return {
    url,
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}

export type ProfileRun = { code: number; out: string; dir: string };

/**
 * AIPERF_TEST_TRANSPORT=raw (or fetch) runs every profile of the e2e and fault tests on that HTTP
 * transport: `profile …` gains `--transport <it>` unless the test gave one. Unset: the default.
 */
export function onTestTransport(args: string[]): string[] {
  const transport = process.env.AIPERF_TEST_TRANSPORT;
  if (transport === undefined || transport === "" || args[0] !== "profile" || args.includes("--transport")) return args;
  return ["profile", "--transport", transport, ...args.slice(1)];
}

/** `aiperf profile -m mock-model -u URL …flags` in a fresh folder; `dir` is its artifact directory. */
/** runProfile's working folders: the tests read them after the run, so they go after the file's tests (useMockServer's afterAll). */
const runFolders: string[] = [];
function removeRunFolders(): void {
  for (const folder of runFolders.splice(0)) rmSync(folder, { recursive: true, force: true });
}

export async function runProfile(url: string, flags: string[], env: Record<string, string> = {}): Promise<ProfileRun> {
  const cwd = mkdtempSync(join(tmpdir(), "aiperf-e2e-"));
  runFolders.push(cwd);
  const dir = join(cwd, "out");
  const proc = Bun.spawn(
    [BINARY, ...onTestTransport(["profile", "-m", "mock-model", "-u", url, "--artifact-dir", dir, "--ui", "none", "--random-seed", "1", ...flags])],
    {
      cwd,
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, NO_COLOR: "1", ...env },
    },
  );
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { code: await proc.exited, out: out + err, dir };
}

/**
 * The binary's mock server for the tests of one file: built and started before them, stopped
 * after. `url` is valid inside the tests.
 */
export function useMockServer(flags: string[] = [], timeoutMs = 120_000): { readonly url: string } {
  let server: MockServer | undefined;
  beforeAll(async () => {
    await ensureBinary();
    server = await startMockServer(flags);
  }, timeoutMs);
  afterAll(() => {
    server?.stop();
    removeRunFolders();
  });
  return {
    get url() {
      if (server === undefined) throw new Error("the mock server has not started");
      return server.url;
    },
  };
}

/** profile_export_aiperf.json of a run's artifact directory. */
export function readExport<T = Record<string, any>>(dir: string): T {
  return JSON.parse(readFileSync(join(dir, "profile_export_aiperf.json"), "utf8")) as T;
}

/** profile_export.jsonl of a run's artifact directory, one record per line. */
export function readRecords<T = any>(dir: string): T[] {
  return readFileSync(join(dir, "profile_export.jsonl"), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as T);
}
