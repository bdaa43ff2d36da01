/**
 * The package as another project gets it: `npm pack`, installed from the tarball into a fresh
 * project with no registry at all (an unreachable registry and an empty cache: every runtime
 * dependency must be inside the tarball), then that project's own `bun test` runs the README's
 * example and `tsc` checks its types.
 */
import { afterAll, expect, test } from "bun:test";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../process/helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "aiperf-pack-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(cmd: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  const proc = Bun.spawn(cmd, { cwd, stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  return { code: await proc.exited, out: out + err };
}

test("the packed tarball installs offline into a fresh project and works under its bun test", async () => {
  const packed = join(dir, "packed");
  mkdirSync(packed);
  const pack = await run(["npm", "pack", "--pack-destination", packed, "--silent"], ROOT);
  expect(pack.code).toBe(0);
  const tarball = readdirSync(packed).find((f) => f.endsWith(".tgz"));
  expect(tarball).toBeDefined();

  const project = join(dir, "consumer");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  const offline = {
    npm_config_registry: "http://127.0.0.1:9/",
    npm_config_cache: join(dir, "empty-cache"),
    npm_config_offline: "true",
    npm_config_audit: "false",
    npm_config_fund: "false",
  };
  const install = await run(["npm", "install", join(packed, tarball as string)], project, offline);
  expect(install.out).not.toContain("ERR");
  expect(install.code).toBe(0);

  cpSync(join(ROOT, "examples", "bun-test", "perf.test.ts"), join(project, "perf.test.ts"));
  const tests = await run([process.execPath, "test", "--timeout", "60000"], project);
  expect(tests.out).toContain(" 2 pass");
  expect(tests.out).toContain(" 0 fail");
  expect(tests.code).toBe(0);

  // Types: the consumer's own dev dependencies (TypeScript, Bun's types), linked from ours since there is no registry here.
  mkdirSync(join(project, "node_modules", "@types"), { recursive: true });
  symlinkSync(join(ROOT, "node_modules", "@types", "bun"), join(project, "node_modules", "@types", "bun"));
  symlinkSync(join(ROOT, "node_modules", "bun-types"), join(project, "node_modules", "bun-types"));
  cpSync(join(ROOT, "examples", "bun-test", "types-check.ts"), join(project, "types-check.ts"));
  const compilerOptions = {
    target: "ESNext",
    module: "Preserve",
    moduleResolution: "bundler",
    lib: ["ESNext"],
    types: ["bun"],
    strict: true,
    allowImportingTsExtensions: true,
    noEmit: true,
    skipLibCheck: true,
  };
  writeFileSync(join(project, "tsconfig.json"), JSON.stringify({ compilerOptions, include: ["*.ts"] }));
  const types = await run([join(ROOT, "node_modules", ".bin", "tsc"), "--noEmit", "-p", project], project);
  expect(types.out).toBe("");
  expect(types.code).toBe(0);
}, 300_000);
