/** The start-up line that says which services run as processes and which as threads of the controller. */
import { expect, test } from "bun:test";
import { runFacts } from "../../src/cli/run-facts.ts";
import { parseProfileConfig, readProfileArgs } from "../../src/config/profile-flags.ts";
import { resolveProfile } from "../../src/config/resolve.ts";
import { PROFILE_THREAD_ROLES } from "../../src/controller/launchers.ts";

function facts(args: string[]): string[] {
  const { input } = readProfileArgs(["-m", "m", "-u", "http://127.0.0.1:9", ...args]);
  return runFacts(resolveProfile(parseProfileConfig(input), "aiperf profile", false, () => {}));
}

test("the processes line names each thread the launcher starts as one", () => {
  const line = facts(["--workers-max", "2", "--concurrency", "16", "--record-processors", "1"])[1] as string;
  expect(line).toContain("Processes: 2 workers, 1 record processors, records (each a child process)");
  const threads = (line.split("; ")[1] as string).replace(" as threads of this one", "").split(", ");
  for (const role of threads) expect(PROFILE_THREAD_ROLES.has(role.split(" ")[0] as string)).toBe(true);
  expect(threads).toContain("timing");
  expect(threads).toContain("dataset");
});

test("GPU telemetry is named as conditional, and absent with --no-gpu-telemetry", () => {
  expect(facts([])[1]).toContain("gpu-telemetry (if a GPU source answers)");
  expect(facts(["--no-gpu-telemetry"])[1]).not.toContain("gpu-telemetry");
});

test("by default no record processor runs: the line says records parses the replies", () => {
  const line = facts(["--workers-max", "2", "--concurrency", "16"])[1] as string;
  expect(line).toContain("Processes: 2 workers, records (which parses the replies) (each a child process)");
  expect(line).not.toContain("record processor");
});

test("with one worker the line says timing runs in it, not as a thread", () => {
  const line = facts(["--workers-max", "1"])[1] as string;
  expect(line).toContain("Processes: 1 worker (timing runs in it), records (which parses the replies) (each a child process)");
  const threads = (line.split("; ")[1] as string).replace(" as threads of this one", "").split(", ");
  expect(threads).not.toContain("timing");
  expect(threads).toContain("dataset");
});
