import { describe, expect, test } from "bun:test";
import { sleepUntil } from "../../src/mock-server/clock.ts";
import { faultPlanner } from "../../src/mock-server/faults.ts";
import { chatEvents, completionEvents, finishTime, type GenerationPlan, tokenTime } from "../../src/mock-server/generation.ts";
import { chatChunk, completionChunk, usage } from "../../src/mock-server/responses.ts";
import { tokenText } from "../../src/mock-server/tokens.ts";
import { resolveMockServerOptions } from "../../src/mock-server/options.ts";
import { counter, histogram } from "../../src/mock-server/prometheus.ts";
import { createRng } from "../../src/core/rng.ts";
import { approxTokens } from "../../src/mock-server/tokens.ts";

describe("chunk JSON", () => {
  test("token chunks are byte for byte what JSON.stringify of the chunk object writes, whatever the model name", () => {
    for (const model of ["mock-model", 'we"ird\\name ü 🙂', "nul\u0000inside"]) {
      const reply = { id: "chatcmpl-mock-7", model, created: 1_700_000_000 };
      const plan = { reply, tokens: 40, usage: usage(3, 40), includeUsage: true, ttft: 1, itl: 1, stall: undefined } as GenerationPlan;
      const chat = [...chatEvents(plan)].filter((e) => e.tokens === 1).map((e) => e.data);
      expect(chat).toEqual(Array.from({ length: 40 }, (_, i) => JSON.stringify(chatChunk(reply, { content: tokenText(i) }))));
      const completion = [...completionEvents(plan)].filter((e) => e.tokens === 1).map((e) => e.data);
      expect(completion).toEqual(Array.from({ length: 40 }, (_, i) => JSON.stringify(completionChunk(reply, tokenText(i)))));
    }
  });
});

describe("scheduling", () => {
  test("token times are absolute: ttft + i * itl, plus the stall from its token on", () => {
    const plan = { tokens: 5, ttft: 20, itl: 5, stall: { before: 3, ms: 100 } } as GenerationPlan;
    expect([0, 1, 2, 3, 4].map((i) => tokenTime(plan, i))).toEqual([20, 25, 30, 135, 140]);
    expect(finishTime(plan)).toBe(140);
  });

  test("sleepUntil is never early, and an abort ends it at once", async () => {
    for (const wait of [0.3, 1, 2.5, 7]) {
      const target = performance.now() + wait;
      await sleepUntil(target);
      expect(performance.now()).toBeGreaterThanOrEqual(target);
    }
    const controller = new AbortController();
    const t0 = performance.now();
    setTimeout(() => controller.abort(), 20);
    await sleepUntil(t0 + 10_000, controller.signal);
    expect(performance.now() - t0).toBeLessThan(5_000);
  });
});

describe("fault planner", () => {
  test("resets fall in the first half of the reply, stalls after the first token", () => {
    const plan = faultPlanner({ errorRate: 0, resetRate: 100, stallRate: 100 }, createRng(3).next);
    for (let i = 0; i < 500; i++) {
      const tokens = 1 + (i % 40);
      const p = plan(tokens);
      expect(p.error).toBe(false);
      expect(p.resetAfter!).toBeGreaterThanOrEqual(1);
      expect(p.resetAfter!).toBeLessThanOrEqual(Math.max(1, Math.ceil(tokens / 2)));
      if (tokens > 1) expect(p.stallBefore!).toBeGreaterThanOrEqual(1);
      expect(p.stallBefore!).toBeLessThanOrEqual(Math.max(0, tokens - 1));
    }
  });

  test("each request consumes the same draws whatever the rates, so a seed replays", () => {
    const errors = (rates: { errorRate: number; resetRate: number; stallRate: number }): boolean[] => {
      const plan = faultPlanner(rates, createRng(9).next);
      return Array.from({ length: 50 }, () => plan(10).error);
    };
    const base = errors({ errorRate: 30, resetRate: 0, stallRate: 0 });
    expect(errors({ errorRate: 30, resetRate: 80, stallRate: 50 })).toEqual(base);
    expect(base.filter(Boolean).length).toBeGreaterThan(5);
    expect(base.filter(Boolean).length).toBeLessThan(30);
  });
});

describe("pieces", () => {
  test("prompt tokens are approximate: whitespace words of the text fields only", () => {
    expect(approxTokens([{ role: "user", name: "text", content: "a  b\nc" }])).toBe(3);
    expect(
      approxTokens([
        {
          role: "user",
          content: [
            { type: "text", text: "a b" },
            { type: "image_url", image_url: { url: "data:x" } },
          ],
        },
      ]),
    ).toBe(2);
    expect(approxTokens([[1, 2, 3], "x"])).toBe(4);
  });

  test("Prometheus label values are escaped; histograms are cumulative", () => {
    const c = counter("x_total", "help", true);
    c.inc({ path: 'a"b\\c\nd' });
    expect(c.render()).toBe('# HELP x_total help\n# TYPE x_total counter\nx_total{path="a\\"b\\\\c\\nd"} 1\n');
    const h = histogram("h_seconds", "h", [1, 0.5]);
    h.observe(0.2);
    h.observe(0.7);
    h.observe(3);
    expect(h.render()).toBe(
      '# HELP h_seconds h\n# TYPE h_seconds histogram\nh_seconds_bucket{le="0.5"} 1\nh_seconds_bucket{le="1"} 2\nh_seconds_bucket{le="+Inf"} 3\nh_seconds_sum 3.9\nh_seconds_count 3\n',
    );
  });

  test("bad options are refused with the option's name", () => {
    expect(() => resolveMockServerOptions({ errorRate: 120 })).toThrow(/errorRate/);
    expect(() => resolveMockServerOptions({ osl: 0 })).toThrow(/osl/);
    expect(resolveMockServerOptions({ port: 0 }).ttft).toBe(20);
  });
});
