/** The worker's event-loop lag probe (input of the run-validity verdict). */
import { describe, expect, test } from "bun:test";
import { LoopLagMonitor } from "../../src/services/worker/loop-lag.ts";

const MS = 1_000_000;

describe("LoopLagMonitor", () => {
  test("p99 and max of the probes' lateness; reset forgets the warmup", () => {
    const m = new LoopLagMonitor();
    m.add(50 * MS);
    m.reset();
    expect(m.report()).toEqual({ samples: 0, p99Ns: 0, maxNs: 0 });
    for (let i = 1; i <= 200; i++) m.add(i * 1_000);
    // Nearest rank: the 198th of 200 sorted samples.
    expect(m.report()).toEqual({ samples: 200, p99Ns: 198_000, maxNs: 200_000 });
  });

  test("the CPU-wait share counts only the probes at or above the p99, and only those with a known split", () => {
    const m = new LoopLagMonitor();
    // 197 calm probes (their split would say 100 % waiting, but they are not late), then three late
    // ones, the p99 being the 198th of 200: 6 + 2, 1 + 3 and 0 + 1 ms run + waiting → 6 of 13 ms waiting.
    for (let i = 0; i < 197; i++) m.add(0.1 * MS, 0, 5 * MS);
    m.add(9 * MS, 6 * MS, 2 * MS);
    m.add(8 * MS, 1 * MS, 3 * MS);
    m.add(7 * MS, 0, 1 * MS);
    // Late 9 + 8 + 7 ms, of which 9 − 8, 8 − 4 and 7 − 1 ms neither ran nor waited: 11 of 24 asleep.
    expect(m.report()).toEqual({ samples: 200, p99Ns: 7 * MS, maxNs: 9 * MS, tailCpuWaitShare: 6 / 13, tailLateWakeShare: 11 / 24 });
    // Without the kernel's figures (not Linux) there is no share at all.
    const bare = new LoopLagMonitor();
    for (let i = 0; i < 10; i++) bare.add(i * MS);
    expect(bare.report().tailCpuWaitShare).toBeUndefined();
  });

  test("the late-wake share: of the tail's lateness, what was neither run nor CPU wait (a lower bound per probe)", () => {
    const m = new LoopLagMonitor();
    for (let i = 0; i < 197; i++) m.add(0.1 * MS, 0.05 * MS, 0);
    // Asleep 18 of 19 ms late (a CPU woken late); busy (6 run + 3 waiting of 8 late: nothing
    // left to sleep); and 4 late with 1 ms run: at least 3 overslept.
    m.add(19 * MS, 0.5 * MS, 0.5 * MS);
    m.add(8 * MS, 6 * MS, 3 * MS);
    m.add(4 * MS, 1 * MS, 0);
    const r = m.report();
    expect(r.p99Ns).toBe(4 * MS);
    expect(r.tailLateWakeShare).toBeCloseTo((18 + 0 + 3) / (19 + 8 + 4), 6);
    const bare = new LoopLagMonitor();
    for (let i = 0; i < 10; i++) bare.add(i * MS);
    expect(bare.report().tailLateWakeShare).toBeUndefined();
  });

  test("a blocked event loop shows up as lag, with the thread's run and wait times where the kernel gives them", async () => {
    const m = new LoopLagMonitor();
    m.start();
    await Bun.sleep(5);
    const until = performance.now() + 60;
    while (performance.now() < until) {
      // Hold the loop past the next probe.
    }
    await Bun.sleep(30);
    m.stop();
    const report = m.report();
    expect(report.maxNs).toBeGreaterThan(20 * MS);
    // On Linux the probe read the thread's run and wait times; the held loop was mostly running
    // (a share of 1 would mean it never ran), elsewhere there is no share at all.
    if (process.platform !== "linux") return expect(report.tailCpuWaitShare).toBeUndefined();
    expect(report.tailCpuWaitShare).toBeGreaterThanOrEqual(0);
    expect(report.tailCpuWaitShare).toBeLessThan(1);
    // The lag was the loop running, not a late wake-up.
    expect(report.tailLateWakeShare).toBeLessThan(0.5);
  });
});
