import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConsola } from "consola";
import { createRecordsState } from "../../src/services/records/state.ts";
import { makeRecord } from "../metrics/fixtures.ts";

function state(): { s: ReturnType<typeof createRecordsState>; warnings: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "aiperf-finalize-"));
  const warnings: string[] = [];
  const log = createConsola({ level: 5, reporters: [{ log: (o) => o.type === "warn" && warnings.push(o.args.map(String).join(" ")) }] });
  const s = createRecordsState({ artifactDir: dir, endpointType: "chat", streaming: true, goodput: null, duration: null, logFile: join(dir, "log") }, log);
  return { s, warnings };
}

const finalize = (expected: number, idleMs: number) => ({
  expected,
  phaseStartWallNs: null,
  phaseEndWallNs: null,
  wasCancelled: false,
  cliCommand: "aiperf profile",
  inputConfig: {},
  idleMs,
});

describe("finalize waits for records still arriving", () => {
  test("records that keep arriving, each within the wait, are all counted though the backlog outlasts it", async () => {
    const { s, warnings } = state();
    let added = 0;
    const feeder = setInterval(() => {
      if (added < 6) s.add(makeRecord(added++ * 10, [5, 10]));
    }, 150);
    try {
      const result = await s.finalize(finalize(6, 400));
      expect(result.validCount + result.errorCount).toBe(6);
      expect(result.lost).toBe(0);
      expect(warnings.filter((w) => w.includes("were lost"))).toEqual([]);
    } finally {
      clearInterval(feeder);
    }
  });

  test("no record for the whole wait: finalizes with what it has and says so", async () => {
    const { s, warnings } = state();
    s.add(makeRecord(0, [5, 10]));
    const result = await s.finalize(finalize(3, 200));
    expect(result.validCount + result.errorCount).toBe(1);
    expect(result.lost).toBe(2);
    expect(warnings.some((w) => w.includes("2 of 3 profiling records were lost: finalizing with the 1 that arrived"))).toBe(true);
  });
});
