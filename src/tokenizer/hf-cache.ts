/**
 * Finds a model's `tokenizer.json` in the local Hugging Face hub cache, laid out the way
 * `huggingface_hub` writes it: `<hub>/models--ORG--NAME/{refs/<rev>, snapshots/<commit>/…}`.
 * Read-only and offline: a model that is not cached is simply not found.
 */
import { readdir, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { TOKENIZER_FILE } from "./hf-tokenizer.ts";

/** The environment variables that locate the cache, as `huggingface_hub` reads them. */
export type HfCacheEnv = Readonly<Record<string, string | undefined>>;

const DEFAULT_REVISION = "main";
/** `org/name` or a bare legacy id such as `gpt2`; nothing that could climb out of the cache. */
const MODEL_ID = /^[\w.-]+(\/[\w.-]+)?$/;

/** The hub cache directory: HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub. */
export function hfHubCacheDir(env: HfCacheEnv): string {
  const explicit = nonEmpty(env.HF_HUB_CACHE) ?? nonEmpty(env.HUGGINGFACE_HUB_CACHE);
  if (explicit !== undefined) return explicit;
  const cacheHome = nonEmpty(env.XDG_CACHE_HOME) ?? join(nonEmpty(env.HOME) ?? homedir(), ".cache");
  return join(nonEmpty(env.HF_HOME) ?? join(cacheHome, "huggingface"), "hub");
}

/**
 * Path of `modelId`'s cached `tokenizer.json`, or undefined. With no `revision`, the snapshot
 * `refs/main` points at wins, else the newest snapshot that has the file (a cache filled by
 * `snapshot_download(revision=<commit>)` has no refs/main). A named revision must match exactly.
 */
export async function findCachedTokenizer(modelId: string, options: { env: HfCacheEnv; revision?: string }): Promise<string | undefined> {
  if (!MODEL_ID.test(modelId) || modelId.split("/").some((part) => part === "." || part === "..")) {
    return undefined;
  }
  const repo = join(hfHubCacheDir(options.env), `models--${modelId.replaceAll("/", "--")}`);
  const revision = options.revision ?? DEFAULT_REVISION;
  const commit = await readRef(repo, revision);
  for (const snapshot of [commit, revision]) {
    if (snapshot !== undefined && (await hasTokenizer(repo, snapshot))) return snapshotFile(repo, snapshot);
  }
  return options.revision === undefined ? newestSnapshotWithTokenizer(repo) : undefined;
}

async function readRef(repo: string, revision: string): Promise<string | undefined> {
  if (!MODEL_ID.test(revision)) return undefined;
  const ref = Bun.file(join(repo, "refs", ...revision.split("/")));
  return (await ref.exists()) ? nonEmpty((await ref.text()).trim()) : undefined;
}

async function newestSnapshotWithTokenizer(repo: string): Promise<string | undefined> {
  const names = await readdir(join(repo, "snapshots")).catch(() => [] as string[]);
  let best: { file: string; mtimeMs: number } | undefined;
  for (const name of names.sort()) {
    const file = snapshotFile(repo, name);
    const info = await stat(file).catch(() => undefined);
    if (info?.isFile() === true && (best === undefined || info.mtimeMs > best.mtimeMs)) {
      best = { file, mtimeMs: info.mtimeMs };
    }
  }
  return best?.file;
}

function snapshotFile(repo: string, snapshot: string): string {
  return join(repo, "snapshots", snapshot, TOKENIZER_FILE);
}

async function hasTokenizer(repo: string, snapshot: string): Promise<boolean> {
  if (!MODEL_ID.test(snapshot) || snapshot.includes("/")) return false;
  // stat follows the cache's symlinks into blobs/, so a dangling link counts as absent.
  const info = await stat(snapshotFile(repo, snapshot)).catch(() => undefined);
  return info?.isFile() === true;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
