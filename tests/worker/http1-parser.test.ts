import { describe, expect, test } from "bun:test";
import { HttpParseError, Http1ResponseParser, MAX_HEAD_BYTES } from "../../src/services/worker/http1-parser.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Feeds `reply` cut into the given pieces; returns the parser and the body text of each read. */
function parse(pieces: (string | Uint8Array)[]): { p: Http1ResponseParser; reads: string[] } {
  const p = new Http1ResponseParser();
  const reads: string[] = [];
  for (const piece of pieces) {
    let text = "";
    p.feed(typeof piece === "string" ? enc.encode(piece) : piece, (bytes, start, end) => (text += dec.decode(bytes.subarray(start, end))));
    reads.push(text);
  }
  return { p, reads };
}

/** Every way of cutting `s` in two. */
function splits(s: string): [string, string][] {
  return Array.from({ length: s.length + 1 }, (_, i) => [s.slice(0, i), s.slice(i)]);
}

const CHUNKED =
  "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n9\r\ndata: x\n\n\r\n7;ext=1\r\ndata: y\r\n0\r\nX-Trailer: t\r\n\r\n";
const LENGTH = "HTTP/1.1 201 Created\r\ncontent-length: 5\r\ncontent-type: application/json\r\n\r\nhello";

describe("HTTP/1.1 response parser", () => {
  test("status line, headers and a content-length body", () => {
    const { p, reads } = parse([LENGTH]);
    expect([p.status, p.statusText, p.contentType, p.keepAlive, p.done, p.extra]).toEqual([201, "Created", "application/json", true, true, 0]);
    expect(reads).toEqual(["hello"]);
  });

  test("a chunked body: sizes, extensions and trailers are framing, not body", () => {
    const { p, reads } = parse([CHUNKED]);
    expect([p.status, p.contentType, p.done]).toEqual([200, "text/event-stream", true]);
    expect(reads.join("")).toBe("data: x\n\ndata: y");
  });

  test("the same bytes cut at every point give the same reply", () => {
    for (const reply of [CHUNKED, LENGTH]) {
      const whole = parse([reply]);
      for (const [a, b] of splits(reply)) {
        const { p, reads } = parse([a, b]);
        expect([p.status, p.done, reads.join("")]).toEqual([whole.p.status, true, whole.reads.join("")]);
      }
    }
  });

  test("one byte per read", () => {
    const { p, reads } = parse([...CHUNKED].map((ch) => ch));
    expect(p.done).toBe(true);
    expect(reads.join("")).toBe("data: x\n\ndata: y");
    // Body bytes come with the read that carried them: nothing is held back to the end.
    expect(reads.filter((r) => r !== "").length).toBe("data: x\n\ndata: y".length);
  });

  test("not done until the last byte of the body", () => {
    const { p } = parse([LENGTH.slice(0, -1)]);
    expect([p.headDone, p.done]).toEqual([true, false]);
  });

  test("1xx replies before the real one are skipped", () => {
    const { p, reads } = parse([`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </x>\r\n\r\n${LENGTH}`]);
    expect([p.status, reads.join("")]).toEqual([201, "hello"]);
  });

  test("204 and 304 have no body; content-length 0 is done at the head", () => {
    for (const reply of [
      "HTTP/1.1 204 No Content\r\n\r\n",
      "HTTP/1.1 304 Not Modified\r\ncontent-length: 9\r\n\r\n",
      "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
    ]) {
      expect(parse([reply]).p.done).toBe(true);
    }
  });

  test("no length and not chunked: the body runs to the close and the connection is not reused", () => {
    const { p, reads } = parse(["HTTP/1.1 200 OK\r\n\r\nabc", "def"]);
    expect([p.done, p.endsAtClose, p.keepAlive, reads.join("")]).toEqual([false, true, false, "abcdef"]);
  });

  test("keep-alive follows connection headers and the HTTP version", () => {
    expect(parse(["HTTP/1.1 200 OK\r\nConnection: close\r\ncontent-length: 0\r\n\r\n"]).p.keepAlive).toBe(false);
    expect(parse(["HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n"]).p.keepAlive).toBe(false);
    expect(parse(["HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n"]).p.keepAlive).toBe(true);
  });

  test("bytes after the reply are counted, not taken as body", () => {
    const { p, reads } = parse([`${LENGTH}HTTP/1.1 200 OK`]);
    expect([reads.join(""), p.extra]).toEqual(["hello", 15]);
  });

  test("a status line with no reason phrase", () => {
    expect(parse(["HTTP/1.1 200\r\ncontent-length: 0\r\n\r\n"]).p.statusText).toBe("");
  });
});

describe("HTTP/1.1 response parser: garbage", () => {
  const fails = (pieces: (string | Uint8Array)[], type: HttpParseError["type"]): void => {
    let error: unknown;
    try {
      parse(pieces);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HttpParseError);
    expect((error as HttpParseError).type).toBe(type);
  };

  test("not an HTTP status line", () => {
    fails(["HELLO THERE\r\n\r\n"], "Malformed_HTTP_Response");
    fails(["HTTP/2 200 OK\r\n\r\n"], "Malformed_HTTP_Response");
    fails(["HTTP/1.1 20 OK\r\n\r\n"], "Malformed_HTTP_Response");
  });

  test("a header line without a name", () => {
    fails(["HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"], "Malformed_HTTP_Response");
  });

  test("a head that never ends is cut off at the limit, not buffered for ever", () => {
    const big = `HTTP/1.1 200 OK\r\nx: ${"a".repeat(MAX_HEAD_BYTES)}`;
    fails([big.slice(0, 100), big.slice(100)], "Malformed_HTTP_Response");
  });

  test("a bad content-length", () => {
    fails(["HTTP/1.1 200 OK\r\ncontent-length: 12abc\r\n\r\n"], "InvalidHTTPResponse");
    fails(["HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n"], "InvalidHTTPResponse");
  });

  test("a chunk size that is not hex, a chunk without its CRLF, an endless size line", () => {
    const head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
    fails([`${head}zz\r\nabc\r\n`], "InvalidHTTPResponse");
    fails([`${head}3\r\nabcXY`], "InvalidHTTPResponse");
    fails([head, "1".repeat(2000)], "InvalidHTTPResponse");
  });

  test("random bytes never pass as a reply", () => {
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 200; n++) {
      const bytes = Uint8Array.from({ length: 1 + Math.floor(rand() * 300) }, () => Math.floor(rand() * 256));
      const p = new Http1ResponseParser();
      try {
        p.feed(bytes, () => {});
      } catch (e) {
        expect(e).toBeInstanceOf(HttpParseError);
      }
      expect(p.headDone).toBe(false);
    }
  });
});
