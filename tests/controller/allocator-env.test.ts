/**
 * The service processes that work for every request start with mimalloc keeping freed pages
 * (src/runtime/allocator-env.ts); a value the user set is passed on instead.
 */
import { afterEach, expect, test } from "bun:test";
import { parseProfileConfig, readProfileArgs } from "../../src/config/profile-flags.ts";
import { resolveProfile } from "../../src/config/resolve.ts";
import { profileServices } from "../../src/controller/profile.ts";

const before = process.env.MIMALLOC_PURGE_DELAY;
afterEach(() => {
  if (before === undefined) delete process.env.MIMALLOC_PURGE_DELAY;
  else process.env.MIMALLOC_PURGE_DELAY = before;
});

function envByRole(): Record<string, string | undefined> {
  const { input } = readProfileArgs(["-m", "m", "-u", "http://127.0.0.1:9", "--workers-max", "2", "--concurrency", "16", "--record-processors", "1"]);
  const services = profileServices(
    resolveProfile(parseProfileConfig(input), "aiperf profile", false, () => {}),
    false,
  );
  return Object.fromEntries(services.map((s) => [`${s.role}:${s.id}`, s.env?.MIMALLOC_PURGE_DELAY]));
}

test("workers, record processors and records keep freed pages; the other services, threads of the controller, are left alone", () => {
  delete process.env.MIMALLOC_PURGE_DELAY;
  const env = envByRole();
  expect(env).toMatchObject({ "worker:0": "-1", "worker:1": "-1", "record-processor:0": "-1", "records:0": "-1" });
  expect(env["dataset:0"]).toBeUndefined();
  expect(env["timing:0"]).toBeUndefined();
});

test("a delay the user set is kept", () => {
  process.env.MIMALLOC_PURGE_DELAY = "250";
  expect(envByRole()).toMatchObject({ "worker:0": "250", "record-processor:0": "250", "records:0": "250" });
});
