/**
 * random_pool (§3.2): a file (one pool) or a directory (one pool per file, its stem naming the
 * media) of single_turn-shaped entries without timing. Builds --conversation-num single-turn
 * conversations, each merging one entry drawn with replacement from every pool (seeded).
 */
import { readdirSync, statSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { createRng, deriveSeed } from "../../core/rng.ts";
import type { LoaderContext, Piece } from "./context.ts";
import { parseTurn } from "./fields.ts";
import { formatBytes, MAX_POOL_BYTES } from "./limits.ts";
import { readJsonLines } from "./lines.ts";
import { DatasetInputError, type Turn } from "./model.ts";

type Pool = { name: string | undefined; entries: Turn[] };

export async function* loadRandomPool(ctx: LoaderContext): AsyncGenerator<Piece> {
  const isDir = statSync(ctx.path).isDirectory();
  const files = isDir
    ? readdirSync(ctx.path)
        .filter((f) => !f.startsWith("."))
        .sort()
        .map((f) => join(ctx.path, f))
        .filter((f) => statSync(f).isFile())
    : [ctx.path];
  if (files.length === 0) throw new DatasetInputError(ctx.path, undefined, "the directory holds no pool files");
  // Every entry is kept to draw from: checked before reading, not found out by running out of memory.
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
  if (bytes > MAX_POOL_BYTES) {
    throw new DatasetInputError(
      ctx.path,
      undefined,
      `a random_pool is held in memory to draw from: ${formatBytes(bytes)} is more than the ${formatBytes(MAX_POOL_BYTES)} limit (use a smaller pool, or single_turn, which streams)`,
    );
  }
  const pools: Pool[] = [];
  for (const file of files) {
    const entries: Turn[] = [];
    for await (const { value, line } of readJsonLines(file)) entries.push(parseTurn(value, { file, line }, { timing: false }));
    pools.push({ name: isDir ? basename(file, extname(file)) : undefined, entries });
  }
  const rng = createRng(deriveSeed(ctx.seed, "random-pool"));
  for (let c = 0; c < ctx.conversationNum; c++) {
    const turn: Turn = { texts: [], images: [], audios: [] };
    for (const pool of pools) {
      const entry = pool.entries[rng.int(pool.entries.length)] as Turn;
      // A directory pool's file stem names its media (e.g. queries.jsonl → "queries").
      const rename = (m: { name: string; contents: string[] }) => ({ name: pool.name ?? m.name, contents: m.contents });
      turn.texts.push(...entry.texts.map(rename));
      turn.images.push(...entry.images.map(rename));
      turn.audios.push(...entry.audios.map(rename));
      if (entry.maxTokens !== undefined) turn.maxTokens = entry.maxTokens;
      if (entry.model !== undefined) turn.model = entry.model;
      if (entry.role !== undefined) turn.role = entry.role;
    }
    yield { session: undefined, turns: [turn] };
  }
}
