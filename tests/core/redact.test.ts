import { describe, expect, test } from "bun:test";
import { isCredentialParam, redactArgs, redactHeaderArg, redactHeaderPairs, redactUrl, redactUrlsDeep, redactUrlsInText } from "../../src/core/redact.ts";

describe("credential redaction", () => {
  test("--api-key's value, spaced or with =", () => {
    expect(redactArgs(["-m", "x", "--api-key", "sk-1", "--streaming"])).toEqual(["-m", "x", "--api-key", "<redacted>", "--streaming"]);
    expect(redactArgs(["--api-key=sk-1"])).toEqual(["--api-key=<redacted>"]);
  });

  test("credential -H values, key:value or JSON; other headers untouched", () => {
    expect(redactArgs(["-H", "Authorization:Bearer t,X-Trace:1"])).toEqual(["-H", "Authorization:<redacted>,X-Trace:1"]);
    expect(redactArgs(["--header=x-api-key:k"])).toEqual(["--header=x-api-key:<redacted>"]);
    expect(redactHeaderArg('{"api-key":"k","X-A":"1"}')).toBe('{"api-key":"<redacted>","X-A":"1"}');
    expect(
      redactHeaderPairs([
        ["Cookie", "s=1"],
        ["Accept", "x"],
      ]),
    ).toEqual([
      ["Cookie", "<redacted>"],
      ["Accept", "x"],
    ]);
  });
});

describe("URL credential redaction", () => {
  test("userinfo (user and password) and credential query values; the rest of the URL kept", () => {
    expect(redactUrl("http://user:s3cret@127.0.0.1:8000/v1?api_key=s3cret&x=1#top")).toBe("http://<redacted>@127.0.0.1:8000/v1?api_key=<redacted>&x=1#top");
    expect(redactUrl("https://h/m?Access-Token=a;b=2&TOKEN=z&key=k&model=m")).toBe(
      "https://h/m?Access-Token=<redacted>;b=2&TOKEN=<redacted>&key=<redacted>&model=m",
    );
    // The last @ ends the userinfo, as URL parsers read it.
    expect(redactUrl("http://u:p@ss@h/x")).toBe("http://<redacted>@h/x");
    expect(redactUrl("http://localhost:8000")).toBe("http://localhost:8000");
  });

  test("a URL without a scheme, as --url takes it", () => {
    expect(redactUrl("user:s3cret@h:1/v1")).toBe("<redacted>@h:1/v1");
    expect(redactUrl("h:80/metrics?client_secret=q")).toBe("h:80/metrics?client_secret=<redacted>");
  });

  test("credential parameter names", () => {
    for (const name of ["api_key", "apiKey", "X-Amz-Signature", "access_token", "password", "sig", "client_secret", "key"])
      expect(isCredentialParam(name)).toBe(true);
    for (const name of ["model", "stream", "page", "monkey"]) expect(isCredentialParam(name)).toBe(false);
  });

  test("every URL in running text, a comma list and a URL inside a URL's query too", () => {
    expect(redactUrlsInText("from http://u:p@a,http://u:p@b: refused")).toBe("from http://<redacted>@a,http://<redacted>@b: refused");
    expect(redactUrlsInText("go https://x/?next=http://u:s3cret@c/ now")).toBe("go https://x/?next=http://<redacted>@c/ now");
    expect(redactUrlsInText('"ftp://a:b@c" and plain a:b@c text')).toBe('"ftp://<redacted>@c" and plain a:b@c text');
    // Redacting twice changes nothing.
    const once = redactUrlsInText("http://u:p@h/?token=t");
    expect(redactUrlsInText(once)).toBe(once);
  });

  test("the command line: URL flags (with or without scheme, comma lists, inline) and URLs in any other value", () => {
    expect(redactArgs(["-u", "u:s3cret@h:1,http://a:b@c", "--server-metrics=http://h/m?api_key=s3cret", "--tokenizer", "https://x:y@hf/t"])).toEqual([
      "-u",
      "<redacted>@h:1,http://<redacted>@c",
      "--server-metrics=http://h/m?api_key=<redacted>",
      "--tokenizer",
      "https://<redacted>@hf/t",
    ]);
  });

  test("every string of an exported config, at any depth", () => {
    expect(redactUrlsDeep({ a: ["http://u:p@h"], b: { c: "x http://h/?token=t" }, n: 1, z: null })).toEqual({
      a: ["http://<redacted>@h"],
      b: { c: "x http://h/?token=<redacted>" },
      n: 1,
      z: null,
    });
  });
});
