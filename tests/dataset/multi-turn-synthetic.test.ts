import { expect, test } from "bun:test";
import { parseProfileConfig, readProfileArgs } from "../../src/config/profile-flags.ts";
import { createTurnSampler } from "../../src/services/dataset/synthesize.ts";

const parse = (args: string[]) => parseProfileConfig(readProfileArgs(["-m", "x", ...args]).input);

test("turn flags: upstream names, aliases and defaults 1/0/0/0/1", () => {
  const d = parse([]);
  expect([d.conversationTurnMean, d.conversationTurnStddev, d.conversationTurnDelayMean, d.conversationTurnDelayStddev, d.conversationTurnDelayRatio]).toEqual([
    1, 0, 0, 0, 1,
  ]);
  const long = parse([
    "--conversation-turn-mean",
    "3",
    "--conversation-turn-stddev",
    "1",
    "--conversation-turn-delay-mean",
    "250",
    "--conversation-turn-delay-stddev",
    "10",
    "--conversation-turn-delay-ratio",
    "0.5",
  ]);
  const alias = parse([
    "--session-turns-mean",
    "3",
    "--session-turns-stddev",
    "1",
    "--session-turn-delay-mean",
    "250",
    "--session-turn-delay-stddev",
    "10",
    "--session-delay-ratio",
    "0.5",
  ]);
  expect(alias).toEqual(long);
  expect([long.conversationTurnMean, long.conversationTurnDelayRatio]).toEqual([3, 0.5]);
  expect(() => parse(["--conversation-turn-mean", "0"])).toThrow("--conversation-turn-mean");
});

test("turns are ceil(normal ≥ 0) and at least 1; delays are ceil(normal ≥ 0) × ratio", () => {
  const fixed = createTurnSampler(1, { turnMean: 4, turnStddev: 0, turnDelayMean: 100, turnDelayStddev: 0, turnDelayRatio: 0.5 });
  expect([fixed.turns(), fixed.turns()]).toEqual([4, 4]);
  expect(fixed.turnDelayMs()).toBe(50);
  const spread = createTurnSampler(7, { turnMean: 2, turnStddev: 3, turnDelayMean: 10, turnDelayStddev: 5, turnDelayRatio: 1 });
  const turns = Array.from({ length: 2000 }, () => spread.turns());
  const delays = Array.from({ length: 2000 }, () => spread.turnDelayMs());
  expect(Math.min(...turns)).toBe(1);
  expect(turns.every(Number.isInteger)).toBe(true);
  expect(new Set(turns).size).toBeGreaterThan(4);
  expect(delays.every((x) => Number.isInteger(x) && x >= 0)).toBe(true);
  // Same seed, same conversation shapes.
  const again = createTurnSampler(7, { turnMean: 2, turnStddev: 3, turnDelayMean: 10, turnDelayStddev: 5, turnDelayRatio: 1 });
  expect(Array.from({ length: 2000 }, () => again.turns())).toEqual(turns);
});
