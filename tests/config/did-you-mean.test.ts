import { expect, test } from "bun:test";
import { didYouMean, editDistance } from "../../src/config/did-you-mean.ts";
import { readProfileArgs } from "../../src/config/profile-flags.ts";

test("edit distance counts insertions, deletions, substitutions and adjacent swaps as one", () => {
  expect(editDistance("concurrency", "concurrency")).toBe(0);
  expect(editDistance("concurency", "concurrency")).toBe(1);
  expect(editDistance("stremaing", "streaming")).toBe(1);
  expect(editDistance("isl", "osl")).toBe(1);
  expect(editDistance("", "abc")).toBe(3);
});

test("the closest flag when it is close enough, else a flag it starts, else nothing", () => {
  const flags = ["--concurrency", "--streaming", "--request-count", "--request-rate", "--url", "--model"];
  expect(didYouMean("--concurency", flags)).toBe("--concurrency");
  expect(didYouMean("--Streaming", flags)).toBe("--streaming");
  expect(didYouMean("--request-cont", flags)).toBe("--request-count");
  expect(didYouMean("--request", flags)).toBe("--request-count");
  expect(didYouMean("--banana-split", flags)).toBeUndefined();
  expect(didYouMean("--", flags)).toBeUndefined();
});

test("an unknown profile flag names the nearest real one", () => {
  expect(() => readProfileArgs(["--endpoint-typ", "chat"])).toThrow('Unknown option "--endpoint-typ"; did you mean --endpoint-type?');
  expect(() => readProfileArgs(["--tokeniser", "x"])).toThrow("did you mean --tokenizer?");
  expect(() => readProfileArgs(["--zzzzzzzzzz"])).toThrow(/^Unknown option "--zzzzzzzzzz"$/);
});
