import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BenchError } from "../../src/core/errors.ts";
import { findCachedTokenizer, hfHubCacheDir, resolveTokenizer } from "../../src/tokenizer/index.ts";

const FIXTURE = resolve(import.meta.dir, "../fixtures/tiny-bpe/tokenizer.json");
const root = mkdtempSync(join(tmpdir(), "aiperf-resolve-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** An HF hub cache as huggingface_hub lays it out: snapshot files are symlinks into blobs/. */
function fakeHub(hub: string, modelId: string, snapshots: string[], refMain?: string): void {
  const repo = join(hub, `models--${modelId.replaceAll("/", "--")}`);
  mkdirSync(join(repo, "blobs"), { recursive: true });
  copyFileSync(FIXTURE, join(repo, "blobs", "5e1f"));
  for (const [i, snapshot] of snapshots.entries()) {
    mkdirSync(join(repo, "snapshots", snapshot), { recursive: true });
    const file = join(repo, "snapshots", snapshot, "tokenizer.json");
    symlinkSync(join("..", "..", "blobs", "5e1f"), file);
    writeFileSync(join(repo, "snapshots", snapshot, "config.json"), `{"i":${i}}`);
  }
  if (refMain !== undefined) {
    mkdirSync(join(repo, "refs"), { recursive: true });
    writeFileSync(join(repo, "refs", "main"), refMain);
  }
}

const home = join(root, "home");
const hfHome = join(root, "hf-home");
const env = { HOME: home, HF_HOME: hfHome };
fakeHub(join(hfHome, "hub"), "acme/tiny", ["aaa111", "bbb222"], "bbb222");
fakeHub(join(hfHome, "hub"), "gpt2-like", ["ccc333"]);

async function configError(promise: Promise<unknown>): Promise<BenchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BenchError);
  expect((error as BenchError).code).toBe("CONFIG_INVALID");
  return error as BenchError;
}

describe("hub cache location", () => {
  test("follows huggingface_hub's variables in order", () => {
    expect(hfHubCacheDir({ HOME: "/h" })).toBe("/h/.cache/huggingface/hub");
    expect(hfHubCacheDir({ HOME: "/h", XDG_CACHE_HOME: "/x" })).toBe("/x/huggingface/hub");
    expect(hfHubCacheDir({ HOME: "/h", HF_HOME: "/hf" })).toBe("/hf/hub");
    expect(hfHubCacheDir({ HF_HOME: "/hf", HF_HUB_CACHE: "/cache" })).toBe("/cache");
  });

  test("finds the snapshot refs/main points at", async () => {
    const file = await findCachedTokenizer("acme/tiny", { env });
    expect(file).toBe(join(hfHome, "hub", "models--acme--tiny", "snapshots", "bbb222", "tokenizer.json"));
  });

  test("finds a named revision or commit, and nothing for an unknown one", async () => {
    expect(await findCachedTokenizer("acme/tiny", { env, revision: "aaa111" })).toContain("aaa111");
    expect(await findCachedTokenizer("acme/tiny", { env, revision: "v9" })).toBeUndefined();
  });

  test("without refs/main takes a snapshot that has the file", async () => {
    expect(await findCachedTokenizer("gpt2-like", { env })).toContain("ccc333");
  });

  test("ignores ids that could climb out of the cache", async () => {
    expect(await findCachedTokenizer("../acme", { env })).toBeUndefined();
    expect(await findCachedTokenizer("a/b/c", { env })).toBeUndefined();
  });
});

describe("resolveTokenizer", () => {
  test("uses builtin with no tokenizer and no model, or when asked by name", async () => {
    expect((await resolveTokenizer(undefined, { env })).name).toBe("builtin");
    expect((await resolveTokenizer("builtin", { env, model: "acme/tiny" })).name).toBe("builtin");
  });

  test("loads an explicit directory or file", async () => {
    const dir = resolve(FIXTURE, "..");
    expect((await resolveTokenizer(dir, { env })).count(" the sea")).toBe(2);
    expect((await resolveTokenizer(FIXTURE, { env })).name).toBe(FIXTURE);
  });

  test("loads the model's tokenizer from the HF cache", async () => {
    const tok = await resolveTokenizer(undefined, { env, model: "acme/tiny" });
    expect(tok.name).toBe("acme/tiny");
    expect(tok.encode(" the")).toEqual([258]);
    expect((await resolveTokenizer("acme/tiny", { env, model: "other" })).name).toBe("acme/tiny");
  });

  test("honours HF_HUB_CACHE", async () => {
    const hub = join(root, "elsewhere");
    fakeHub(hub, "org/only-here", ["ddd444"], "ddd444");
    expect((await resolveTokenizer("org/only-here", { env: { HOME: home, HF_HUB_CACHE: hub } })).name).toBe("org/only-here");
  });

  test("loads a model given as a local directory", async () => {
    const tok = await resolveTokenizer(undefined, { env, model: resolve(FIXTURE, "..") });
    expect(tok.count(" the sea")).toBe(2);
  });

  test("falls back to builtin, and says so, when the model has no local tokenizer", async () => {
    const told: string[] = [];
    const tok = await resolveTokenizer(undefined, { env, model: "mock-model", onFallback: (m) => told.push(m) });
    expect(tok.name).toBe("builtin");
    expect(told).toHaveLength(1);
    expect(told[0]).toContain('"mock-model"');
  });

  test("errors on a missing explicit path", async () => {
    const error = await configError(resolveTokenizer(join(root, "missing", "tokenizer.json"), { env }));
    expect(error.message).toContain("no such file or directory");
    await configError(resolveTokenizer("./no-such-dir", { env }));
  });

  test("errors on an explicit HF id that is not cached (nothing is downloaded)", async () => {
    const error = await configError(resolveTokenizer("meta-llama/Llama-3.1-8B", { env }));
    expect(error.message).toContain("not in the Hugging Face cache");
    expect(error.hint).toContain("builtin");
  });

  test("errors on an explicit revision that is not cached", async () => {
    await configError(resolveTokenizer("acme/tiny", { env, revision: "v9" }));
  });

  test("errors on an explicit path that is not a tokenizer", async () => {
    const file = join(root, "not-a-tokenizer.json");
    writeFileSync(file, "[1, 2, 3]");
    expect((await configError(resolveTokenizer(file, { env }))).message).toContain("not a Hugging Face tokenizer.json");
    expect((await configError(resolveTokenizer(root, { env }))).message).toContain("has no tokenizer.json");
  });
});
