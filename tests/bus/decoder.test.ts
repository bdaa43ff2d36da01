/**
 * The incremental decoder: chunking must not matter, a fed chunk is the decoder's (bodies are views
 * of it; Bun never fills it again, read-buffers.test.ts), a body cut across chunks is joined into
 * memory of its own, and sizes from the wire are checked before anything is sized from them
 * (trap §11.11).
 */
import { describe, expect, test } from "bun:test";
import { Decoder } from "../../src/bus/decoder.ts";
import { encodeCommand, encodeMessage, encodePing, encodeReady } from "../../src/bus/frame.ts";
import { ascii, concat, hex, prng, toHex } from "./support.ts";

const LIBZMQ_GREETING = hex(`ff 00 00 00 00 00 00 00 03 7f 03 01 4e 55 4c 4c ${"00 ".repeat(48)}`);

type Seen = { greeting: string[]; frames: string[] };

/** A decoder that records what it finds as hex strings (copies, so later mutation shows up as a diff). */
function recorder(maxFrameSize = 1 << 20): { decoder: Decoder; seen: Seen; bodies: Uint8Array[] } {
  const seen: Seen = { greeting: [], frames: [] };
  const bodies: Uint8Array[] = [];
  const decoder = new Decoder(
    {
      greeting(bytes) {
        seen.greeting.push(toHex(bytes));
        return true;
      },
      frame(flags, body) {
        seen.frames.push(`${flags.toString(16)}:${toHex(body)}`);
        bodies.push(body);
        return true;
      },
    },
    maxFrameSize,
  );
  return { decoder, seen, bodies };
}

// A stream with every framing shape: short and LONG commands and messages, a LONG header on a
// tiny body (libzmq's decoder accepts that), empty frames, and multi-frame messages.
const x300 = new Uint8Array(300).map((_, i) => i & 0xff);
const topic250 = new Uint8Array(250).fill(0x74);
const PARTS: { wire: Uint8Array; frames: string[] }[] = [
  { wire: encodeReady("DEALER", ascii("D1")), frames: [`4:${toHex(encodeReady("DEALER", ascii("D1")).subarray(2))}`] },
  { wire: hex("04 12 09 53 55 42 53 43 52 49 42 45 63 6f 6d 6d 61 6e 64 24"), frames: ["4:09 53 55 42 53 43 52 49 42 45 63 6f 6d 6d 61 6e 64 24"] },
  { wire: encodePing(50, ascii("ctx1")), frames: ["4:04 50 49 4e 47 00 32 63 74 78 31"] },
  { wire: hex("01 00 00 05 72 65 71 2d 31"), frames: ["1:", "0:72 65 71 2d 31"] },
  { wire: encodeMessage([ascii("world"), x300]), frames: ["1:77 6f 72 6c 64", `2:${toHex(x300)}`] },
  { wire: hex("03 00 00 00 00 00 00 00 02 61 62 02 00 00 00 00 00 00 00 00"), frames: ["3:61 62", "2:"] },
  { wire: encodeCommand("SUBSCRIBE", topic250), frames: [`6:09 ${toHex(ascii("SUBSCRIBE"))} ${toHex(topic250)}`] },
  { wire: hex("00 00"), frames: ["0:"] },
  { wire: hex("01 01 61 01 01 62 00 01 63"), frames: ["1:61", "1:62", "0:63"] },
];
const STREAM = concat(LIBZMQ_GREETING, ...PARTS.map((p) => p.wire));
const EXPECTED: Seen = { greeting: [toHex(LIBZMQ_GREETING)], frames: PARTS.flatMap((p) => p.frames) };

/** Feeds copies of the given slices, each in memory of its own (as Bun hands reads over). */
function feedChunks(decoder: Decoder, cuts: number[]): (string | undefined)[] {
  const results: (string | undefined)[] = [];
  let from = 0;
  for (const to of [...cuts, STREAM.length]) {
    results.push(decoder.feed(STREAM.slice(from, to)));
    from = to;
  }
  return results;
}

describe("Decoder chunking", () => {
  test("the whole stream in one chunk gives the expected frames", () => {
    const { decoder, seen } = recorder();
    expect(decoder.feed(STREAM.slice())).toBeUndefined();
    expect(seen).toEqual(EXPECTED);
  });

  test("a split at every byte boundary gives the same frames", () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const { decoder, seen } = recorder();
      const results = feedChunks(decoder, [cut]);
      expect(results).toEqual([undefined, undefined]);
      if (seen.frames.join("|") !== EXPECTED.frames.join("|")) throw new Error(`split at ${cut} decoded differently`);
      expect(seen.greeting).toEqual(EXPECTED.greeting);
    }
  });

  test("every pair of split points on the first 120 bytes, and one byte at a time", () => {
    for (let a = 0; a < 120; a++) {
      for (let b = a; b < 120; b += 3) {
        const { decoder, seen } = recorder();
        feedChunks(decoder, [a, b]);
        if (seen.frames.join("|") !== EXPECTED.frames.join("|")) throw new Error(`splits at ${a},${b} decoded differently`);
      }
    }
    const { decoder, seen } = recorder();
    feedChunks(
      decoder,
      Array.from({ length: STREAM.length - 1 }, (_, i) => i + 1),
    );
    expect(seen).toEqual(EXPECTED);
  });

  test("random chunkings, including empty chunks", () => {
    const rand = prng(7);
    for (let round = 0; round < 300; round++) {
      const cuts: number[] = [];
      let at = 0;
      while (at < STREAM.length) {
        at += Math.floor(rand() * 40); // 0 gives an empty chunk
        if (at < STREAM.length) cuts.push(at);
      }
      const { decoder, seen } = recorder();
      feedChunks(decoder, cuts);
      expect(seen).toEqual(EXPECTED);
    }
  });
});

describe("Decoder ownership", () => {
  test("a body inside one chunk is a view of it, not a copy", () => {
    const whole = recorder();
    const chunk = STREAM.slice();
    whole.decoder.feed(chunk);
    expect(whole.seen).toEqual(EXPECTED);
    const nonEmpty = whole.bodies.filter((b) => b.length > 0);
    expect(nonEmpty.length).toBeGreaterThan(5);
    for (const body of nonEmpty) expect(body.buffer === chunk.buffer).toBe(true);
  });

  test("a body cut across chunks is joined into memory of its own: the bodies stay right, and no chunk is held by it", () => {
    let joined = 0;
    for (const cut of [1, 65, 70, 100, 200, 400, STREAM.length - 3]) {
      const split = recorder();
      const chunks = [STREAM.slice(0, cut), STREAM.slice(cut)];
      for (const c of chunks) split.decoder.feed(c);
      expect(split.bodies.map((b, i) => `${EXPECTED.frames[i]?.split(":")[0]}:${toHex(b)}`)).toEqual(EXPECTED.frames);
      // The body the cut went through (if any) is backed by exactly its own bytes.
      let at = LIBZMQ_GREETING.length;
      for (const p of PARTS) {
        if (at < cut && cut < at + p.wire.length && p.frames.length === 1) {
          const body = split.bodies[EXPECTED.frames.indexOf(p.frames[0] as string)] as Uint8Array;
          const bodyStart = at + p.wire.length - body.length;
          if (cut > bodyStart) {
            expect(body.buffer.byteLength).toBe(body.length);
            joined++;
          }
        }
        at += p.wire.length;
      }
    }
    expect(joined).toBeGreaterThanOrEqual(2);
  });

  test("a sink returning false stops decoding the rest of the chunk", () => {
    const frames: string[] = [];
    let allow = 3;
    const decoder = new Decoder({ greeting: () => true, frame: (_f, b) => (frames.push(toHex(b)), --allow > 0) }, 1 << 20);
    expect(decoder.feed(STREAM.slice())).toBeUndefined();
    expect(frames.length).toBe(3);
  });
});

describe("Decoder limits", () => {
  const afterGreeting = (maxFrameSize: number) => {
    const r = recorder(maxFrameSize);
    expect(r.decoder.feed(LIBZMQ_GREETING.slice())).toBeUndefined();
    return r;
  };

  test("a frame at the limit passes, one byte over is refused with a reason", () => {
    const ok = afterGreeting(300);
    expect(ok.decoder.feed(encodeMessage([x300]))).toBeUndefined();
    expect(ok.seen.frames.length).toBe(1);

    const over = afterGreeting(299);
    const reason = over.decoder.feed(encodeMessage([x300]));
    expect(reason).toBeString();
    expect(reason as string).toContain("300");
    expect(over.seen.frames.length).toBe(0);

    const short = afterGreeting(10);
    expect(short.decoder.feed(hex("00 0b"))).toBeString();
  });

  test("an oversize LONG header is refused as soon as the header is complete, before any body byte", () => {
    const r = afterGreeting(1 << 20);
    // 2^40 bytes announced: refusing it must not depend on (or wait for) a body.
    expect(r.decoder.feed(hex("02 00 00 01 00 00"))).toBeUndefined();
    const reason = r.decoder.feed(hex("00 00 00"));
    expect(reason).toBeString();
    expect(reason as string).toContain("exceeds");
  });

  test("sizes past 2^53 are refused even with no limit", () => {
    const r = afterGreeting(Number.MAX_SAFE_INTEGER);
    expect(r.decoder.feed(hex("02 ff ff ff ff ff ff ff ff"))).toBeString();
    const s = afterGreeting(Number.MAX_SAFE_INTEGER);
    expect(s.decoder.feed(hex("06 00 20 00 00 00 00 00 00"))).toBeString();
  });

  test("an allowed but huge frame is buffered only as its bytes arrive, never pre-allocated", () => {
    // 2^40 bytes is allowed here; allocating it up front would throw RangeError (out of memory).
    const r = afterGreeting(2 ** 41);
    expect(r.decoder.feed(hex("02 00 00 01 00 00 00 00 00"))).toBeUndefined();
    const piece = new Uint8Array(64 * 1024);
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 64; i++) expect(r.decoder.feed(piece)).toBeUndefined();
    // 4 MiB fed: the decoder may hold copies of it, but nothing near the announced size.
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
    expect(r.seen.frames.length).toBe(0);
  });

  test("reserved flag bits (3 to 7) are refused, and so is a command with MORE", () => {
    for (let bit = 3; bit < 8; bit++) {
      const r = afterGreeting(1024);
      const reason = r.decoder.feed(new Uint8Array([1 << bit, 0]));
      expect(reason).toBeString();
      expect(reason as string).toContain("reserved");
      expect(r.seen.frames.length).toBe(0);
    }
    const r = afterGreeting(1024);
    expect(r.decoder.feed(hex("05 01 00"))).toBeString();
    expect(r.seen.frames.length).toBe(0);
  });

  test("frames before a bad header are delivered, nothing after it", () => {
    const r = afterGreeting(1024);
    const reason = r.decoder.feed(hex("00 01 61 10 00 00 01 62"));
    expect(reason).toBeString();
    expect(r.seen.frames).toEqual(["0:61"]);
  });
});
