import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../process/helpers.ts";
import { runProfile as profile, useMockServer, readRecords } from "./support.ts";

const FIXTURES = join(ROOT, "tests", "fixtures", "datasets");

const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8"));

/** A minimal OpenAI chat server that keeps every request body it receives. */
function captureServer(): { url: string; bodies: { messages: { content: unknown }[]; model: string }[]; stop(): void } {
  const bodies: { messages: { content: unknown }[]; model: string }[] = [];
  const srv = Bun.serve({
    port: 0,
    async fetch(req) {
      if (req.method !== "POST") return new Response("not found", { status: 404 });
      const body = (await req.json()) as { messages: { content: unknown }[]; model: string };
      bodies.push(body);
      return Response.json({
        id: "c",
        object: "chat.completion",
        created: 0,
        model: body.model,
        choices: [{ index: 0, message: { role: "assistant", content: "ok then" }, finish_reason: "stop" }],
        usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
      });
    },
  });
  return { url: `http://127.0.0.1:${srv.port}`, bodies, stop: () => srv.stop(true) };
}

const server = useMockServer();

describe("aiperf profile --input-file (compiled)", () => {
  test("single_turn against the mock server: inputs.json holds the fixture, request_count as asked", async () => {
    const r = await profile(server.url, [
      "--input-file",
      join(FIXTURES, "single-turn.jsonl"),
      "--custom-dataset-type",
      "single_turn",
      "--request-count",
      "8",
      "--concurrency",
      "2",
    ]);
    expect(r.code).toBe(0);
    const inputs = readJson(join(r.dir, "inputs.json")) as { data: { payloads: { messages: { content: unknown }[] }[] }[] };
    expect(inputs.data.length).toBe(4);
    expect(inputs.data[0]?.payloads[0]?.messages[0]?.content).toBe("What is deep learning?");
    expect(readJson(join(r.dir, "profile_export_aiperf.json")).request_count?.avg).toBe(8);
    const records = readRecords(r.dir);
    expect(records.length).toBe(8);
  }, 90_000);

  test("single_turn: a capturing server receives exactly the fixture's texts", async () => {
    const capture = captureServer();
    try {
      const r = await profile(capture.url, [
        "--input-file",
        join(FIXTURES, "single-turn.jsonl"),
        "--custom-dataset-type",
        "single_turn",
        "--request-count",
        "12",
      ]);
      expect(r.code).toBe(0);
      expect(capture.bodies.length).toBe(12);
      const first = (b: { messages: { content: unknown }[] }) => {
        const content = b.messages[0]?.content;
        return typeof content === "string" ? content : (content as { text?: string }[])[0]?.text;
      };
      const seen = new Set(capture.bodies.map(first));
      for (const text of seen) expect(["What is deep learning?", "Explain attention.", "What is a cat?", "Describe this image."]).toContain(text as string);
      expect(capture.bodies.some((b) => b.model === "other-model")).toBe(seen.has("Describe this image."));
    } finally {
      capture.stop();
    }
  }, 90_000);

  test("mooncake_trace: request count defaults to the trace's conversations", async () => {
    const r = await profile(server.url, ["--input-file", join(FIXTURES, "mooncake.jsonl"), "--custom-dataset-type", "mooncake_trace", "--isl-block-size", "8"]);
    expect(r.code).toBe(0);
    expect(readJson(join(r.dir, "profile_export_aiperf.json")).request_count?.avg).toBe(4);
    const inputs = readJson(join(r.dir, "inputs.json")) as { data: { payloads: { max_completion_tokens?: number }[] }[] };
    expect(inputs.data.map((d) => d.payloads[0]?.max_completion_tokens)).toEqual([7, 3, 5, 4]);
  }, 90_000);

  test("bad input stops before any request with file:line and exit code 2", async () => {
    const bad = join(FIXTURES, "bad", "unknown-field.jsonl");
    const r = await profile(server.url, ["--input-file", bad]);
    expect(r.code).toBe(2);
    expect(r.out).toContain(`${bad}:3: unknown field "prompt"`);
    expect(existsSync(join(r.dir, "profile_export.jsonl"))).toBe(false);
  }, 90_000);

  test("flag checks: missing file, public dataset with a custom type, sharegpt without a file", async () => {
    const missing = await profile(server.url, ["--input-file", "/nonexistent/trace.jsonl"]);
    expect(missing.code).toBe(2);
    expect(missing.out).toContain("does not exist");
    const both = await profile(server.url, [
      "--public-dataset",
      "sharegpt",
      "--custom-dataset-type",
      "single_turn",
      "--input-file",
      join(FIXTURES, "sharegpt.json"),
    ]);
    expect(both.out).toContain("--public-dataset and --custom-dataset-type cannot be used together");
    const sharegpt = await profile(server.url, ["--public-dataset", "sharegpt"]);
    expect(sharegpt.code).toBe(2);
    expect(sharegpt.out).toContain("ShareGPT_V3_unfiltered_cleaned_split.json");
  }, 90_000);
});
