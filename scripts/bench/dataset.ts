/**
 * Loader scale check: writes mooncake traces of 100k and 1M lines (timestamps slightly out of
 * order, one of 100 shared 512-token prefix blocks plus a unique partial block per line, as
 * prefix-caching traces look), then loads each in a fresh process and prints the load time and
 * the peak RSS. The input is streamed; what grows with the trace is the loaded model (every
 * prompt's text), which the dataset role must hold to write dataset.bin anyway.
 *
 *   bun scripts/bench/dataset.ts [--lines 100000,1000000] [--build]
 *   (--build also makes the request bodies and counts every prompt's tokens, as the role does)
 */
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRng } from "../../src/core/rng.ts";
import { buildFileDataset, loadFileConversations } from "../../src/services/dataset/from-file.ts";
import type { DatasetConfig } from "../../src/protocol/dataset-config.ts";
import { loadBuiltinTokenizer } from "../../src/tokenizer/index.ts";

const BLOCK = 512;

/** Written in 1 MiB pieces: the parent stays small, and a child's peak RSS (inherited at fork) is its own. */
function writeTrace(path: string, lines: number): void {
  const rng = createRng(1);
  const fd = openSync(path, "w");
  let buffered = "";
  for (let i = 0; i < lines; i++) {
    const tail = 1 + rng.int(BLOCK);
    // Every 10th line is 1.5 s early: the loader has to sort.
    const ts = i * 10 - (i % 10 === 5 ? 1500 : 0);
    buffered += `{"timestamp":${Math.max(0, ts)},"input_length":${BLOCK + tail},"output_length":${1 + rng.int(256)},"hash_ids":[${rng.int(100)},${100 + i}]}\n`;
    if (buffered.length > 1 << 20) {
      writeSync(fd, buffered);
      buffered = "";
    }
  }
  writeSync(fd, buffered);
  closeSync(fd);
}

async function child(path: string, build: boolean): Promise<void> {
  const tokenizer = await loadBuiltinTokenizer();
  const cfg: DatasetConfig = {
    model: ["m"], endpointType: "chat", streaming: false, extraInputs: [], isl: 550, islStddev: 0, osl: null, oslStddev: 0,
    conversationNum: 1, randomSeed: 1, tokenizer: null, inputFile: path, datasetFormat: "mooncake_trace", blockSize: BLOCK,
    turnMean: 1, turnStddev: 0, turnDelayMean: 0, turnDelayStddev: 0, turnDelayRatio: 1, datasetPath: "/dev/null", inputsJsonPath: "/dev/null",
  };
  const rssBefore = process.resourceUsage().maxRSS;
  const t0 = performance.now();
  const conversations = await loadFileConversations("mooncake_trace", path, tokenizer, cfg, 1);
  const loadMs = performance.now() - t0;
  const rssLoad = process.resourceUsage().maxRSS;
  let buildMs: number | null = null;
  if (build) {
    const t1 = performance.now();
    buildFileDataset(conversations, tokenizer, cfg, 1);
    buildMs = performance.now() - t1;
  }
  process.stdout.write(`${JSON.stringify({ conversations: conversations.length, loadMs, buildMs, rssBeforeMiB: rssBefore / 1024, rssAfterLoadMiB: rssLoad / 1024, peakRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
}

async function main(): Promise<void> {
  const at = process.argv.indexOf("--child");
  const build = process.argv.includes("--build");
  if (at >= 0) return child(process.argv[at + 1] as string, build);
  const sizesAt = process.argv.indexOf("--lines");
  const sizes = (sizesAt >= 0 ? (process.argv[sizesAt + 1] ?? "") : "100000,1000000").split(",").map(Number);
  const dir = mkdtempSync(join(tmpdir(), "aiperf-bench-dataset-"));
  try {
    for (const lines of sizes) {
      const path = join(dir, `trace-${lines}.jsonl`);
      writeTrace(path, lines);
      const proc = Bun.spawn([process.execPath, import.meta.path, "--child", path, ...(build ? ["--build"] : [])], { stdout: "pipe", stderr: "inherit" });
      const out = await new Response(proc.stdout).text();
      if ((await proc.exited) !== 0) throw new Error(`child failed for ${lines} lines`);
      const r = JSON.parse(out) as { conversations: number; loadMs: number; buildMs: number | null; rssBeforeMiB: number; rssAfterLoadMiB: number; peakRssMiB: number };
      const mib = statSync(path).size / 2 ** 20;
      console.log(
        `${lines.toLocaleString("en-US")} lines (${mib.toFixed(0)} MiB file): load ${(r.loadMs / 1000).toFixed(2)} s (${((lines / r.loadMs) * 1000).toFixed(0)} lines/s), ` +
          `RSS before ${r.rssBeforeMiB.toFixed(0)} MiB, after load ${r.rssAfterLoadMiB.toFixed(0)} MiB` +
          (r.buildMs === null ? "" : `, bodies+ISL ${(r.buildMs / 1000).toFixed(2)} s, peak ${r.peakRssMiB.toFixed(0)} MiB`),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
