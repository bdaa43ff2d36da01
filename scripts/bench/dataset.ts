/**
 * Dataset scale check: writes mooncake traces of 100k and 1M lines (timestamps slightly out of
 * order, one of 100 shared 512-token prefix blocks plus a unique partial block per line, as
 * prefix-caching traces look), then runs the dataset role's file path on each in a fresh process
 * (stream the trace, synthesise every prompt, write dataset.bin and inputs.json) and maps the
 * result as a worker does, reading every conversation's timestamp. Prints the times, the file
 * sizes, the role's CPU time and peak RSS. The time is split by two extra passes over the trace
 * in another process: parse only (load), then the loader with its prompts (load + synthesise);
 * dataset.bin's part is the time until it is complete less those (inputs.json is written on
 * its own thread meanwhile), then the wait for inputs.json to be complete. Then a worker's
 * side: body() for every conversation in serving order and for 200k drawn at random (a spliced
 * body is assembled from its recipe on each call), in ns per body.
 *
 *   bun scripts/bench/dataset.ts [--lines 100000,1000000] [--sorted | --mooncake-like]
 *   (--sorted: no early lines, as real traces are; inputs.json is then written in the same pass.
 *   --mooncake-like: in order, 1–28 blocks per line, ≈7.2k tokens on average (the Mooncake
 *   paper reports ≈7.6k for Moonshot's published trace), half the lines continuing one of 1000
 *   earlier prefixes: ten times the bytes per line of the default trace)
 */
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRng } from "../../src/core/rng.ts";
import * as v from "valibot";
import { DatasetConfig } from "../../src/protocol/dataset-config.ts";
import { openDataset } from "../../src/protocol/dataset-file.ts";
import { streamDataset } from "../../src/dataset/loaders/index.ts";
import { readJsonLines } from "../../src/dataset/loaders/lines.ts";
import { readBuiltinCorpus, tokenizeCorpus } from "../../src/dataset/synthetic/index.ts";
import { writeFileDataset } from "../../src/services/dataset/from-file.ts";
import { createSessionIds } from "../../src/services/dataset/synthesize.ts";
import { loadBuiltinTokenizer } from "../../src/tokenizer/index.ts";

const BLOCK = 512;

/** Written in 1 MiB pieces: the parent stays small, and a child's peak RSS (inherited at fork) is its own. */
function writeTrace(path: string, lines: number, sorted: boolean, mooncakeLike: boolean): void {
  const rng = createRng(1);
  const fd = openSync(path, "w");
  let buffered = "";
  const prefixes: number[][] = [];
  let nextId = 0;
  const mooncakeLine = (i: number): string => {
    const blocks = 1 + rng.int(28);
    const shared = prefixes.length > 0 && rng.int(2) === 0 ? (prefixes[rng.int(prefixes.length)] as number[]).slice(0, rng.int(blocks)) : [];
    const ids = [...shared, ...Array.from({ length: blocks - shared.length }, () => nextId++)];
    if (prefixes.length < 1000) prefixes.push(ids);
    return `{"timestamp":${i * 10},"input_length":${(blocks - 1) * BLOCK + 1 + rng.int(BLOCK)},"output_length":${1 + rng.int(400)},"hash_ids":[${ids.join(",")}]}\n`;
  };
  const defaultLine = (i: number): string => {
    const tail = 1 + rng.int(BLOCK);
    // Every 10th line is 1.5 s early: the loader has to sort.
    const ts = i * 10 - (i % 10 === 5 && !sorted ? 1500 : 0);
    return `{"timestamp":${Math.max(0, ts)},"input_length":${BLOCK + tail},"output_length":${1 + rng.int(256)},"hash_ids":[${rng.int(100)},${100 + i}]}\n`;
  };
  for (let i = 0; i < lines; i++) {
    buffered += mooncakeLike ? mooncakeLine(i) : defaultLine(i);
    if (buffered.length > 1 << 20) {
      writeSync(fd, buffered);
      buffered = "";
    }
  }
  writeSync(fd, buffered);
  closeSync(fd);
}

/** The load and synthesis passes, timed apart (a process of their own: their garbage is not the role's). */
async function phases(path: string): Promise<void> {
  const tokenizer = await loadBuiltinTokenizer();
  let tp = performance.now();
  for await (const _ of readJsonLines(path));
  const loadMs = performance.now() - tp;
  tp = performance.now();
  const corpus = tokenizeCorpus(await readBuiltinCorpus(), tokenizer);
  const noPrompts = async (): Promise<never> => {
    throw new Error("the bench trace has hash_ids on every line");
  };
  const ctx = {
    path,
    tokenizer,
    corpus: async () => corpus,
    prompts: noPrompts,
    blockSize: BLOCK,
    conversationNum: 1,
    seed: 1,
    oslSet: false,
    sessionId: createSessionIds(1),
  };
  for await (const _ of streamDataset("mooncake_trace", ctx));
  const synthMs = performance.now() - tp - loadMs;
  process.stdout.write(`${JSON.stringify({ loadMs, synthMs })}\n`);
}

async function child(path: string): Promise<void> {
  const tokenizer = await loadBuiltinTokenizer();
  const cfg = v.parse(DatasetConfig, {
    model: ["m"],
    endpointType: "chat",
    streaming: false,
    extraInputs: [],
    isl: 550,
    islStddev: 0,
    osl: null,
    oslStddev: 0,
    conversationNum: 1,
    randomSeed: 1,
    tokenizer: null,
    inputFile: path,
    datasetFormat: "mooncake_trace",
    blockSize: BLOCK,
    datasetPath: `${path}.bin`,
    inputsJsonPath: `${path}.inputs.json`,
  });
  const rssBefore = process.resourceUsage().maxRSS;
  const cpuBefore = process.resourceUsage();
  const t0 = performance.now();
  const written = await writeFileDataset("mooncake_trace", path, tokenizer, cfg, 1);
  const writeMs = performance.now() - t0;
  const t1 = performance.now();
  const ds = openDataset(cfg.datasetPath);
  let timed = 0;
  for (let c = 0; c < ds.conversations; c++) if (ds.timestampMs(c, 0) !== null) timed++;
  if (timed !== written.conversations) throw new Error(`${timed} timed conversations of ${written.conversations}`);
  const mapMs = performance.now() - t1;
  const usage = process.resourceUsage();
  const { bodyNs, randomBodyNs, bodyBytes } = bodyCost(ds);
  const result = {
    conversations: written.conversations,
    writeMs,
    mapMs,
    userS: (usage.userCPUTime - cpuBefore.userCPUTime) / 1e6,
    sysS: (usage.systemCPUTime - cpuBefore.systemCPUTime) / 1e6,
    bodyNs,
    randomBodyNs,
    bodyBytes,
    datasetMs: written.datasetMs,
    inputsMs: written.inputsMs,
    rssBeforeMiB: rssBefore / 1024,
    peakRssMiB: usage.maxRSS / 1024,
    bodyPeakRssMiB: process.resourceUsage().maxRSS / 1024,
    datasetMiB: statSync(cfg.datasetPath).size / 2 ** 20,
    inputsMiB: statSync(cfg.inputsJsonPath).size / 2 ** 20,
  };
  rmSync(cfg.datasetPath);
  rmSync(cfg.inputsJsonPath);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** What body() costs a worker: ns per body, in serving order and at random, and the mean body size. */
function bodyCost(ds: ReturnType<typeof openDataset>): { bodyNs: number; randomBodyNs: number; bodyBytes: number } {
  let bytes = 0;
  let t = performance.now();
  for (let c = 0; c < ds.conversations; c++) bytes += ds.body(c, 0).length;
  const bodyNs = ((performance.now() - t) * 1e6) / ds.conversations;
  const rng = createRng(2);
  const draws = 200_000;
  t = performance.now();
  for (let i = 0; i < draws; i++) bytes += ds.body(rng.int(ds.conversations), 0).length * 0;
  const randomBodyNs = ((performance.now() - t) * 1e6) / draws;
  return { bodyNs, randomBodyNs, bodyBytes: bytes / ds.conversations };
}

async function runChild(mode: string, path: string): Promise<unknown> {
  const proc = Bun.spawn([process.execPath, import.meta.path, mode, path], { stdout: "pipe", stderr: "inherit" });
  const out = await new Response(proc.stdout).text();
  if ((await proc.exited) !== 0) throw new Error(`${mode} failed for ${path}`);
  return JSON.parse(out);
}

async function main(): Promise<void> {
  const at = process.argv.indexOf("--child");
  if (at >= 0) return child(process.argv[at + 1] as string);
  const phasesAt = process.argv.indexOf("--phases");
  if (phasesAt >= 0) return phases(process.argv[phasesAt + 1] as string);
  const sizesAt = process.argv.indexOf("--lines");
  const sizes = (sizesAt >= 0 ? (process.argv[sizesAt + 1] ?? "") : "100000,1000000").split(",").map(Number);
  const dir = mkdtempSync(join(tmpdir(), "aiperf-bench-dataset-"));
  try {
    for (const lines of sizes) {
      const path = join(dir, `trace-${lines}.jsonl`);
      writeTrace(path, lines, process.argv.includes("--sorted"), process.argv.includes("--mooncake-like"));
      const p = (await runChild("--phases", path)) as { loadMs: number; synthMs: number };
      const r = (await runChild("--child", path)) as {
        conversations: number;
        writeMs: number;
        mapMs: number;
        userS: number;
        sysS: number;
        datasetMs: number;
        inputsMs: number;
        bodyNs: number;
        randomBodyNs: number;
        bodyBytes: number;
        bodyPeakRssMiB: number;
        rssBeforeMiB: number;
        peakRssMiB: number;
        datasetMiB: number;
        inputsMiB: number;
      };
      const mib = statSync(path).size / 2 ** 20;
      const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
      console.log(
        `${lines.toLocaleString("en-US")} lines (${mib.toFixed(0)} MiB trace): load+synthesise+write ${(r.writeMs / 1000).toFixed(2)} s ` +
          `(${((lines / r.writeMs) * 1000).toFixed(0)} lines/s; dataset.bin ${r.datasetMiB.toFixed(0)} MiB, inputs.json ${r.inputsMiB.toFixed(0)} MiB), ` +
          `map + every timestamp ${r.mapMs.toFixed(0)} ms; body() ${r.bodyNs.toFixed(0)} ns in order, ${r.randomBodyNs.toFixed(0)} ns at random (${r.bodyBytes.toFixed(0)} B each); split: load ${s(p.loadMs)}, synthesise ${s(p.synthMs)}, dataset.bin ${s(r.datasetMs - p.loadMs - p.synthMs)} (inputs.json written alongside on its thread), then waiting for inputs.json ${s(r.inputsMs)}; CPU user ${r.userS.toFixed(1)} s sys ${r.sysS.toFixed(1)} s, RSS before ${r.rssBeforeMiB.toFixed(0)} MiB, peak ${r.peakRssMiB.toFixed(0)} MiB (${r.bodyPeakRssMiB.toFixed(0)} MiB after the body() passes)`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
