/**
 * Files written front to back through a staging buffer, so that many small pieces cost one
 * write per 8 MiB. Two kinds:
 *
 * - createAppendFile: plain synchronous writes through the page cache (dataset.bin, which
 *   workers map and must find cached).
 * - createDirectFile: for a multi-GB output nobody reads during the run (inputs.json). Full
 *   stages are handed to the file system's thread pool and the caller goes on filling the next
 *   one, so the disk works while the caller computes (measured: 3.4 GB written while 2 s of work
 *   ran took 2.0 s in all, 4.3 s with writes in line). Past the first DIRECT_AFTER bytes (a small
 *   file stays in the page cache, where its readers find it) writes go past the page cache
 *   (O_DIRECT) where the file system allows it: buffered, 2 GB took 5.6 s of kernel time on a VM,
 *   direct 0.2 s. Direct writes need whole 4 KiB blocks from an aligned buffer: stages are
 *   allocated page-aligned and only ever written full (8 MiB), but the last, which goes through
 *   the plain descriptor.
 */
import { closeSync, constants, openSync, rmSync, write as writeAsync, writeSync } from "node:fs";

const STAGE = 8 << 20;
/** Bytes written plainly before going direct (a multiple of STAGE). */
const DIRECT_AFTER = 64 << 20;
/** Full stages in flight before `ready()` asks the caller to wait (bounds the memory held). */
const IN_FLIGHT = 4;

/** What both kinds take: bytes and text, appended in order. */
type FileSink = {
  write(bytes: Uint8Array): void;
  /** `bytes[from, to)`, without making a view for it. */
  writeRange(bytes: Uint8Array, from: number, to: number): void;
  /** `text` as UTF-8, encoded straight into the staging buffer (no array per call). */
  writeText(text: string): void;
  /** Bytes written so far (the offset the next byte lands at). */
  readonly size: number;
};

type AppendFile = FileSink & {
  /** Writes what is staged and closes the file. */
  close(): void;
  /** Closes and removes the file. */
  abort(): void;
};

type DirectFile = FileSink & {
  /** Null while few writes are in flight, else a promise that resolves once fewer are (or rejects with a failed write's error). */
  ready(): Promise<void> | null;
  /** Waits for the writes in flight, writes the rest and closes the file. */
  close(): Promise<void>;
  /** Waits for the writes in flight, closes and removes the file. */
  abort(): Promise<void>;
};

/**
 * The staging shared by both kinds: bytes are copied into `stage`; a full stage goes to
 * `flush(stage, at)` (at: its offset in the file), which returns the buffer to fill next.
 */
function createStager(flush: (stage: Buffer, at: number) => Buffer): FileSink & { readonly stage: Buffer; readonly used: number; readonly flushed: number } {
  let stage: Buffer = Buffer.alloc(STAGE);
  let used = 0;
  let flushed = 0;
  const writeRange = (bytes: Uint8Array, from: number, to: number): void => {
    const source = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    while (from < to) {
      const n = Math.min(to - from, STAGE - used);
      source.copy(stage, used, from, from + n);
      used += n;
      from += n;
      if (used === STAGE) {
        stage = flush(stage, flushed);
        flushed += STAGE;
        used = 0;
      }
    }
  };
  return {
    write(bytes) {
      if (used + bytes.length >= STAGE) return writeRange(bytes, 0, bytes.length);
      stage.set(bytes, used);
      used += bytes.length;
    },
    writeRange,
    writeText(text) {
      // UTF-8 takes at most 3 bytes per UTF-16 unit; near the stage's end the text is encoded
      // apart, so that stages are only ever flushed full.
      if (used + text.length * 3 >= STAGE) {
        const bytes = Buffer.from(text);
        return writeRange(bytes, 0, bytes.length);
      }
      used += stage.write(text, used);
    },
    get size() {
      return flushed + used;
    },
    get stage() {
      return stage;
    },
    get used() {
      return used;
    },
    get flushed() {
      return flushed;
    },
  };
}

/** `length` bytes of `bytes` at offset `at`, however many writes that takes. */
function writeAllSync(fd: number, bytes: Uint8Array, length: number, at: number): void {
  for (let done = 0; done < length; ) done += writeSync(fd, bytes, done, length - done, at + done);
}

/** A file written through the page cache, synchronously. */
export function createAppendFile(path: string): AppendFile {
  const fd = openSync(path, "w");
  let open = true;
  const sink = createStager((stage, at) => {
    writeAllSync(fd, stage, STAGE, at);
    return stage;
  });
  return Object.assign(sink, {
    close() {
      writeAllSync(fd, sink.stage, sink.used, sink.flushed);
      closeSync(fd);
      open = false;
    },
    abort() {
      if (open) closeSync(fd);
      open = false;
      rmSync(path, { force: true });
    },
  });
}

/** Opens `path` again for direct writing; null where O_DIRECT is refused (tmpfs, other systems). */
function openDirect(path: string): number | null {
  const flag = constants.O_DIRECT;
  if (typeof flag !== "number" || flag === 0) return null;
  try {
    return openSync(path, constants.O_WRONLY | flag);
  } catch {
    return null;
  }
}

/** `directAfter`: plain writes up to this many bytes (rounded up to the stage size), then direct. */
export function createDirectFile(path: string, directAfter = DIRECT_AFTER): DirectFile {
  const plain = openSync(path, "w");
  const direct = openDirect(path);
  let useDirect = direct !== null;
  const spare: Buffer[] = [];
  let inFlight = 0;
  let failed: unknown = null;
  // Callers of ready() (woken when fewer writes are in flight, or one failed) and of drained()
  // (woken when none is).
  let waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  let idle: (() => void)[] = [];
  let open = true;
  const settle = (): void => {
    if (failed !== null || inFlight < IN_FLIGHT) {
      const woken = waiters;
      waiters = [];
      for (const w of woken) failed === null ? w.resolve() : w.reject(failed);
    }
    if (inFlight === 0) {
      const woken = idle;
      idle = [];
      for (const resolve of woken) resolve();
    }
  };
  /** Writes `stage[from, STAGE)` at `at + from`; the stage goes back to the spares when done. */
  const submit = (stage: Buffer, at: number, from: number): void => {
    const fd = useDirect && at >= directAfter ? (direct as number) : plain;
    writeAsync(fd, stage, from, STAGE - from, at + from, (error, n) => {
      if (error !== null) {
        // A file system that opens O_DIRECT but will not take these writes: go on without it
        // (the descriptor stays open until the end: other writes may be in flight on it).
        if (fd === direct && error.code === "EINVAL") {
          useDirect = false;
          return submit(stage, at, from);
        }
        failed ??= error;
      } else if (from + n < STAGE) return submit(stage, at, from + n);
      inFlight--;
      if (spare.length < IN_FLIGHT) spare.push(stage);
      settle();
    });
  };
  const sink = createStager((stage, at) => {
    if (failed !== null) throw failed;
    inFlight++;
    submit(stage, at, 0);
    return spare.pop() ?? Buffer.alloc(STAGE);
  });
  const drained = (): Promise<void> => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => idle.push(resolve)));
  const closeAll = (): void => {
    if (!open) return;
    open = false;
    closeSync(plain);
    if (direct !== null) closeSync(direct);
  };
  return Object.assign(sink, {
    ready(): Promise<void> | null {
      if (failed !== null) return Promise.reject(failed);
      if (inFlight < IN_FLIGHT) return null;
      return new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
    },
    async close() {
      try {
        await drained();
        if (failed !== null) throw failed;
        // The last stage, partial: a plain write (direct ones must be whole blocks).
        writeAllSync(plain, sink.stage, sink.used, sink.flushed);
      } finally {
        closeAll();
      }
    },
    async abort() {
      await drained();
      closeAll();
      rmSync(path, { force: true });
    },
  });
}
