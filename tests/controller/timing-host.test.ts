/** Where a profile run's timing service runs: in the only local worker's process, else a thread of the controller. */
import { expect, test } from "bun:test";
import { parseProfileConfig, readProfileArgs } from "../../src/config/profile-flags.ts";
import { resolveProfile } from "../../src/config/resolve.ts";
import { profileServices } from "../../src/controller/profile.ts";

function services(args: string[]) {
  const { input } = readProfileArgs(["-m", "m", "-u", "http://127.0.0.1:9", ...args]);
  return profileServices(
    resolveProfile(parseProfileConfig(input), "aiperf profile", false, () => {}),
    false,
  );
}

const names = (list: { role: string; id: string }[]) => list.map((s) => `${s.role}:${s.id}`);

test("one local worker hosts timing: the worker's process runs it, the controller starts no timing of its own", () => {
  const list = services(["--workers-max", "1", "--concurrency", "8"]);
  expect(names(list)).not.toContain("timing:0");
  const worker = list.find((s) => s.role === "worker");
  expect(names(worker?.with ?? [])).toEqual(["timing:0"]);
  // The worker keeps its own settings; timing takes them with the process.
  expect(worker?.env?.MIMALLOC_PURGE_DELAY).toBeDefined();
});

test("several workers: timing stays on its own (a thread of the controller), hosted by none", () => {
  const list = services(["--workers-max", "2", "--concurrency", "8"]);
  expect(names(list)).toContain("timing:0");
  expect(list.every((s) => s.with === undefined)).toBe(true);
});

test("worker nodes: timing stays with the controller, where the nodes' workers reach it", () => {
  const list = services(["--workers-max", "1", "--worker-nodes", "1", "--local-workers", "--zmq-host", "127.0.0.1"]);
  expect(names(list)).toContain("timing:0");
  expect(list.every((s) => s.with === undefined)).toBe(true);
});

test("a rate or user-centric pacing: timing stays a thread of the controller even with one worker", () => {
  for (const flags of [
    ["--request-rate", "10"],
    ["--user-centric-rate", "5", "--num-users", "2", "--session-turns-mean", "3"],
  ]) {
    const list = services(["--workers-max", "1", ...flags]);
    expect(names(list)).toContain("timing:0");
    expect(list.every((s) => s.with === undefined)).toBe(true);
  }
});
