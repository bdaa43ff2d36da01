import { expect, test } from "bun:test";
import { readProfileArgs, parseProfileConfig } from "../../src/config/profile-flags.ts";
import { resolveProfile } from "../../src/config/resolve.ts";
import { checkHeaders, checkTargetUrl, foldV1, joinEndpointUrl } from "../../src/config/target.ts";
import { BenchError } from "../../src/core/errors.ts";

function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BenchError);
    expect((error as BenchError).exitCode).toBe(2);
    return (error as Error).message;
  }
  throw new Error("expected an error");
}

test("good URLs: a scheme is added when missing and trailing slashes go", () => {
  expect(checkTargetUrl("--url", "localhost:8000")).toBe("http://localhost:8000");
  expect(checkTargetUrl("--url", "localhost:8000/")).toBe("http://localhost:8000");
  expect(checkTargetUrl("--url", "http://127.0.0.1")).toBe("http://127.0.0.1");
  expect(checkTargetUrl("--url", "https://api.example.com/v1/")).toBe("https://api.example.com/v1");
  expect(checkTargetUrl("--url", "[::1]:8000")).toBe("http://[::1]:8000");
  expect(checkTargetUrl("--url", "HTTP://host:1/path?x=1")).toBe("HTTP://host:1/path?x=1");
});

test("bad URLs name the value and the fix", () => {
  expect(problem(() => checkTargetUrl("--url", "127.0.0.1"))).toContain("no port given; write 127.0.0.1:8000");
  expect(problem(() => checkTargetUrl("--url", "[::1]"))).toContain("no port given");
  expect(problem(() => checkTargetUrl("--url", "http//localhost:8000"))).toContain("did you mean http://localhost:8000?");
  expect(problem(() => checkTargetUrl("--url", "http:/localhost:8000"))).toContain("did you mean http://localhost:8000?");
  expect(problem(() => checkTargetUrl("--url", "http://localhost:99999"))).toContain("port 99999 is out of range");
  expect(problem(() => checkTargetUrl("--url", "localhost:0"))).toContain("port 0 is out of range");
  expect(problem(() => checkTargetUrl("--url", "file:///etc/passwd"))).toContain("file:// is not supported");
  expect(problem(() => checkTargetUrl("--url", "ftp://host:21"))).toContain("ftp:// is not supported");
  expect(problem(() => checkTargetUrl("--url", "http://a b:80"))).toContain("not a valid URL");
  expect(problem(() => checkTargetUrl("--url", " "))).toContain("give the server's address");
  expect(problem(() => checkTargetUrl("--url", "host:80#frag"))).toContain("#fragment");
  expect(problem(() => checkTargetUrl("--url", "127.0.0.1"))).toStartWith('Invalid value "127.0.0.1" for --url');
});

test("a base ending in /v1 shares its /v1 with the endpoint path; other paths are kept", () => {
  expect(joinEndpointUrl("http://h:1/v1", "/v1/chat/completions")).toBe("http://h:1/v1/chat/completions");
  expect(joinEndpointUrl("http://h:1", "/v1/chat/completions")).toBe("http://h:1/v1/chat/completions");
  expect(joinEndpointUrl("http://h:1/api", "v1/models")).toBe("http://h:1/api/v1/models");
  expect(joinEndpointUrl("http://h:1/v1", "/generate")).toBe("http://h:1/v1/generate");
  expect(joinEndpointUrl("http://h:1/raw/path", "")).toBe("http://h:1/raw/path");
  expect(foldV1("http://h:1/v1", "/v1/chat/completions")).toBe("http://h:1");
  expect(foldV1("http://h:1/v1", "/generate")).toBe("http://h:1/v1");
  expect(foldV1("http://h:1/openai/v1", "/v1/embeddings")).toBe("http://h:1/openai");
});

test("resolveProfile applies the URL rules: -u host:port/v1 sends to /v1/chat/completions once", () => {
  const resolve = (...args: string[]) => resolveProfile(parseProfileConfig(readProfileArgs(["-m", "m", ...args]).input), "aiperf profile", false, () => {});
  expect(resolve("-u", "localhost:8000/v1").urls).toEqual(["http://localhost:8000"]);
  expect(resolve("-u", "localhost:8000/v1", "--endpoint-type", "huggingface_generate").urls).toEqual(["http://localhost:8000/v1"]);
  expect(resolve().urls).toEqual(["http://localhost:8000"]);
  expect(problem(() => resolve("-u", "localhost"))).toContain("no port given");
  expect(problem(() => resolve("-H", "Bad Name:1"))).toContain('"Bad Name" is not a valid header name');
});

test("header names must be tokens, values one line", () => {
  expect(() =>
    checkHeaders("--header", [
      ["X-Ok", "1"],
      ["authorization", "Bearer x y"],
    ]),
  ).not.toThrow();
  expect(problem(() => checkHeaders("--header", [["X Bad", "1"]]))).toContain("no spaces");
  expect(problem(() => checkHeaders("--header", [["X:Bad", "1"]]))).toContain("not a valid header name");
  expect(problem(() => checkHeaders("--header", [["X-Ok", "a\r\nInjected: 1"]]))).toContain("line break");
});

test("wait-for-model flags: upstream's names and defaults", () => {
  const parse = (...args: string[]) => parseProfileConfig(readProfileArgs(["-m", "m", ...args]).input);
  const d = parse();
  expect([d.waitForModelTimeout, d.waitForModelMode, d.waitForModelInterval, d.noPreflight]).toEqual([0, "inference", 5, false]);
  const set = parse("--wait-for-model-timeout", "300", "--wait-for-model-mode", "both", "--wait-for-model-interval", "0.5", "--no-preflight");
  expect([set.waitForModelTimeout, set.waitForModelMode, set.waitForModelInterval, set.noPreflight]).toEqual([300, "both", 0.5, true]);
  expect(problem(() => parse("--wait-for-model-mode", "health"))).toContain("expected one of models, inference, both");
  expect(problem(() => parse("--wait-for-model-interval", "0"))).toContain("must be greater than 0");
});
