/**
 * The worker's request deadlines (services/worker/deadlines.ts): one timer for all of them, yet each
 * fires no earlier than its own timeout, in order, and a cleared one never fires.
 */
import { describe, expect, test } from "bun:test";
import { Deadlines } from "../../src/services/worker/deadlines.ts";

describe("request deadlines", () => {
  test("each expires no earlier than its timeout after it was set, in order; cleared ones never", async () => {
    const d = new Deadlines(40);
    const fired: { name: string; afterMs: number }[] = [];
    const set = (name: string) => {
      const t0 = performance.now();
      return d.add(() => fired.push({ name, afterMs: performance.now() - t0 }));
    };
    const a = set("a");
    await Bun.sleep(10);
    const b = set("b");
    const c = set("c");
    await Bun.sleep(10);
    set("d");
    d.clear(a);
    d.clear(c);
    await Bun.sleep(120);
    expect(fired.map((f) => f.name)).toEqual(["b", "d"]);
    for (const f of fired) expect(f.afterMs).toBeGreaterThanOrEqual(39);
    expect(d.size).toBe(0);
    // A deadline cleared after it fired is a no-op.
    d.clear(b);
    expect(d.size).toBe(0);
  });

  test("clearing the last one stops the timer; stop() drops every deadline", async () => {
    const d = new Deadlines(20);
    let fired = 0;
    const x = d.add(() => fired++);
    d.clear(x);
    d.add(() => fired++);
    d.add(() => fired++);
    d.stop();
    await Bun.sleep(60);
    expect([fired, d.size]).toEqual([0, 0]);
  });

  test("a timeout longer than a timer can wait (24.8 days) does not fire at once", async () => {
    const d = new Deadlines(30 * 24 * 3600 * 1000);
    let fired = 0;
    d.add(() => fired++);
    await Bun.sleep(30);
    expect(fired).toBe(0);
    d.stop();
  });
});
