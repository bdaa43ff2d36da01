import { describe, expect, test } from "bun:test";
import { redactArgs, redactHeaderArg, redactHeaderPairs } from "../../src/core/redact.ts";

describe("credential redaction", () => {
  test("--api-key's value, spaced or with =", () => {
    expect(redactArgs(["-m", "x", "--api-key", "sk-1", "--streaming"])).toEqual(["-m", "x", "--api-key", "<redacted>", "--streaming"]);
    expect(redactArgs(["--api-key=sk-1"])).toEqual(["--api-key=<redacted>"]);
  });

  test("credential -H values, key:value or JSON; other headers untouched", () => {
    expect(redactArgs(["-H", "Authorization:Bearer t,X-Trace:1"])).toEqual(["-H", "Authorization:<redacted>,X-Trace:1"]);
    expect(redactArgs(["--header=x-api-key:k"])).toEqual(["--header=x-api-key:<redacted>"]);
    expect(redactHeaderArg('{"api-key":"k","X-A":"1"}')).toBe('{"api-key":"<redacted>","X-A":"1"}');
    expect(redactHeaderPairs([["Cookie", "s=1"], ["Accept", "x"]])).toEqual([["Cookie", "<redacted>"], ["Accept", "x"]]);
  });
});
