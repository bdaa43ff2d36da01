/** What the end-to-end tests share: the compiled binary (built once per test run), its mock server, a profile run. */
import { mkdtempSync, renameSync } from "node:fs";
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

/** `aiperf profile -m mock-model -u URL …flags` in a fresh folder; `dir` is its artifact directory. */
export async function runProfile(url: string, flags: string[], env: Record<string, string> = {}): Promise<ProfileRun> {
  const cwd = mkdtempSync(join(tmpdir(), "aiperf-e2e-"));
  const dir = join(cwd, "out");
  const proc = Bun.spawn([BINARY, "profile", "-m", "mock-model", "-u", url, "--artifact-dir", dir, "--ui", "none", "--random-seed", "1", ...flags], {
    cwd,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { code: await proc.exited, out: out + err, dir };
}
