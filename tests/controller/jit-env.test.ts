/**
 * The services of the records path (record processors, records) start with large
 * functions kept out of JavaScriptCore's top tier (src/runtime/jit-env.ts); a value the user set
 * is passed on instead, and the other services are left alone.
 */
import { afterEach, expect, test } from "bun:test";
import { parseProfileConfig, readProfileArgs } from "../../src/config/profile-flags.ts";
import { resolveProfile } from "../../src/config/resolve.ts";
import { profileServices } from "../../src/controller/profile.ts";

const KEY = "BUN_JSC_maximumFTLCandidateBytecodeCost";
const before = process.env[KEY];
afterEach(() => {
  if (before === undefined) delete process.env[KEY];
  else process.env[KEY] = before;
});

function envByRole(): Record<string, string | undefined> {
  const { input } = readProfileArgs(["-m", "m", "-u", "http://127.0.0.1:9", "--workers-max", "2", "--concurrency", "16", "--record-processors", "1"]);
  const services = profileServices(
    resolveProfile(parseProfileConfig(input), "aiperf profile", false, () => {}),
    false,
  );
  return Object.fromEntries(services.map((s) => [`${s.role}:${s.id}`, s.env?.[KEY]]));
}

test("record processors and records get the bound; workers, and timing and the dataset (threads of the controller), do not", () => {
  delete process.env[KEY];
  const env = envByRole();
  expect(env).toMatchObject({ "record-processor:0": "400", "records:0": "400" });
  expect(env["worker:0"]).toBeUndefined();
  expect(env["timing:0"]).toBeUndefined();
  expect(env["dataset:0"]).toBeUndefined();
});

test("a value the user set is kept", () => {
  process.env[KEY] = "5000";
  expect(envByRole()).toMatchObject({ "record-processor:0": "5000", "records:0": "5000" });
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
