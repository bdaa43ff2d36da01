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

  test("a blocked event loop shows up as lag", async () => {
    const m = new LoopLagMonitor();
    m.start();
    await Bun.sleep(5);
    const until = performance.now() + 60;
    while (performance.now() < until) {
      // Hold the loop past the next probe.
    }
    await Bun.sleep(30);
    m.stop();
    expect(m.report().maxNs).toBeGreaterThan(20 * MS);
  });
});
