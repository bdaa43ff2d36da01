/**
 * Where a profile run's timing service runs (in the only local worker's process, else a thread of
 * the controller), and how many credits a closed loop's workers may hold queued.
 */
import { describe, expect, test } from "bun:test";
import { parseProfileConfig, readProfileArgs } from "../../src/config/profile-flags.ts";
import { resolveProfile } from "../../src/config/resolve.ts";
import { profileServices } from "../../src/controller/profile.ts";
import { creditQueueDepth } from "../../src/controller/timing-host.ts";

function resolved(args: string[]) {
  const { input } = readProfileArgs(["-m", "m", "-u", "http://127.0.0.1:9", ...args]);
  return resolveProfile(parseProfileConfig(input), "aiperf profile", false, () => {});
}

function services(args: string[]) {
  return profileServices(resolved(args), false);
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

describe("queued credits per slot", () => {
  const none = () => {
    throw new Error("no warning expected");
  };
  test("a closed loop with timing a thread queues one per slot; with timing in the only worker none", () => {
    expect(creditQueueDepth(resolved(["--workers-max", "2", "--concurrency", "8"]), undefined, none)).toBe(1);
    expect(creditQueueDepth(resolved(["--workers-max", "1", "--worker-nodes", "1", "--local-workers", "--zmq-host", "127.0.0.1"]), undefined, none)).toBe(1);
    expect(creditQueueDepth(resolved(["--workers-max", "1", "--concurrency", "8"]), undefined, none)).toBe(0);
  });
  test("AIPERF_CREDIT_QUEUE_DEPTH overrides either default; a bad value is named and ignored", () => {
    const two = resolved(["--workers-max", "2", "--concurrency", "8"]);
    expect(creditQueueDepth(two, "0", none)).toBe(0);
    expect(creditQueueDepth(two, "0.5", none)).toBe(0.5);
    expect(creditQueueDepth(resolved(["--workers-max", "1", "--concurrency", "8"]), "1", none)).toBe(1);
    const warnings: string[] = [];
    expect(creditQueueDepth(two, "lots", (m) => warnings.push(m))).toBe(1);
    expect(warnings).toEqual(["Ignoring AIPERF_CREDIT_QUEUE_DEPTH=lots: it must be a number from 0 to 1 (queued credits per slot); using 1"]);
  });
});
