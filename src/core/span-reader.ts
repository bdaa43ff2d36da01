/**
 * Spans of a large file read into one reused buffer (pread), for reading back a multi-GB file
 * front to back (dataset.bin, to rebuild inputs.json) without a memory map or an allocation per
 * span. The view a read returns is valid until the next read.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";

type SpanReader = {
  /** Bytes [at, at + length) as a view into a reused buffer, valid until the next read. */
  read(at: number, length: number): Uint8Array;
  close(): void;
};

export function createSpanReader(path: string): SpanReader {
  const fileSize = statSync(path).size;
  const fd = openSync(path, "r");
  let buffer = Buffer.alloc(8 << 20);
  return {
    read(at, length) {
      if (at + length > fileSize) throw new TypeError(`Truncated file: ${path}`);
      if (length > buffer.length) buffer = Buffer.alloc(length);
      for (let got = 0; got < length; ) {
        const n = readSync(fd, buffer, got, length - got, at + got);
        if (n === 0) throw new TypeError(`Truncated file: ${path}`);
        got += n;
      }
      // A plain Uint8Array (a Buffer's slice() would not copy).
      return new Uint8Array(buffer.buffer, buffer.byteOffset, length);
    },
    close: () => closeSync(fd),
  };
}
