import { describe, expect, test } from "bun:test";
import { BenchError } from "../../src/core/errors.ts";
import { expandHostlist } from "../../src/slurm/hostlist.ts";

describe("Slurm node list expansion", () => {
  test("plain names, ranges, zero padding and lists inside brackets", () => {
    expect(expandHostlist("login1")).toEqual(["login1"]);
    expect(expandHostlist("node[01-04]")).toEqual(["node01", "node02", "node03", "node04"]);
    expect(expandHostlist("gpu[8-11,3],cpu7")).toEqual(["gpu8", "gpu9", "gpu10", "gpu11", "gpu3", "cpu7"]);
    expect(expandHostlist("n[098-101]")).toEqual(["n098", "n099", "n100", "n101"]);
  });

  test("several bracket groups in one name give every combination, in Slurm's order", () => {
    expect(expandHostlist("rack[1-2]-n[1-2]")).toEqual(["rack1-n1", "rack1-n2", "rack2-n1", "rack2-n2"]);
    expect(expandHostlist("a[1-2].ib")).toEqual(["a1.ib", "a2.ib"]);
  });

  test.each([
    ["", "an empty name"],
    ["a,,b", "an empty name"],
    ["node[1-3", '"[" without "]"'],
    ["node1-3]", '"]" without "["'],
    ["node[a-c]", "is not a number"],
    ["node[5-2]", "runs backwards"],
    ["node[[1-2]]", "nested brackets"],
    ["node[1-99999999]", "more than 100000 hosts"],
    ["a[1-1000]b[1-1000]", "more than 100000 hosts"],
  ])("refuses %p naming why", (list, why) => {
    let error: unknown;
    try {
      expandHostlist(list);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BenchError);
    expect((error as BenchError).exitCode).toBe(2);
    expect((error as BenchError).message).toContain(`Invalid Slurm node list "${list}"`);
    expect((error as BenchError).message).toContain(why);
  });
});
