/**
 * Incremental ZMTP decoder: greeting, then frames, fed with whatever chunks the socket delivers.
 * A fed chunk becomes the decoder's: frame bodies are views of it, and a unit cut across reads is
 * kept as views until its last byte comes, then joined (its only copy). That is right because Bun
 * hands every data callback memory of its own and never fills it again, on tcp and ipc, on both
 * sides (tests/bus/read-buffers.test.ts is the proof trap §11.10 asks for in place of a copy). Copying
 * the rest of every chunk was ~7 % of the record processor's samples. No buffer is ever sized from
 * an untrusted length: a partial unit grows only with bytes received.
 */
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE, GREETING_SIZE } from "./frame.ts";

const Stage = { greeting: 0, header: 1, longSize: 2, body: 3 } as const;
type Stage = (typeof Stage)[keyof typeof Stage];

/** Receives what the decoder finds; returning false stops decoding (the connection is closing). */
type DecoderSink = {
  greeting(bytes: Uint8Array): boolean;
  frame(flags: number, body: Uint8Array): boolean;
};

const EMPTY = new Uint8Array(0);

export class Decoder {
  #stage: Stage = Stage.greeting;
  #need = GREETING_SIZE;
  #flags = 0;
  #sizeTop = 0;
  #parts: Uint8Array[] = [];
  #have = 0;
  #maxFrameSize: number;
  #sink: DecoderSink;

  constructor(sink: DecoderSink, maxFrameSize: number) {
    this.#sink = sink;
    this.#maxFrameSize = maxFrameSize;
  }

  /**
   * Feeds bytes; returns a reason string when the stream is malformed, else undefined. The chunk
   * is the decoder's from now on: the caller must not write into it again.
   */
  feed(chunk: Uint8Array): string | undefined {
    const data = chunk;
    let pos = 0;
    while (pos < data.length) {
      let unit: Uint8Array;
      const avail = data.length - pos;
      if (this.#have > 0 || avail < this.#need) {
        const take = Math.min(this.#need - this.#have, avail);
        this.#parts.push(data.subarray(pos, pos + take));
        this.#have += take;
        pos += take;
        if (this.#have < this.#need) return undefined;
        unit = this.#joinParts();
      } else {
        unit = data.subarray(pos, pos + this.#need);
        pos += this.#need;
      }
      const result = this.#process(unit);
      if (result !== undefined) return result === false ? undefined : result;
    }
    return undefined;
  }

  /** Always two parts or more (a unit that fits one chunk is cut from it), so always a copy of its own. */
  #joinParts(): Uint8Array {
    const parts = this.#parts;
    const unit = new Uint8Array(this.#have);
    let at = 0;
    for (const p of parts) {
      unit.set(p, at);
      at += p.length;
    }
    this.#parts = [];
    this.#have = 0;
    return unit;
  }

  /** Returns undefined to continue, false when the sink stopped, or an error string. */
  #process(unit: Uint8Array): string | false | undefined {
    switch (this.#stage) {
      case Stage.greeting:
        this.#expectHeader();
        return this.#sink.greeting(unit) ? undefined : false;
      case Stage.header: {
        const flags = unit[0] as number;
        if (flags & 0xf8) return `reserved flag bits set (0x${flags.toString(16)})`;
        if (flags & FLAG_COMMAND && flags & FLAG_MORE) return "command frame with MORE flag";
        this.#flags = flags;
        if (flags & FLAG_LONG) {
          // The first size byte is already in `unit`; read the other 7.
          this.#stage = Stage.longSize;
          this.#sizeTop = unit[1] as number;
          this.#need = 7;
          return undefined;
        }
        return this.#startBody(unit[1] as number);
      }
      case Stage.longSize: {
        const hi = this.#sizeTop * 0x1000000 + ((unit[0] as number) << 16) + ((unit[1] as number) << 8) + (unit[2] as number);
        const lo = (unit[3] as number) * 0x1000000 + ((unit[4] as number) << 16) + ((unit[5] as number) << 8) + (unit[6] as number);
        if (hi > 0x1fffff) return "frame size beyond 2^53";
        return this.#startBody(hi * 0x100000000 + lo);
      }
      case Stage.body: {
        const flags = this.#flags;
        this.#expectHeader();
        return this.#sink.frame(flags, unit) ? undefined : false;
      }
    }
  }

  #expectHeader(): void {
    this.#stage = Stage.header;
    this.#need = 2;
  }

  #startBody(size: number): string | false | undefined {
    if (size > this.#maxFrameSize) return `frame of ${size} bytes exceeds the limit of ${this.#maxFrameSize}`;
    if (size === 0) {
      const flags = this.#flags;
      this.#expectHeader();
      return this.#sink.frame(flags, EMPTY) ? undefined : false;
    }
    this.#stage = Stage.body;
    this.#need = size;
    return undefined;
  }
}
