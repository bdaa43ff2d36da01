import { describe, expect, test } from "bun:test";
import { parseSse, SseParser } from "../../src/replies/sse.ts";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("SSE parsing", () => {
  test("one message per blank line, data lines joined with \\n", () => {
    const out = parseSse([enc("data: a\ndata: b\n\ndata: c\n\n")], [100]);
    expect(out.map((m) => m.data)).toEqual(["a\nb", "c"]);
    // Both messages arrived in the same read, so they share its timestamp.
    expect(out.map((m) => m.ns)).toEqual([100, 100]);
  });

  test("a message split across reads is stamped with the read holding its first byte", () => {
    const out = parseSse([enc('data: {"x"'), enc(":1}\n"), enc("\ndata: second\n\n")], [10, 20, 30]);
    expect(out).toEqual([
      { ns: 10, data: '{"x":1}', event: undefined, dataLines: 1 },
      { ns: 30, data: "second", event: undefined, dataLines: 1 },
    ]);
  });

  test("the next message starts in the read where the previous one ended", () => {
    const out = parseSse([enc("data: 1\n\ndata: 2"), enc("\n\n")], [5, 9]);
    expect(out.map((m) => [m.data, m.ns])).toEqual([
      ["1", 5],
      ["2", 5],
    ]);
  });

  test("a blank line split across reads", () => {
    const out = parseSse([enc("data: 1\n"), enc("\n"), enc("data: 2\n\n")], [1, 2, 3]);
    expect(out.map((m) => [m.data, m.ns])).toEqual([
      ["1", 1],
      ["2", 3],
    ]);
  });

  test("\\r\\n line endings, even split between reads", () => {
    const out = parseSse([enc("data: a\r\n\r"), enc("\ndata: b\r\n\r\n")], [1, 2]);
    expect(out.map((m) => m.data)).toEqual(["a", "b"]);
  });

  test("comments, event names, fields without a value, one leading space stripped", () => {
    const out = parseSse([enc(": keep-alive\n\nevent: delta\ndata:  two spaces\nid: 7\ndata\n\n")], [1]);
    expect(out).toEqual([
      { ns: 1, data: "", event: undefined, dataLines: 0 },
      { ns: 1, data: " two spaces\n", event: "delta", dataLines: 2 },
    ]);
  });

  test("a comment-only message does not lend its time to the next message", () => {
    const out = parseSse([enc(": ping\n\n"), enc("data: x\n\n")], [1, 2]);
    expect(out.filter((m) => m.dataLines > 0).map((m) => m.ns)).toEqual([2]);
  });

  test("a last message without its blank line still counts (upstream reads to EOF)", () => {
    expect(parseSse([enc("data: 1\n\ndata: 2")], [1]).map((m) => m.data)).toEqual(["1", "2"]);
    expect(parseSse([enc("data: 1\n")], [1]).map((m) => m.data)).toEqual(["1"]);
  });

  test("a UTF-8 character split across reads is decoded whole", () => {
    const bytes = enc("data: héllo\n\n");
    const at = bytes.indexOf(0xc3) + 1;
    expect(parseSse([bytes.subarray(0, at), bytes.subarray(at)], [1, 2]).map((m) => m.data)).toEqual(["héllo"]);
  });

  test("garbage and empty input give no crash", () => {
    expect(parseSse([], [])).toEqual([]);
    expect(parseSse([new Uint8Array([0xff, 0xfe, 0x00, 0x0a, 0x0a])], [1]).length).toBe(1);
    const noise = new Uint8Array(4096).map((_, i) => (i * 7919) % 256);
    expect(() => parseSse([noise], [1])).not.toThrow();
  });

  test("incremental use returns messages as they complete", () => {
    const p = new SseParser();
    expect(p.push(enc("data: a"), 1)).toEqual([]);
    expect(p.push(enc("\n\ndata: b\n\n"), 2).map((m) => [m.data, m.ns])).toEqual([
      ["a", 1],
      ["b", 2],
    ]);
    expect(p.end()).toEqual([]);
  });

  test("reads of whole lines (decoded at once) and reads cut anywhere (cut as bytes) give the same messages", () => {
    // CRLF and LF, comments, event names, empty values, multi-byte text, invalid UTF-8, a field without a colon.
    const bytes = [
      ...enc('data: {"a":"h\u00e9llo \u4e16\u754c \ud83d\ude00"}\r\n\r\n: keep-alive\n\nevent: error\ndata:\ndata:  two spaces\n\n'),
      ...[0x64, 0x61, 0x74, 0x61, 0x3a, 0x20, 0xff, 0xc3, 0x0a, 0x0a],
      ...enc("data\nid: 7\nretry: 10\ndata: caf\u00e9\n\ndata: last\n\n"),
    ];
    const whole = Uint8Array.from(bytes);
    // Cut after every line feed: each read ends with "\n" (the decoded path).
    const lines: Uint8Array[] = [];
    let from = 0;
    for (let i = 0; i < whole.length; i++) if (whole[i] === 0x0a) lines.push(whole.subarray(from, (from = i + 1)));
    const byLine = parseSse(
      lines,
      lines.map((_, i) => i),
    );
    expect(byLine.length).toBe(6);
    // Every cut point between bytes (the byte path for the read that ends mid-line).
    for (let cut = 1; cut < whole.length; cut++) {
      const two = parseSse([whole.subarray(0, cut), whole.subarray(cut)], [0, 1]);
      const one = parseSse([whole], [0]);
      expect(two.map((m) => [m.data, m.event, m.dataLines])).toEqual(one.map((m) => [m.data, m.event, m.dataLines]));
    }
    expect(byLine.map((m) => [m.data, m.event, m.dataLines])).toEqual(parseSse([whole], [0]).map((m) => [m.data, m.event, m.dataLines]));
    // Byte by byte: no read ends with a whole line except those that are just "\n".
    const bytewise = parseSse(
      Array.from(whole, (b) => Uint8Array.of(b)),
      Array.from(whole, (_, i) => i),
    );
    expect(bytewise.map((m) => [m.data, m.event, m.dataLines])).toEqual(byLine.map((m) => [m.data, m.event, m.dataLines]));
    expect(byLine[0]?.data).toBe('{"a":"h\u00e9llo \u4e16\u754c \ud83d\ude00"}');
    expect(byLine.slice(2).map((m) => [m.data, m.event])).toEqual([
      ["\n two spaces", "error"],
      ["\uFFFD\uFFFD", undefined],
      ["\ncaf\u00e9", undefined],
      ["last", undefined],
    ]);
  });

  describe("a reply whose reads lie back to back in one buffer is decoded once", () => {
    /** Read by read through SseParser (each read its own decode): what the whole-reply path must equal. */
    function perRead(chunks: Uint8Array[], ns: number[]): ReturnType<typeof parseSse> {
      const p = new SseParser();
      const out = chunks.flatMap((c, i) => p.push(c, ns[i] ?? 0));
      return [...out, ...p.end()];
    }
    /** Cuts `whole` at `cuts` into views of its buffer, stamped 10, 20, … */
    function cutAt(whole: Uint8Array, cuts: number[]): { chunks: Uint8Array[]; ns: number[] } {
      const chunks: Uint8Array[] = [];
      let from = 0;
      for (const c of [...cuts, whole.length]) chunks.push(whole.subarray(from, (from = c)));
      return { chunks, ns: chunks.map((_, i) => (i + 1) * 10) };
    }
    const streams: Record<string, Uint8Array> = {
      ascii: enc(': ok\n\ndata: {"a":1}\n\nevent: delta\ndata: x\r\ndata:y\r\n\r\n:c\nid: 1\ndata\n\ndata: last without blank line\r'),
      "a lone invalid byte (one character per byte still)": Uint8Array.from([...enc("data: a"), 0x80, ...enc("b\n\ndata: c\n\n")]),
      "multi-byte characters (the per-read path)": enc('data: {"t":"h\u00e9llo \ud83d\ude00"}\n\ndata: caf\u00e9\n\n'),
    };
    for (const [name, whole] of Object.entries(streams)) {
      test(`${name}: every way of cutting it gives the per-read result`, () => {
        let rng = 7;
        const next = (n: number): number => (rng = (rng * 1_103_515_245 + 12_345) % 2_147_483_648) % n;
        const cutsList: number[][] = [[]];
        for (let cut = 1; cut < whole.length; cut++) cutsList.push([cut]);
        for (let k = 0; k < 200; k++) cutsList.push([...new Set(Array.from({ length: 1 + next(6) }, () => 1 + next(whole.length - 1)))].sort((a, b) => a - b));
        for (const cuts of cutsList) {
          const { chunks, ns } = cutAt(whole, cuts);
          expect(parseSse(chunks, ns)).toEqual(perRead(chunks, ns));
        }
      });
    }

    test("the whole-reply path is taken for back-to-back ASCII reads only", () => {
      const whole = SseParser.prototype.whole;
      let calls = 0;
      SseParser.prototype.whole = function (this: SseParser, ...args: Parameters<typeof whole>) {
        calls++;
        return whole.apply(this, args);
      };
      try {
        const { chunks, ns } = cutAt(enc("data: 1\n\ndata: 2"), [12]);
        // Message 2 starts in the first read, so it carries the first read's time, as per read.
        expect(parseSse(chunks, ns).map((m) => [m.data, m.ns])).toEqual([
          ["1", 10],
          ["2", 10],
        ]);
        expect(calls).toBe(1);
        parseSse([enc("data: 1\n\n"), enc("data: 2\n\n")], [1, 2]); // two buffers
        parseSse(cutAt(enc("data: \u00e9\n\n"), [3]).chunks, [1, 2]); // two bytes, one character
        expect(calls).toBe(1);
      } finally {
        SseParser.prototype.whole = whole;
      }
    });
  });
});
