/** --seq-dist: the three grammars upstream accepts, their errors, and the seeded pair sampler. */
import { describe, expect, test } from "bun:test";
import { createSequenceSampler, parseSequenceDistribution } from "../../src/dataset/synthetic/index.ts";

const EXPECTED = [
  { isl: 256, islStddev: 0, osl: 128, oslStddev: 0, probability: 60 },
  { isl: 512, islStddev: 20, osl: 256, oslStddev: 10, probability: 40 },
];

describe("parseSequenceDistribution", () => {
  test("semicolon, bracket and JSON grammars give the same pairs", () => {
    expect(parseSequenceDistribution("256,128:60;512|20,256|10:40")).toEqual(EXPECTED);
    expect(parseSequenceDistribution(" 256 , 128 : 60 ; 512|20 , 256|10 : 40 ; ")).toEqual(EXPECTED);
    expect(parseSequenceDistribution("[(256,128):60,(512|20,256|10):40]")).toEqual(EXPECTED);
    expect(parseSequenceDistribution("[( 256 , 128 ) : 60 , (512|20,256|10):40]")).toEqual(EXPECTED);
    expect(parseSequenceDistribution('{"pairs":[{"isl":256,"osl":128,"prob":60},{"isl":512,"isl_stddev":20,"osl":256,"osl_stddev":10,"prob":40}]}')).toEqual(
      EXPECTED,
    );
  });

  test("probabilities ≤ 1 are fractions", () => {
    expect(parseSequenceDistribution("256,128:0.6;512|20,256|10:0.4")).toEqual(EXPECTED);
    expect(parseSequenceDistribution("100,10:1")).toEqual([{ isl: 100, islStddev: 0, osl: 10, oslStddev: 0, probability: 100 }]);
  });

  test("errors say what is wrong", () => {
    expect(() => parseSequenceDistribution("")).toThrow(/empty/);
    expect(() => parseSequenceDistribution("256,128:60;512,256:30")).toThrow(/sum to 100, got 90/);
    expect(() => parseSequenceDistribution("256,128:60;oops")).toThrow(/"oops" is not ISL\[\|SD\],OSL\[\|SD\]:PROB/);
    expect(() => parseSequenceDistribution("256:100")).toThrow(/is not ISL/);
    expect(() => parseSequenceDistribution("[(256,128):60,junk]")).toThrow(/"\(256,128\):60,junk" is not \(ISL\[\|SD\],OSL\[\|SD\]\):PROB/);
    expect(() => parseSequenceDistribution("0,128:100")).toThrow(/ISL must be a whole number > 0, got 0/);
    expect(() => parseSequenceDistribution('{"pairs":[{"isl":1,"prob":100}]}')).toThrow(/pair 0 needs a numeric "osl"/);
    expect(() => parseSequenceDistribution('{"pair":[]}')).toThrow(/"pairs" array/);
    expect(() => parseSequenceDistribution("{nope")).toThrow(/invalid JSON/);
    expect(() => parseSequenceDistribution("256,128:150")).toThrow(/probability must be in \[0, 100\]/);
  });
});

describe("createSequenceSampler", () => {
  test("pairs are drawn with their probabilities; exact pairs without stddev", () => {
    const sample = createSequenceSampler(parseSequenceDistribution("100,10:70;200,20:30"), 1);
    const draws = Array.from({ length: 5000 }, sample);
    const first = draws.filter((d) => d.isl === 100).length;
    expect(first / draws.length).toBeGreaterThan(0.67);
    expect(first / draws.length).toBeLessThan(0.73);
    for (const d of draws) expect(d.isl === 100 ? d.osl : 20).toBe(d.isl === 100 ? 10 : d.osl);
  });

  test("stddev: rounded normal draws, at least 1, around the mean; seeded", () => {
    const pairs = parseSequenceDistribution("5|10,50|5:100");
    const sample = createSequenceSampler(pairs, 2);
    const draws = Array.from({ length: 4000 }, sample);
    for (const d of draws) {
      expect(Number.isInteger(d.isl) && d.isl >= 1).toBe(true);
      expect(Number.isInteger(d.osl) && d.osl >= 1).toBe(true);
    }
    const mean = draws.reduce((n, d) => n + d.osl, 0) / draws.length;
    expect(Math.abs(mean - 50)).toBeLessThan(0.5);
    expect(draws.some((d) => d.isl === 1)).toBe(true); // clamped low tail
    const again = createSequenceSampler(pairs, 2);
    expect(Array.from({ length: 10 }, again)).toEqual(draws.slice(0, 10));
  });
});
