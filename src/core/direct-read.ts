/**
 * Reads of a large file past the page cache (O_DIRECT) where the file system allows it, else
 * plain reads: reading back a multi-GB file just written (dataset.bin, for inputs.json) would
 * otherwise fill the page cache with it, which on a VM costs more kernel time than the read.
 * Direct reads start and end on 4 KiB blocks, into a page-aligned buffer (large buffers are);
 * the view returned skips the extra bytes. Files under `directFrom` bytes are read plainly.
 */
import { closeSync, constants, openSync, readSync, statSync } from "node:fs";
import { DIRECT_AFTER } from "./append-file.ts";

const BLOCK = 4096;

export type SpanReader = {
  /** Bytes [at, at + length) as a view into a reused buffer, valid until the next read. */
  read(at: number, length: number): Uint8Array;
  close(): void;
};

export function createSpanReader(path: string, directFrom = DIRECT_AFTER): SpanReader {
  const fileSize = statSync(path).size;
  let fd: number;
  let direct = fileSize >= directFrom && typeof constants.O_DIRECT === "number" && constants.O_DIRECT !== 0;
  try {
    fd = openSync(path, constants.O_RDONLY | (direct ? constants.O_DIRECT : 0));
  } catch {
    fd = openSync(path, "r");
    direct = false;
  }
  let buffer = Buffer.alloc(8 << 20);
  const fill = (from: number, length: number): void => {
    for (let got = 0; got < length; ) {
      const n = readSync(fd, buffer, got, length - got, from + got);
      if (n === 0) throw new TypeError(`Truncated file: ${path}`);
      got += n;
    }
  };
  return {
    read(at, length) {
      if (at + length > fileSize) throw new TypeError(`Truncated file: ${path}`);
      const from = direct ? at - (at % BLOCK) : at;
      // Whole blocks, but never past the end of the file (a direct read there comes back short).
      const end = direct ? Math.min(Math.ceil((at + length) / BLOCK) * BLOCK, fileSize) : at + length;
      if (end - from > buffer.length) buffer = Buffer.alloc(Math.ceil((end - from) / BLOCK) * BLOCK + BLOCK);
      try {
        fill(from, end - from);
      } catch (error) {
        // A file system that opens O_DIRECT but refuses these reads: go on with plain reads.
        if (!direct || (error as NodeJS.ErrnoException).code !== "EINVAL") throw error;
        closeSync(fd);
        fd = openSync(path, "r");
        direct = false;
        return this.read(at, length);
      }
      // A plain Uint8Array (a Buffer's slice() would not copy).
      return new Uint8Array(buffer.buffer, buffer.byteOffset + at - from, length);
    },
    close: () => closeSync(fd),
  };
}
