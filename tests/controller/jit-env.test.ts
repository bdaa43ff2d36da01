/**
 * The services of the records path (record processors, records) start with large
 * functions kept out of JavaScriptCore's top tier (src/runtime/jit-env.ts) and at a lower CPU
 * priority (src/runtime/background-nice.ts); a value the user set is passed on instead, and the
 * other services are left alone.
 */
import { afterEach, expect, test } from "bun:test";
import { parseProfileConfig, readProfileArgs } from "../../src/config/profile-flags.ts";
import { resolveProfile } from "../../src/config/resolve.ts";
import { profileServices } from "../../src/controller/profile.ts";

const KEY = "BUN_JSC_maximumFTLCandidateBytecodeCost";
const NICE = "AIPERF_BACKGROUND_NICE";
const before = { [KEY]: process.env[KEY], [NICE]: process.env[NICE] };
afterEach(() => {
  for (const [k, v] of Object.entries(before)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

function envByRole(key = KEY): Record<string, string | undefined> {
  const { input } = readProfileArgs(["-m", "m", "-u", "http://127.0.0.1:9", "--workers-max", "2", "--concurrency", "16", "--record-processors", "1"]);
  const services = profileServices(
    resolveProfile(parseProfileConfig(input), "aiperf profile", false, () => {}),
    false,
  );
  return Object.fromEntries(services.map((s) => [`${s.role}:${s.id}`, s.env?.[key]]));
}

test("record processors and records get the bound; workers, and timing and the dataset (threads of the controller), do not", () => {
  delete process.env[KEY];
  const env = envByRole();
  expect(env).toMatchObject({ "record-processor:0": "100", "records:0": "100" });
  expect(env["worker:0"]).toBeUndefined();
  expect(env["timing:0"]).toBeUndefined();
  expect(env["dataset:0"]).toBeUndefined();
});

test("a value the user set is kept", () => {
  process.env[KEY] = "5000";
  expect(envByRole()).toMatchObject({ "record-processor:0": "5000", "records:0": "5000" });
});

test("records and record processors are asked for nice 10 (or the user's value); workers and the controller's threads are not", () => {
  delete process.env[NICE];
  const env = envByRole(NICE);
  expect(env).toMatchObject({ "record-processor:0": "10", "records:0": "10" });
  expect(env["worker:0"]).toBeUndefined();
  expect(env["timing:0"]).toBeUndefined();
  expect(env["dataset:0"]).toBeUndefined();
  process.env[NICE] = "0";
  expect(envByRole(NICE)).toMatchObject({ "record-processor:0": "0", "records:0": "0" });
});

test("by default no record-processor service is started (records parses the replies)", () => {
  const { input } = readProfileArgs(["-m", "m", "-u", "http://127.0.0.1:9", "--workers-max", "2", "--concurrency", "16"]);
  const roles = profileServices(
    resolveProfile(parseProfileConfig(input), "aiperf profile", false, () => {}),
    false,
  ).map((s) => s.role);
  expect(roles).not.toContain("record-processor");
  expect(roles.filter((r) => r === "records")).toHaveLength(1);
  expect(roles.filter((r) => r === "worker")).toHaveLength(2);
});
