/** An earlier run's files are moved aside before a new run writes into the same artifact directory. */
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { movedPath, setAsidePreviousRun } from "../../src/export/previous-run.ts";

let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function artifactDir(files: string[]): string {
  dir = mkdtempSync(join(tmpdir(), "aiperf-previous-"));
  for (const f of files) {
    mkdirSync(join(dir, f, ".."), { recursive: true });
    writeFileSync(join(dir, f), f);
  }
  return dir;
}

describe("setAsidePreviousRun", () => {
  test("our files go into previous-<time of the last write>/ together; foreign files stay", () => {
    const d = artifactDir([
      "profile_export.jsonl",
      "profile_export_aiperf.json",
      "profile_export_aiperf.csv",
      "server_metrics_export.json",
      "server_metrics_export.csv",
      "server_metrics_export.jsonl",
      "gpu_telemetry_export.jsonl",
      "inputs.json",
      "logs/aiperf.log",
      "notes.txt",
      "plot.png",
    ]);
    // The newest write names the folder (local time, no colons).
    const t = new Date(2026, 0, 2, 3, 4, 5);
    for (const f of readdirSync(d)) utimesSync(join(d, f), t, t);
    const moved = setAsidePreviousRun(d);
    expect(moved?.movedTo).toBe(join(d, "previous-2026-01-02T030405"));
    expect(moved?.names).toEqual([
      "gpu_telemetry_export.jsonl",
      "inputs.json",
      "logs",
      "profile_export.jsonl",
      "profile_export_aiperf.csv",
      "profile_export_aiperf.json",
      "server_metrics_export.csv",
      "server_metrics_export.json",
      "server_metrics_export.jsonl",
    ]);
    expect(readdirSync(d).sort()).toEqual(["notes.txt", "plot.png", "previous-2026-01-02T030405"]);
    expect(readFileSync(join(d, "previous-2026-01-02T030405", "logs", "aiperf.log"), "utf8")).toBe("logs/aiperf.log");
  });

  test("outputs.json and this run's prefixed export names (--profile-export-prefix) are ours too", () => {
    const d = artifactDir(["foo.json", "foo_raw.jsonl", "outputs.json", "bar.json"]);
    const moved = setAsidePreviousRun(d, ["foo.json", "foo.csv", "foo_raw.jsonl"]);
    expect(moved?.names).toEqual(["foo.json", "foo_raw.jsonl", "outputs.json"]);
    expect(readdirSync(d).filter((f) => !f.startsWith("previous-"))).toEqual(["bar.json"]);
  });

  test("a second set-aside from the same second gets its own folder", () => {
    const d = artifactDir(["profile_export.jsonl"]);
    const t = new Date(2026, 0, 2, 3, 4, 5);
    utimesSync(join(d, "profile_export.jsonl"), t, t);
    setAsidePreviousRun(d);
    writeFileSync(join(d, "profile_export.jsonl"), "again");
    utimesSync(join(d, "profile_export.jsonl"), t, t);
    expect(setAsidePreviousRun(d)?.movedTo).toBe(join(d, "previous-2026-01-02T030405-2"));
  });

  test("nothing to move: no folder is made; a missing directory is not an error", () => {
    const d = artifactDir(["notes.txt"]);
    expect(setAsidePreviousRun(d)).toBeNull();
    expect(readdirSync(d)).toEqual(["notes.txt"]);
    expect(setAsidePreviousRun(join(d, "absent"))).toBeNull();
    expect(existsSync(join(d, "absent"))).toBe(false);
  });

  test("movedPath: a path among the moved files, relative or absolute, is found in its new place", () => {
    const moved = { movedTo: "/a/out/previous-x", names: ["inputs.json", "logs"] };
    expect(movedPath(moved, "/a/out", "/a/out/inputs.json")).toBe("/a/out/previous-x/inputs.json");
    expect(movedPath(moved, "/a/out", "/a/out/logs/aiperf.log")).toBe("/a/out/previous-x/logs/aiperf.log");
    expect(movedPath(moved, "/a/out", join(relative(process.cwd(), "/a/out"), "inputs.json"))).toBe("/a/out/previous-x/inputs.json");
    for (const other of ["/a/out/notes.txt", "/a/inputs.json", "/a/out", "/a/out/inputs.json.bak"]) expect(movedPath(moved, "/a/out", other)).toBeUndefined();
  });
});
