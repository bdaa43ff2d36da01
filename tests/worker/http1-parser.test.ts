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

/**
 * The head as the parser read it before it worked on bytes: latin1 text split at CRLF, a regex for
 * the status line, every name lower-cased. Kept here as the reference the byte reader must equal.
 */
type Framing = { kind: "done" | "chunked" | "close" } | { kind: "length"; n: number };
type HeadResult =
  | { error: HttpParseError["type"] }
  | { interim: true }
  | { status: number; statusText: string; contentType: string; keepAlive: boolean; framing: Framing };
function referenceHead(text: string): HeadResult {
  const lines = text.split("\r\n");
  const m = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0] as string);
  if (m === null) return { error: "Malformed_HTTP_Response" };
  const status = Number(m[2]);
  let length = -1;
  let chunked = false;
  let connection = "";
  let contentType = "";
  for (let k = 1; k < lines.length; k++) {
    const line = lines[k] as string;
    const colon = line.indexOf(":");
    if (colon <= 0) return { error: "Malformed_HTTP_Response" };
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-length") {
      if (!/^\d+$/.test(value) || (length >= 0 && Number(value) !== length)) return { error: "InvalidHTTPResponse" };
      length = Number(value);
    } else if (name === "transfer-encoding") chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
    else if (name === "connection") connection = value.toLowerCase();
    else if (name === "content-type") contentType = value;
  }
  if (status >= 100 && status < 200 && status !== 101) return { interim: true };
  let keepAlive = m[1] === "1" ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
  let framing: Framing;
  if (status === 204 || status === 304 || status === 101) framing = { kind: "done" };
  else if (chunked) framing = { kind: "chunked" };
  else if (length >= 0) framing = length === 0 ? { kind: "done" } : { kind: "length", n: length };
  else {
    keepAlive = false;
    framing = { kind: "close" };
  }
  return { status, statusText: m[3] ?? "", contentType, keepAlive, framing };
}

/** What the parser makes of `head` + CRLFCRLF, in the reference's terms. */
function byteHead(head: Uint8Array): HeadResult {
  const p = new Http1ResponseParser();
  const bytes = new Uint8Array(head.length + 4);
  bytes.set(head);
  bytes.set([13, 10, 13, 10], head.length);
  try {
    p.feed(bytes, () => {});
  } catch (e) {
    return { error: (e as HttpParseError).type };
  }
  if (!p.headDone) return { interim: true };
  let framing: Framing;
  if (p.done) framing = { kind: "done" };
  else if (p.endsAtClose) framing = { kind: "close" };
  else {
    const q = new Http1ResponseParser();
    q.feed(bytes, () => {});
    let body = 0;
    // The last chunk of a chunked body: framing only, no body bytes.
    q.feed(enc.encode("0\r\n\r\n"), (_b, start, end) => (body += end - start));
    if (q.done && q.extra === 0 && body === 0) framing = { kind: "chunked" };
    else {
      // A length: count the body bytes it takes before it is done.
      let n = 0;
      while (!p.done) {
        p.feed(new Uint8Array(1), () => {});
        n++;
      }
      framing = { kind: "length", n };
    }
  }
  return { status: p.status, statusText: p.statusText, contentType: p.contentType, keepAlive: p.keepAlive, framing };
}

describe("HTTP/1.1 response parser: the head read as bytes equals the head read as text", () => {
  test("generated heads: names in any case, odd whitespace and bytes, bad lines", () => {
    let seed = 11;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)] as T;
    const cased = (s: string): string => [...s].map((c) => (rand(2) === 0 ? c.toUpperCase() : c)).join("");
    const statusLines = [
      "HTTP/1.1 200 OK",
      "HTTP/1.0 200 OK",
      "HTTP/1.1 200",
      "HTTP/1.1 404 Not Found",
      "HTTP/1.1 204 No Content",
      "HTTP/1.1 304 x",
      "HTTP/1.1 100 Continue",
      "HTTP/1.1 101 Switching",
      "HTTP/1.1 200 ",
      "HTTP/1.1 200 caf\xe9 \x85",
      "HTTP/1.1 200OK",
      "HTTP/1.2 200 OK",
      "HTTP/1.1 2x0 OK",
      "HTTP/1.1 20",
      "http/1.1 200 OK",
      "HTTP/1.1 200 a\rb",
      "HTTP/1.1 200 a\nb",
      "HTTP/1.1  200 OK",
      "",
    ];
    const names = [
      "content-length",
      "content-type",
      "transfer-encoding",
      "connection",
      "x-other",
      "content-length ",
      " content-length",
      "content-lengthx",
      "date",
      "",
      "content\xadlength",
    ];
    const values = [
      "0",
      "5",
      "12",
      "007",
      "12abc",
      "",
      " 3 ",
      "\t4\t",
      "\xa05\xa0",
      "1e3",
      "-1",
      "+1",
      "99999999999999999999",
      "chunked",
      "gzip, chunked",
      "chunked, gzip",
      "Chunked ",
      "close",
      "keep-alive",
      "Keep-Alive",
      "upgrade, close",
      "application/json",
      " text/event-stream ; charset=utf-8 ",
      "a\rb",
      "a\nb",
      "\x85x\x85",
      "\xff",
    ];
    for (let n = 0; n < 4000; n++) {
      const lines = [pick(statusLines)];
      for (let h = rand(5); h > 0; h--) lines.push(rand(15) === 0 ? "no colon" : `${cased(pick(names))}:${pick(["", " ", "  ", "\t"])}${pick(values)}`);
      const text = lines.join("\r\n");
      const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
      // Only heads the parser would see: a blank line ends a head, so none is inside one.
      if (text.includes("\r\n\r\n") || text.endsWith("\r\n") || text.endsWith("\r")) continue;
      expect({ text, got: byteHead(bytes) }).toEqual({ text, got: referenceHead(new TextDecoder("latin1").decode(bytes)) });
    }
  });
});
