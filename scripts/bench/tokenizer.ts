/**
 * The builtin o200k_base tokenizer against gpt-tokenizer (what it was before, kept as the
 * reference in tests), both sides from one run:
 *
 *   bun scripts/bench/tokenizer.ts [--rounds 15] [--launches 9]
 *
 *  - count / encode: µs per KB of text, in this process, the two alternating round by round over
 *    the same 1 KB texts (what a record processor counts per reply): the builtin corpus, this
 *    README (markdown and code), and text of many scripts. Both sides cut long runs first
 *    (long-runs.ts), as the builtin tokenizer does. Medians of --rounds.
 *  - load: two one-file programs compiled with `npm run build`'s flags, one loading our builtin
 *    tokenizer (the compiled path: the tables embedded at bundle time; the time to import the
 *    tokenizer module, which the product's services import anyway, is also printed), one loading
 *    gpt-tokenizer's o200k_base the way builtin.ts did before; each prints its load time, its
 *    first count and its RSS growth. Launched alternately --launches times; medians.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ranks from "gpt-tokenizer/bpeRanks/o200k_base";
import { GptEncoding } from "gpt-tokenizer/GptEncoding";
import { loadBuiltinTokenizer } from "../../src/tokenizer/index.ts";
import { countBounded, encodeBounded } from "../../src/tokenizer/long-runs.ts";
import { numArg, ROOT, round, say, uptimeLoad } from "./support.ts";

const BUILD_FLAGS = ["--compile", "--bytecode", "--splitting", "--format=esm", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig"];
const rounds = numArg("rounds", 15);
const launches = numArg("launches", 9);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

function kilobytes(text: string): string[] {
  const out: string[] = [];
  for (let at = 0; at + 1000 <= text.length; at += 1000) out.push(text.slice(at, at + 1000));
  return out;
}

function manyScripts(): string {
  const words = [
    "naïve café",
    "Москва и Санкт-Петербург",
    "東京都の天気",
    "서울특별시",
    "القاهرة الكبرى",
    "हिन्दी भाषा",
    "ภาษาไทย",
    "Ελληνικά",
    "🐋🌊 whale",
    "x = f(y) + 42;",
  ];
  let text = "";
  for (let i = 0; text.length < 200_000; i++) text += `${words[(i * 7) % words.length]} ${i} `;
  return text;
}

async function inProcess(): Promise<void> {
  const ours = await loadBuiltinTokenizer();
  const reference = GptEncoding.getEncodingApi("o200k_base", () => ranks);
  const ordinary = { disallowedSpecial: new Set<string>() };
  const sets: Record<string, string[]> = {
    corpus: kilobytes(readFileSync(join(ROOT, "src", "dataset", "assets", "moby-dick.txt"), "utf8")),
    readme: kilobytes(readFileSync(join(ROOT, "README.md"), "utf8")),
    many_scripts: kilobytes(manyScripts()),
  };
  let sink = 0;
  for (const [name, texts] of Object.entries(sets)) {
    for (const op of ["count", "encode"] as const) {
      // The reference as builtin.ts ran it: long runs cut first, as ours still does.
      const refOp =
        op === "count"
          ? (t: string) => countBounded(t, (p) => reference.countTokens(p, ordinary))
          : (t: string) => encodeBounded(t, (p) => reference.encode(p, ordinary)).length;
      const ourOp = op === "count" ? (t: string) => ours.count(t) : (t: string) => ours.encode(t).length;
      const a: number[] = [];
      const b: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const t0 = performance.now();
        for (const t of texts) sink += refOp(t);
        const t1 = performance.now();
        for (const t of texts) sink += ourOp(t);
        const t2 = performance.now();
        a.push(((t1 - t0) * 1000) / texts.length);
        b.push(((t2 - t1) * 1000) / texts.length);
      }
      say({
        case: op,
        text: name,
        kb: texts.length,
        gpt_tokenizer_us_per_kb: round(median(a)),
        ours_us_per_kb: round(median(b)),
        ratio: round(median(b) / median(a), 2),
      });
    }
  }
  if (sink === 0) throw new Error("nothing was counted");
}

const PROBE_OURS = `
const rss0 = process.memoryUsage().rss;
const t0 = performance.now();
const { loadBuiltinTokenizer } = await import(${JSON.stringify(join(ROOT, "src", "tokenizer", "index.ts"))});
const imported = performance.now();
const tok = await loadBuiltinTokenizer();
const t1 = performance.now();
const n = tok.count("Call me Ishmael. Some years ago, never mind how long precisely.");
const t2 = performance.now();
console.log(JSON.stringify({ load_ms: t1 - t0, import_ms: imported - t0, first_count_ms: t2 - t1, n, rss_mib: (process.memoryUsage().rss - rss0) / 2 ** 20 }));
`;

const GPT_ESM = join(ROOT, "node_modules", "gpt-tokenizer", "esm");

// builtin.ts before the embedded tables, less its Object.keys shortcut (which saved ~20 %).
const PROBE_GPT = `
const rss0 = process.memoryUsage().rss;
const t0 = performance.now();
const [{ default: ranks }, { GptEncoding }] = await Promise.all([import(${JSON.stringify(GPT_ESM)} + "/bpeRanks/o200k_base.js"), import(${JSON.stringify(GPT_ESM)} + "/GptEncoding.js")]);
const enc = GptEncoding.getEncodingApi("o200k_base", () => ranks);
const t1 = performance.now();
const n = enc.countTokens("Call me Ishmael. Some years ago, never mind how long precisely.", { disallowedSpecial: new Set() });
const t2 = performance.now();
console.log(JSON.stringify({ load_ms: t1 - t0, first_count_ms: t2 - t1, n, rss_mib: (process.memoryUsage().rss - rss0) / 2 ** 20 }));
`;

type Probe = { load_ms: number; import_ms?: number; first_count_ms: number; n: number; rss_mib: number };

async function loadTimes(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "aiperf-bench-tokenizer-"));
  try {
    const compile = async (name: string, source: string): Promise<string> => {
      writeFileSync(join(work, `${name}.ts`), source);
      const p = Bun.spawn([process.execPath, "build", join(work, `${name}.ts`), ...BUILD_FLAGS, "--outfile", join(work, name)], {
        stdout: "ignore",
        stderr: "inherit",
        cwd: work,
      });
      if ((await p.exited) !== 0) throw new Error(`could not compile ${name}`);
      return join(work, name);
    };
    const bins = { ours: await compile("ours", PROBE_OURS), gpt_tokenizer: await compile("gpt-tokenizer", PROBE_GPT) };
    const results: Record<keyof typeof bins, Probe[]> = { ours: [], gpt_tokenizer: [] };
    for (let i = 0; i < launches; i++) {
      for (const side of ["ours", "gpt_tokenizer"] as const) {
        const p = Bun.spawn([bins[side]], { stdout: "pipe", stderr: "inherit" });
        const out = await new Response(p.stdout).text();
        if ((await p.exited) !== 0) throw new Error(`the ${side} probe failed`);
        results[side].push(JSON.parse(out) as Probe);
      }
    }
    if (results.ours[0]?.n !== results.gpt_tokenizer[0]?.n) throw new Error("the probes counted differently");
    const pick = (side: keyof typeof bins, key: keyof Probe): number => round(median(results[side].map((r) => r[key] ?? Number.NaN)), 1);
    say({
      case: "load_compiled",
      launches,
      ours: {
        load_ms: pick("ours", "load_ms"),
        of_which_module_import_ms: pick("ours", "import_ms"),
        first_count_ms: pick("ours", "first_count_ms"),
        rss_growth_mib: pick("ours", "rss_mib"),
      },
      gpt_tokenizer: {
        load_ms: pick("gpt_tokenizer", "load_ms"),
        first_count_ms: pick("gpt_tokenizer", "first_count_ms"),
        rss_growth_mib: pick("gpt_tokenizer", "rss_mib"),
      },
      load_ratio: round(pick("ours", "load_ms") / pick("gpt_tokenizer", "load_ms"), 3),
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

say({ load: uptimeLoad(), rounds, launches });
await inProcess();
await loadTimes();
say({ load: uptimeLoad() });
