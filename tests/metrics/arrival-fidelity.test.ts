/** Arrival fidelity of a run: achieved rate, KS against the requested gaps, jitter, replay lag. */
import { describe, expect, test } from "bun:test";
import { arrivalFidelity, arrivalFidelityLine, arrivalSpecOf, ArrivalCollector } from "../../src/metrics/arrival-fidelity.ts";

/** Send times (ns) whose gaps are exactly the quantiles (i + 0.5)/n of `inverse`, in a scrambled order. */
function startsFromQuantiles(n: number, inverse: (u: number) => number): number[] {
  const gaps = Array.from({ length: n }, (_, i) => inverse((i + 0.5) / n));
  // A fixed permutation, so the gaps are not in sorted order in time.
  const order = Array.from({ length: n }, (_, i) => (i * 37) % n);
  const starts = [1e12];
  for (const i of order) starts.push((starts.at(-1) as number) + (gaps[i] as number) * 1e9);
  return starts;
}

describe("arrivalSpecOf", () => {
  test("reads the resolved profile's rate mode, rate and gamma shape", () => {
    expect(arrivalSpecOf({ rateMode: "poisson", requestRate: 10 })).toEqual({ kind: "poisson", rate: 10 });
    expect(arrivalSpecOf({ rateMode: "constant", requestRate: 5 })).toEqual({ kind: "constant", rate: 5 });
    expect(arrivalSpecOf({ rateMode: "gamma", requestRate: 5, arrivalSmoothness: 4 })).toEqual({ kind: "gamma", rate: 5, shape: 4 });
    expect(arrivalSpecOf({ rateMode: "concurrency_burst" })).toEqual({ kind: "none" });
    expect(arrivalSpecOf({ rateMode: "fixed_schedule" })).toEqual({ kind: "fixed_schedule" });
    expect(arrivalSpecOf({ rateMode: "poisson", requestRate: 10, fixedSchedule: true })).toEqual({ kind: "fixed_schedule" });
  });
});

describe("arrivalFidelity", () => {
  test("Poisson gaps at the exponential's quantiles fit: D = 1/(2n), p = 1, rate achieved", () => {
    const rate = 100;
    const n = 400;
    const starts = startsFromQuantiles(n, (u) => -Math.log(1 - u) / rate);
    const f = arrivalFidelity({ kind: "poisson", rate }, starts, []);
    expect(f?.ks?.samples).toBe(n);
    expect(f?.ks?.statistic).toBeCloseTo(1 / (2 * n), 5);
    expect(f?.ks?.p_value).toBe(1);
    // The quantile gaps' mean is a little under 1/rate (the top tail is cut at (n − 0.5)/n).
    expect(f?.achieved_rate).toBeGreaterThan(rate * 0.98);
    expect(f?.achieved_rate).toBeLessThan(rate * 1.03);
  });

  test("evenly spaced sends are not Poisson: the KS test rejects them", () => {
    const starts = Array.from({ length: 500 }, (_, i) => i * 10e6);
    const f = arrivalFidelity({ kind: "poisson", rate: 100 }, starts, []);
    // Every gap is 10 ms = the mean: the CDF jumps from 0 to 1 − e^{−1} there, so D = 1 − e^{−1}.
    expect(f?.ks?.statistic).toBeCloseTo(1 - Math.exp(-1), 5);
    expect(f?.ks?.p_value).toBeLessThan(1e-10);
    expect(f?.achieved_rate).toBeCloseTo(100, 6);
  });

  test("gamma arrivals are tested against the gamma of their shape, not the exponential", () => {
    const rate = 20;
    // k = 2: gaps of 2 exponential stages of rate 2·rate; quantile-exact via the closed-form CDF inverse by bisection.
    const cdf = (x: number): number => 1 - Math.exp(-2 * rate * x) * (1 + 2 * rate * x);
    const inverse = (u: number): number => {
      let lo = 0;
      let hi = 10;
      for (let i = 0; i < 200; i++) {
        const mid = (lo + hi) / 2;
        if (cdf(mid) < u) lo = mid;
        else hi = mid;
      }
      return lo;
    };
    const starts = startsFromQuantiles(300, inverse);
    const asGamma = arrivalFidelity({ kind: "gamma", rate, shape: 2 }, starts, []);
    expect(asGamma?.gamma_shape).toBe(2);
    expect(asGamma?.ks?.p_value).toBeGreaterThan(0.99);
    const asPoisson = arrivalFidelity({ kind: "poisson", rate }, starts, []);
    expect(asPoisson?.ks?.p_value).toBeLessThan(0.01);
  });

  test("constant rate: interval jitter instead of KS", () => {
    // Intervals of 10 ms ± 0, 1, 2, 3 µs alternately.
    const starts = [0];
    const offsets = [0, 1_000, -2_000, 3_000];
    for (let i = 0; i < 100; i++) starts.push((starts.at(-1) as number) + 10e6 + (offsets[i % 4] as number));
    const f = arrivalFidelity({ kind: "constant", rate: 100 }, starts, []);
    expect(f?.ks).toBeUndefined();
    expect(f?.interval_jitter_us?.p50).toBeCloseTo(1.5, 1);
    expect(f?.interval_jitter_us?.max).toBeCloseTo(3, 1);
    expect(f?.requested_rate).toBe(100);
  });

  test("fixed schedule: replay lag percentiles of send − intended", () => {
    const collector = new ArrivalCollector();
    for (let i = 0; i < 101; i++) collector.add(1e9 + i * 1e6 + i * 1_000, 1e9 + i * 1e6);
    const f = collector.report({ kind: "fixed_schedule" });
    expect(f?.replay_lag_us).toEqual({ p50: 50, p90: 90, p99: 99 });
    expect(arrivalFidelityLine(f)?.replace(/\n\s*/g, " ")).toContain("after their trace timestamps: p50 50 µs, p90 90 µs, p99 99 µs");
  });

  test("later turns of sessions count for send lag but not for the arrival process", () => {
    const c = new ArrivalCollector();
    for (let i = 0; i < 10; i++) c.add(i * 10e6, i * 10e6 - 1_000, true);
    // Follow-up turns at odd times: they must not disturb the rate or the jitter.
    for (let i = 0; i < 10; i++) c.add(i * 10e6 + 3e6, i * 10e6 + 3e6 - 5_000, false);
    const f = c.report({ kind: "constant", rate: 100 });
    expect(f?.requests).toBe(10);
    expect(f?.achieved_rate).toBe(100);
    expect(f?.interval_jitter_us?.max).toBe(0);
    expect(c.sendLagsNs().length).toBe(20);
  });

  test("nothing to check: closed loop, or fewer than two requests", () => {
    expect(arrivalFidelity({ kind: "none" }, [1, 2, 3], [])).toBeNull();
    expect(arrivalFidelity({ kind: "poisson", rate: 1 }, [1], [])).toBeNull();
    expect(arrivalFidelityLine(null)).toBeNull();
  });

  test("the console text says in words what was sent and whether the spacing fits, wrapped to the width", () => {
    // Evenly spaced requests under a poisson ask: the rate is right, the spacing is not.
    const starts = Array.from({ length: 50 }, (_, i) => i * 10e6);
    const line = arrivalFidelityLine(arrivalFidelity({ kind: "poisson", rate: 100 }, starts, []), 80) as string;
    const flat = line.replace(/\n\s*/g, " ");
    expect(flat).toContain("sent 100 req/s of the 100 asked (100.0 %)");
    expect(flat).toContain("do not fit the asked poisson spacing (KS test: D 0.6321, p 0.0000, below 0.05)");
    expect(flat).toContain("With only 49 gaps the test sees little.");
    for (const l of line.split("\n")) expect(l.length).toBeLessThanOrEqual(80);
    // Poisson-like gaps: a fit, said with the p-value and what it means.
    let t = 0;
    let seed = 7;
    const poisson = Array.from({ length: 400 }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      t += (-Math.log(1 - seed / 2 ** 31) / 100) * 1e9;
      return t;
    });
    const fit = (arrivalFidelityLine(arrivalFidelity({ kind: "poisson", rate: 100 }, poisson, []), 200) as string).replace(/\n\s*/g, " ");
    expect(fit).toMatch(
      /fit the asked poisson spacing \(KS test: largest gap-distribution difference D 0\.\d{4}, p 0\.\d\d; p below 0\.05 would mean they do not\)/,
    );
  });

  test("only successful requests give send lags; a slot's ready time, when later, is where the lag starts", () => {
    const c = new ArrivalCollector();
    c.add(10e6, 1e6, true, 20e6, { readyNs: 9e6 }); // held for a slot until 9 ms, sent at 10 ms: 1 ms
    c.add(30e6, 29e6, true, 40e6, { ok: false }); // failed: no lag, still an arrival
    c.add(50e6, 48e6, false, 60e6); // not held: 2 ms
    expect([...c.sendLagsNs()]).toEqual([1e6, 2e6]);
    expect(c.succeeded).toBe(2);
    expect(c.report({ kind: "constant", rate: 50 })?.requests).toBe(2);
    // Replay lag is arrival fidelity: every request, from its schedule time, held or failed.
    // Lags 9, 1 and 2 ms: the held request's full 9 ms and the failed one's 1 ms are in.
    expect(c.report({ kind: "fixed_schedule" })?.replay_lag_us).toMatchObject({ p50: 2000, p99: 8860 });
  });
});
