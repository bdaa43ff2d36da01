/**
 * The ZMTP decoder on its own: this tree's src/bus/decoder.ts against the one of an earlier commit,
 * side by side in one process, on the same reads. Messages of each size are framed as the bus
 * frames them and cut into reads at random lengths (1 byte to --max-read, as socket reads come),
 * each read in memory of its own as Bun hands them over; the rounds alternate old and new.
 *
 *   bun scripts/bench/bus-decoder.ts [--before 8444387] [--sizes 64,4096,262144] [--mib 64] [--rounds 7] [--max-read 65536]
 *
 * Prints one JSON line per size: ns per message and MB/s, medians over the rounds, and new ÷ old.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Decoder } from "../../src/bus/decoder.ts";
import { encodeMessage } from "../../src/bus/frame.ts";
import { arg, listArg, numArg, ROOT } from "./support.ts";

type DecoderClass = typeof Decoder;

/** The decoder of `rev`, loaded from git next to that commit's frame.ts (decoder.ts imports only it). */
async function decoderAt(rev: string, dir: string): Promise<DecoderClass> {
  for (const file of ["decoder.ts", "frame.ts"]) {
    const shown = Bun.spawnSync(["git", "show", `${rev}:src/bus/${file}`], { cwd: ROOT });
    if (shown.exitCode !== 0) throw new Error(`git show ${rev}:src/bus/${file} failed: ${shown.stderr.toString()}`);
    writeFileSync(join(dir, file), shown.stdout);
  }
  return ((await import(join(dir, "decoder.ts"))) as { Decoder: DecoderClass }).Decoder;
}

/** xorshift32, so every run cuts the same reads. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function reads(size: number, mib: number, maxRead: number): { chunks: Uint8Array[]; messages: number } {
  const body = new Uint8Array(size).map((_, i) => i & 0xff);
  const one = encodeMessage([body]);
  const messages = Math.max(1, Math.floor((mib << 20) / one.length));
  const stream = new Uint8Array(64 + one.length * messages);
  // A greeting the decoder takes as 64 bytes; its content is not checked here.
  stream[0] = 0xff;
  for (let i = 0; i < messages; i++) stream.set(one, 64 + i * one.length);
  const rand = rng(size);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < stream.length; ) {
    const n = 1 + Math.floor(rand() * maxRead);
    chunks.push(stream.slice(at, at + n));
    at += n;
  }
  return { chunks, messages };
}

function once(D: DecoderClass, chunks: Uint8Array[], messages: number): number {
  let frames = 0;
  let bytes = 0;
  const d = new D(
    {
      greeting: () => true,
      frame: (_flags, body) => {
        frames++;
        bytes += body[body.length - 1] ?? 0;
        return true;
      },
    },
    1 << 30,
  );
  const t0 = Bun.nanoseconds();
  for (const c of chunks) d.feed(c);
  const ns = Bun.nanoseconds() - t0;
  if (frames !== messages || bytes < 0) throw new Error(`decoded ${frames} frames of ${messages}`);
  return ns;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const before = arg("before", "8444387");
const sizes = listArg("sizes", [64, 4096, 262144]);
const mib = numArg("mib", 64);
const rounds = numArg("rounds", 7);
const maxRead = numArg("max-read", 65536);
const dir = mkdtempSync(join(tmpdir(), "aiperf-bench-decoder-"));
try {
  const Old = await decoderAt(before, dir);
  for (const size of sizes) {
    const { chunks, messages } = reads(size, mib, maxRead);
    const old: number[] = [];
    const now: number[] = [];
    // One of each first, untimed, so both are compiled before the rounds.
    once(Old, chunks, messages);
    once(Decoder, chunks, messages);
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        old.push(once(Old, chunks, messages));
        now.push(once(Decoder, chunks, messages));
      } else {
        now.push(once(Decoder, chunks, messages));
        old.push(once(Old, chunks, messages));
      }
    }
    const o = median(old);
    const n = median(now);
    const total = chunks.reduce((a, c) => a + c.length, 0);
    console.log(
      JSON.stringify({
        size,
        messages,
        reads: chunks.length,
        before,
        old_ns_per_msg: +(o / messages).toFixed(1),
        new_ns_per_msg: +(n / messages).toFixed(1),
        old_mb_s: Math.round(total / (o / 1e3)),
        new_mb_s: Math.round(total / (n / 1e3)),
        new_over_old: +(n / o).toFixed(3),
        load: (await Bun.file("/proc/loadavg").text()).split(" ")[0],
      }),
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
