import { describe, expect, test } from "bun:test";
import { BASE_PLAN, simulate } from "./harness.ts";

describe("sequential conversation serving (traces)", () => {
  test("credits take conversations in dataset order and wrap around", async () => {
    const r = await simulate({ ...BASE_PLAN, conversations: 3, sequential: true, rateMode: "concurrency_burst", concurrency: 1, requestCount: 7 });
    expect(r.sent.map((s) => s.credit.conversation)).toEqual([0, 1, 2, 0, 1, 2, 0]);
  });
});
