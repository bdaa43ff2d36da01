/** One compiled-binary run per non-OpenAI endpoint type against the binary's mock server. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ensureBinary, type MockServer, runProfile, startMockServer } from "./support.ts";

type Exported = Record<string, { avg?: number; min?: number } & Record<string, unknown>>;
const exported = (dir: string): Exported => JSON.parse(readFileSync(join(dir, "profile_export_aiperf.json"), "utf8"));
const errors = (dir: string): unknown[] =>
  readFileSync(join(dir, "profile_export.jsonl"), "utf8").trim().split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { error: unknown }).error).filter((e) => e !== null);

let server: MockServer;
beforeAll(async () => {
  await ensureBinary();
  server = await startMockServer(["--ttft", "20", "--itl", "2"]);
}, 120_000);
afterAll(() => server?.stop());

describe("endpoint types end to end", () => {
  test("huggingface_generate streams from /generate_stream and counts each token once", async () => {
    const r = await runProfile(server.url, ["--endpoint-type", "huggingface_generate", "--streaming", "--request-count", "8", "--isl", "32", "--osl", "12"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("NVIDIA AIPerf | LLM Metrics");
    expect(errors(r.dir)).toEqual([]);
    const json = exported(r.dir);
    expect(json.request_count?.avg).toBe(8);
    expect(json.output_sequence_length?.avg).toBe(12);
    expect(json.time_to_first_token?.min as number).toBeGreaterThanOrEqual(20);
  }, 60_000);

  test("huggingface_generate non-streaming reads generated_text", async () => {
    const r = await runProfile(server.url, ["--endpoint-type", "huggingface_generate", "--request-count", "4", "--isl", "16", "--osl", "6"]);
    expect(r.code).toBe(0);
    expect(exported(r.dir).output_sequence_length?.avg).toBe(6);
  }, 60_000);

  for (const type of ["cohere_rankings", "hf_tei_rankings"]) {
    test(`${type} reports latency under Rankings Metrics`, async () => {
      const r = await runProfile(server.url, ["--endpoint-type", type, "--request-count", "5", "--isl", "16"]);
      expect(r.code).toBe(0);
      expect(r.out).toContain("NVIDIA AIPerf | Rankings Metrics");
      expect(errors(r.dir)).toEqual([]);
      expect(exported(r.dir).request_count?.avg).toBe(5);
    }, 60_000);
  }

  test("nim_embeddings sends input_type and reports Embeddings Metrics", async () => {
    const r = await runProfile(server.url, ["--endpoint-type", "nim_embeddings", "--request-count", "5", "--isl", "16"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("NVIDIA AIPerf | Embeddings Metrics");
    expect(errors(r.dir)).toEqual([]);
    const inputs = JSON.parse(readFileSync(join(r.dir, "inputs.json"), "utf8")) as { data: { payloads: { input_type?: string }[] }[] };
    expect(inputs.data[0]?.payloads[0]?.input_type).toBe("query");
  }, 60_000);

  test("messages streams Anthropic events with x-api-key and anthropic-version", async () => {
    // The mock refuses requests without anthropic-version, so a clean run proves the header went out.
    const r = await runProfile(server.url, ["--endpoint-type", "messages", "--streaming", "--api-key", "sk-ant-test", "--request-count", "6", "--isl", "32", "--osl", "10"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("NVIDIA AIPerf | LLM Metrics");
    expect(errors(r.dir)).toEqual([]);
    const json = exported(r.dir);
    expect(json.output_sequence_length?.avg).toBe(10);
    expect(json.time_to_first_token?.min as number).toBeGreaterThanOrEqual(20);
  }, 60_000);

  test("responses streams typed events; non-streaming reads the output items", async () => {
    const r = await runProfile(server.url, ["--endpoint-type", "responses", "--streaming", "--request-count", "6", "--isl", "32", "--osl", "10"]);
    expect(r.code).toBe(0);
    expect(errors(r.dir)).toEqual([]);
    expect(exported(r.dir).output_sequence_length?.avg).toBe(10);
    const plain = await runProfile(server.url, ["--endpoint-type", "responses", "--request-count", "3", "--isl", "16", "--osl", "4"]);
    expect(plain.code).toBe(0);
    expect(exported(plain.dir).output_sequence_length?.avg).toBe(4);
  }, 60_000);

  test("usage metrics, --use-server-token-count, --use-legacy-max-tokens and redacted credentials", async () => {
    const r = await runProfile(server.url, [
      "--streaming", "--request-count", "4", "--isl", "32", "--osl", "7",
      "--use-legacy-max-tokens", "--use-server-token-count",
      "--api-key", "sk-secret-1", "-H", "x-api-key:sk-secret-2,X-Trace:on",
    ]);
    expect(r.code).toBe(0);
    const json = exported(r.dir);
    // The mock's usage: completion = the requested 7; prompt = its whitespace word count.
    expect(json.usage_completion_tokens?.avg).toBe(7);
    expect(json.usage_prompt_tokens?.avg as number).toBeGreaterThan(0);
    expect(json.usage_total_tokens?.avg).toBe((json.usage_prompt_tokens?.avg as number) + 7);
    // Server counts replace the tokenizer's: ISL is the mock's word count, not the requested 32.
    expect(json.input_sequence_length?.avg).toBe(json.usage_prompt_tokens?.avg as number);
    expect(json.output_sequence_length?.avg).toBe(7);
    const inputs = readFileSync(join(r.dir, "inputs.json"), "utf8");
    expect(inputs).toContain('"max_tokens": 7');
    expect(inputs).not.toContain("max_completion_tokens");
    for (const file of ["profile_export_aiperf.json", "profile_export_aiperf.csv", "logs/aiperf.log"]) {
      const text = readFileSync(join(r.dir, file), "utf8");
      expect(text).not.toContain("sk-secret");
    }
    expect(r.out).not.toContain("sk-secret");
    expect(JSON.stringify(json.input_config)).toContain("<redacted>");
    expect(JSON.stringify(json.input_config)).toContain("X-Trace:on");
  }, 60_000);
});
