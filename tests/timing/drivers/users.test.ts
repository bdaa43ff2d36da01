/** User-centric rate: per-user turn gap users/rate, virtual history, replacement users, blocking on the reply, no catch-up burst. */
import { describe, expect, test } from "bun:test";
import type { SessionData } from "../../../src/services/timing/sessions.ts";
import { virtualUsers } from "../../../src/services/timing/drivers/users.ts";
import { type Sent, simulate } from "../harness.ts";

const MS = 1_000_000;
const turns = (n: number): SessionData => ({ turnCount: () => n, delayMs: () => 250 });
const PLAN = { workers: ["w0", "w1"], rateMode: "concurrency_burst" as const, conversations: 50, randomSeed: 3 };

function bySession(sent: Sent[]): Sent[][] {
  const out = new Map<string, Sent[]>();
  for (const s of sent) out.set(s.credit.correlationId, [...(out.get(s.credit.correlationId) ?? []), s]);
  return [...out.values()];
}

describe("user-centric rate", () => {
  test("users start 1/rate apart, each user's turns are users/rate apart, and the total rate is steady from t=0", async () => {
    const r = await simulate({ ...PLAN, userCentric: { rate: 8, users: 4 }, requestCount: 40 }, { sessions: turns(5), serviceNs: () => 10 * MS });
    const start = r.result.phases[0]?.startNs ?? 0;
    expect(r.result.phases[0]).toMatchObject({ sent: 40, completed: 40 });
    // 8 turns per second overall: one every 125 ms, from the first.
    expect(r.sent.map((s) => (s.atNs - start) / MS)).toEqual(Array.from({ length: 40 }, (_, k) => k * 125));
    expect(r.sent.every((s) => s.credit.intendedNs === s.atNs)).toBe(true);
    // Within a session, turns are in order, 4/8 s apart (the turn gap; the dataset's 250 ms delays are not used).
    const sessions = bySession(r.sent);
    expect(sessions.length).toBeGreaterThanOrEqual(8);
    for (const session of sessions) {
      expect(session.map((s) => s.credit.turn)).toEqual(Array.from({ length: session.length }, (_, k) => k));
      expect(session.slice(1).every((s, k) => s.atNs - (session[k] as Sent).atNs === 500 * MS)).toBe(true);
    }
    // Four users: never more than four credits out at once.
    expect(r.maxInFlight).toBeLessThanOrEqual(4);
  });

  test("a late reply sends the next turn at once and restarts the user's baseline: no burst", async () => {
    // One user, gap 500 ms; the first reply takes 800 ms, the rest 10 ms.
    const r = await simulate(
      { ...PLAN, userCentric: { rate: 2, users: 1 }, requestCount: 6 },
      { sessions: turns(3), serviceNs: (c) => (c.num === 0 ? 800 * MS : 10 * MS) },
    );
    const start = r.result.phases[0]?.startNs ?? 0;
    expect(r.sent.map((s) => (s.atNs - start) / MS)).toEqual([0, 800, 1300, 1500, 2000, 2500]);
    // The user blocks on its reply: the second turn did not go at 500 ms.
    expect(r.sent.every((s) => s.inFlightAfter === 1)).toBe(true);
    // Its replacement comes at start + 3 turns · 500 ms on an absolute schedule, not after the late session.
    expect(r.sent.map((s) => s.credit.turn)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(new Set(r.sent.map((s) => s.credit.correlationId)).size).toBe(2);
  });

  test("in duration mode the users stop at the deadline", async () => {
    const r = await simulate({ ...PLAN, userCentric: { rate: 10, users: 2 }, durationSec: 1, graceSec: 1 }, { sessions: turns(4), serviceNs: () => 5 * MS });
    const start = r.result.phases[0]?.startNs ?? 0;
    expect(r.sent).toHaveLength(11);
    expect(r.sent.every((s) => s.atNs - start <= 1000 * MS)).toBe(true);
  });

  test("virtual history: upstream's 15 users × 20 turns start at staggered ages, a fresh user first", () => {
    const users = virtualUsers(15, 20).sort((a, b) => a.order - b.order);
    expect(users.map((u) => u.order)).toEqual(Array.from({ length: 15 }, (_, k) => k));
    // Turns left by firing order (upstream's tutorial table); order 0 is the fresh user's whole session.
    expect(users.map((u) => u.maxTurns)).toEqual([Number.POSITIVE_INFINITY, 6, 11, 16, 2, 7, 12, 17, 3, 8, 13, 18, 4, 9, 14]);
    // Users and lifetime sharing a factor (4 users, 5 turns → lifetime 4) still get distinct slots.
    const shared = virtualUsers(4, 5);
    expect(shared.map((u) => u.order).sort()).toEqual([0, 1, 2, 3]);
    expect(shared.map((u) => u.maxTurns)).toEqual([Number.POSITIVE_INFINITY, 1, 2, 3]);
  });

  test("virtual-history users send only their turns left, and each is replaced at start + turns · gap by a whole session", async () => {
    // 3 users, 4 turns (lifetime 3), rate 6: stagger 1/6 s, gap 500 ms.
    const r = await simulate({ ...PLAN, userCentric: { rate: 6, users: 3 }, durationSec: 2, graceSec: 1 }, { sessions: turns(4), serviceNs: () => 10 * MS });
    const start = r.result.phases[0]?.startNs ?? 0;
    const at = (s: Sent): number => Math.round((s.atNs - start) / MS);
    const sessions = bySession(r.sent).map((ss) => ({ first: at(ss[0] as Sent), turns: ss.map((s) => s.credit.turn), times: ss.map(at) }));
    const firstAt = (ms: number) => sessions.find((x) => x.first === ms);
    // At t=0 a fresh user (all 4 turns); then users 2 (2 turns left) and 1 (1 turn left) by their orders.
    const v = virtualUsers(3, 4);
    expect(v).toEqual([
      { order: 0, maxTurns: Number.POSITIVE_INFINITY },
      { order: 1, maxTurns: 1 },
      { order: 2, maxTurns: 2 },
    ]);
    expect(firstAt(0)).toMatchObject({ turns: [0, 1, 2, 3], times: [0, 500, 1000, 1500] });
    expect(firstAt(167)).toMatchObject({ turns: [0], times: [167] });
    expect(firstAt(333)).toMatchObject({ turns: [0, 1], times: [333, 833] });
    // Replacements: 167 + 1·500 and 333 + 2·500, each a whole session from turn 0.
    expect(firstAt(667)).toMatchObject({ turns: [0, 1, 2] });
    expect(firstAt(1333)).toMatchObject({ turns: [0, 1] });
    // The fresh user's replacement is due at 0 + 4·500 = 2000 ms (the deadline, still sent).
    expect(firstAt(2000)).toMatchObject({ turns: [0] });
    // Steady from t=0: one turn every 1/6 s, never two at once.
    const times = r.sent.map(at);
    expect(times.slice(1).every((t, k) => t - (times[k] as number) >= 166 && t - (times[k] as number) <= 167)).toBe(true);
  });

  test("with a count the phase ends as soon as the count is sent: no user sleeps on to its next slot", async () => {
    const r = await simulate({ ...PLAN, userCentric: { rate: 1, users: 2 }, requestCount: 3 }, { sessions: turns(6), serviceNs: () => 10 * MS });
    const p = r.result.phases[0];
    expect(p).toMatchObject({ sent: 3, completed: 3 });
    // The third turn goes at 2 s; nobody waits for the next one at 3 s.
    expect((p?.sendEndNs ?? 0) - (p?.startNs ?? 0)).toBe(2000 * MS);
    expect((p?.endNs ?? 0) - (p?.startNs ?? 0)).toBe(2010 * MS);
  });
});
