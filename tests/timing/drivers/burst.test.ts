/** The concurrency-burst driver: a closed loop that keeps the ceiling full and no more. */
import { describe, expect, test } from "bun:test";
import { BASE_PLAN, simulate, started } from "../harness.ts";

const MS = 1_000_000;

describe("concurrency burst", () => {
  test("sends the ceiling at once, then one credit per return: in flight never exceeds it", async () => {
    const r = await simulate({ ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 3, requestCount: 9 }, { serviceNs: () => 10 * MS });
    const start = r.result.phases[0]?.startNs ?? 0;
    expect(r.maxInFlight).toBe(3);
    expect(started(r.sent).map((s) => (s.startedNs - start) / MS)).toEqual([0, 0, 0, 10, 10, 10, 20, 20, 20]);
    // A closed loop has no schedule: each credit is intended for when it went (a queued one: when its worker started it).
    expect(started(r.sent).every((s) => s.credit.intendedNs === s.startedNs)).toBe(true);
    expect(r.result.phases[0]).toMatchObject({ sent: 9, completed: 9 });
  });

  test("in duration mode it stops issuing at the deadline and the phase drains", async () => {
    const r = await simulate({ ...BASE_PLAN, rateMode: "concurrency_burst", concurrency: 2, durationSec: 0.05, graceSec: 1 }, { serviceNs: () => 20 * MS });
    const start = r.result.phases[0]?.startNs ?? 0;
    expect(started(r.sent).map((s) => (s.startedNs - start) / MS)).toEqual([0, 0, 20, 20, 40, 40]);
    expect(r.result.phases[0]).toMatchObject({ sent: 6, completed: 6, timeoutTriggered: false });
  });
});
