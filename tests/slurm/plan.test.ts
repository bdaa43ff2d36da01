import { describe, expect, test } from "bun:test";
import type { BenchError } from "../../src/core/errors.ts";
import { planNodeHosts, readAllocation, srunArgs } from "../../src/slurm/plan.ts";
import { takeFlag } from "../../src/slurm/profile.ts";

const alloc = (hosts: string[], here?: string) => ({ jobId: "42", hosts, here });

describe("the allocation from the environment", () => {
  test("job id, hosts each once, and this host when it is one of them", () => {
    expect(readAllocation({ SLURM_JOB_ID: "42", SLURM_JOB_NODELIST: "gpu[1-3]", SLURMD_NODENAME: "gpu1" })).toEqual({
      jobId: "42",
      hosts: ["gpu1", "gpu2", "gpu3"],
      here: "gpu1",
    });
    // salloc's shell runs on the login host: not an allocation host.
    expect(readAllocation({ SLURM_JOBID: "7", SLURM_NODELIST: "a[1-2],a1" })).toEqual({ jobId: "7", hosts: ["a1", "a2"], here: undefined });
    expect(readAllocation({ SLURM_JOB_ID: "7", SLURM_JOB_NODELIST: "a1", SLURMD_NODENAME: "login" }).here).toBeUndefined();
  });

  test("outside an allocation: exit 2, saying how to get one", () => {
    let error: unknown;
    try {
      readAllocation({ HOME: "/root" });
    } catch (e) {
      error = e;
    }
    expect((error as BenchError).exitCode).toBe(2);
    expect((error as BenchError).message).toContain("--slurm needs a Slurm allocation");
    expect((error as BenchError).hint).toContain("sbatch");
  });
});

describe("where the nodes go", () => {
  test("by default on every host but the controller's", () => {
    expect(planNodeHosts(alloc(["n1", "n2", "n3"], "n1"), undefined)).toEqual(["n2", "n3"]);
    expect(planNodeHosts(alloc(["n1", "n2", "n3"], "n2"), undefined)).toEqual(["n1", "n3"]);
  });

  test("on the only host beside the controller, and on all hosts when the controller is outside", () => {
    expect(planNodeHosts(alloc(["n1"], "n1"), undefined)).toEqual(["n1"]);
    expect(planNodeHosts(alloc(["n1", "n2"]), undefined)).toEqual(["n1", "n2"]);
  });

  test("--worker-nodes picks the first other hosts, then shares the controller's host", () => {
    expect(planNodeHosts(alloc(["n1", "n2", "n3"], "n1"), 1)).toEqual(["n2"]);
    expect(planNodeHosts(alloc(["n1", "n2", "n3"], "n1"), 3)).toEqual(["n2", "n3", "n1"]);
  });

  test("more nodes than hosts: exit 2 naming the hosts and the fix", () => {
    let error: unknown;
    try {
      planNodeHosts(alloc(["n1", "n2"], "n1"), 3);
    } catch (e) {
      error = e;
    }
    expect((error as BenchError).exitCode).toBe(2);
    expect((error as BenchError).message).toBe("--worker-nodes 3 needs 3 hosts, but Slurm job 42 has 2 (n1,n2); --slurm starts one node per host");
    expect((error as BenchError).hint).toContain("--nodes 4");
  });
});

describe("the srun line", () => {
  test("one task per host on exactly those hosts, all their CPUs, the node command; no token in it", () => {
    const argv = srunArgs({ hosts: ["n2", "n3"], controller: "tcp://10.0.0.1:5555", command: ["/opt/aiperf"], stepName: "aiperf-nodes-42-1" });
    expect(argv).toEqual([
      "srun",
      "--nodes=2",
      "--ntasks=2",
      "--ntasks-per-node=1",
      "--nodelist=n2,n3",
      "--overlap",
      "--whole",
      "--kill-on-bad-exit=1",
      "--input=none",
      "--export=ALL",
      "--label",
      "--job-name=aiperf-nodes-42-1",
      "/opt/aiperf",
      "service",
      "--type",
      "node",
      "--controller",
      "tcp://10.0.0.1:5555",
    ]);
    expect(argv.join(" ")).not.toContain("TOKEN");
  });
});

describe("flags the launcher takes over", () => {
  test("both spellings, the last one winning, the rest left in order", () => {
    const args = ["-m", "x", "--zmq-host", "10.0.0.1", "--streaming", "--zmq-host=10.0.0.2", "--zmq-port", "5555"];
    expect(takeFlag(args, "--zmq-host")).toBe("10.0.0.2");
    expect(takeFlag(args, "--zmq-port")).toBe("5555");
    expect(takeFlag(args, "--worker-nodes")).toBeUndefined();
    expect(args).toEqual(["-m", "x", "--streaming"]);
  });

  test("a flag without its value is exit 2", () => {
    expect(() => takeFlag(["--zmq-port"], "--zmq-port")).toThrow("--zmq-port needs a value");
  });
});
