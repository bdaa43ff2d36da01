/** One compiled-binary run per non-OpenAI endpoint type (and per new type: images, audio, raw, template) against the binary's mock server. */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProfile, startMockServer, useMockServer, readExport, readRecords } from "./support.ts";
import { pcmWav } from "../fixtures/wav.ts";

type Exported = Record<string, { avg?: number; min?: number } & Record<string, unknown>>;
const exported = (dir: string): Exported => readExport(dir);
const errors = (dir: string): unknown[] =>
  readRecords<{ error: unknown }>(dir)
    .map((r) => r.error)
    .filter((e) => e !== null);

type JsonlRecord = { metadata: { turn_index?: number; conversation_id?: string }; metrics: Record<string, { value: number }>; error: unknown };
const records = (dir: string): JsonlRecord[] => readRecords(dir);

/** A file in a fresh folder, for --input-file. */
function inputFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "aiperf-e2e-input-")), name);
  writeFileSync(path, text);
  return path;
}

/** A mono 16-bit PCM WAV of `seconds` of a 440 Hz tone at 8 kHz, as "wav,<base64>". */
function wavClip(seconds: number): string {
  return `wav,${Buffer.from(pcmWav(8000, Math.round(seconds * 8000), { tone: true })).toString("base64")}`;
}

const server = useMockServer(["--ttft", "20", "--itl", "2"]);

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

  for (const type of ["rankings", "cohere_rankings", "hf_tei_rankings"]) {
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
    const r = await runProfile(server.url, [
      "--endpoint-type",
      "messages",
      "--streaming",
      "--api-key",
      "sk-ant-test",
      "--request-count",
      "6",
      "--isl",
      "32",
      "--osl",
      "10",
    ]);
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

  test("image_generation reports Image Generation Metrics with the images each reply carried", async () => {
    const r = await runProfile(server.url, [
      "--endpoint-type",
      "image_generation",
      "--request-count",
      "4",
      "--isl",
      "12",
      "--extra-inputs",
      "n:2",
      "--extra-inputs",
      "size:64x64",
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("NVIDIA AIPerf | Image Generation Metrics");
    expect(r.out).toContain("Image Throughput");
    expect(errors(r.dir)).toEqual([]);
    const json = exported(r.dir);
    expect(json.request_count?.avg).toBe(4);
    expect(json.num_images?.avg).toBe(2);
    // Upstream reports the prompt's tokens as ISL for image generation (its tutorial output shows the row).
    expect(r.out).toContain("Input Sequence Length");
    expect(json.input_sequence_length?.avg).toBe(12);
    expect(json.output_sequence_length).toBeUndefined();
    // image_latency = request latency / images, image_throughput = images / latency.
    expect(json.image_latency?.avg as number).toBeCloseTo((json.request_latency?.avg as number) / 2, 3);
    expect(json.image_throughput?.avg as number).toBeGreaterThan(0);
    const inputs = readFileSync(join(r.dir, "inputs.json"), "utf8");
    expect(inputs).toContain('"response_format": "b64_json"');
    expect(inputs).toContain('"size": "64x64"');
    const streamed = await runProfile(server.url, [
      "--endpoint-type",
      "image_generation",
      "--streaming",
      "--request-count",
      "2",
      "--isl",
      "8",
      "--extra-inputs",
      "n:3",
    ]);
    expect(streamed.code).toBe(0);
    expect(exported(streamed.dir).num_images?.avg).toBe(3);
  }, 60_000);

  test("audio_transcription uploads each turn's audio from an input file as multipart/form-data", async () => {
    // The mock answers ~2.5 words per second of WAV, so the transcripts prove the files arrived whole.
    const file = inputFile("clips.jsonl", [2, 4].map((s) => JSON.stringify({ audio: wavClip(s) })).join("\n"));
    const own = await startMockServer(["--ttft", "5", "--osl", "100"]);
    let r: Awaited<ReturnType<typeof runProfile>>;
    let words: number;
    try {
      r = await runProfile(own.url, [
        "--endpoint-type",
        "audio_transcription",
        "--input-file",
        file,
        "--custom-dataset-type",
        "single_turn",
        "--request-count",
        "2",
        "--concurrency",
        "1",
        "--extra-inputs",
        "language:en",
      ]);
      const metrics = await (await fetch(`${own.url}/metrics`)).text();
      words = Number(/^aiperf_mock_generation_tokens_total (\d+)/m.exec(metrics)?.[1]);
    } finally {
      await own.stop();
    }
    expect(r.code).toBe(0);
    expect(errors(r.dir)).toEqual([]);
    expect(exported(r.dir).request_count?.avg).toBe(2);
    // 2 s → 5 words, 4 s → 10 words: both clips reached the server whole.
    expect(words).toBe(15);
    // audio_duration is each clip's length; rtfx = audio seconds / request latency seconds, per request.
    const json = exported(r.dir);
    expect(json.audio_duration?.avg).toBe(3);
    expect(r.out).toContain("Real-Time Factor (RTFx)");
    for (const row of records(r.dir)) {
      const latencySec = (row.metrics.request_latency?.value as number) / 1000;
      expect(row.metrics.rtfx?.value as number).toBeCloseTo((row.metrics.audio_duration?.value as number) / latencySec, 3);
    }
    expect(
      records(r.dir)
        .map((row) => row.metrics.audio_duration?.value)
        .sort(),
    ).toEqual([2, 4]);
    const inputs = JSON.parse(readFileSync(join(r.dir, "inputs.json"), "utf8")) as {
      data: { payloads: { file: { filename: string; content_type: string }; language: string }[] }[];
    };
    expect(inputs.data[0]?.payloads[0]?.file).toMatchObject({ filename: "audio.wav", content_type: "audio/wav" });
    expect(inputs.data[0]?.payloads[0]?.language).toBe("en");
    const refused = await runProfile(server.url, ["--endpoint-type", "audio_transcription", "--request-count", "1"]);
    expect(refused.code).toBe(2);
    expect(refused.out).toContain("--audio-length-mean");
  }, 60_000);

  test("audio_transcription with synthetic audio (--audio-length-mean)", async () => {
    const r = await runProfile(server.url, ["--endpoint-type", "audio_transcription", "--audio-length-mean", "1", "--request-count", "3"]);
    expect(r.code).toBe(0);
    expect(errors(r.dir)).toEqual([]);
    expect(exported(r.dir).request_count?.avg).toBe(3);
    expect(exported(r.dir).audio_duration?.avg as number).toBeCloseTo(1, 2);
    expect(exported(r.dir).rtfx?.avg as number).toBeGreaterThan(0);
  }, 60_000);

  test("raw sends inputs_json payloads as they are to the --url path; response_field picks the text", async () => {
    const payload = (text: string, n: number) => ({
      model: "mock-model",
      messages: [{ role: "user", content: text }],
      max_tokens: n,
      stream: false,
      temperature: 0.1,
    });
    const file = inputFile(
      "inputs.json",
      JSON.stringify({
        data: [
          { session_id: "a", payloads: [payload("hello there", 5)] },
          { session_id: "b", payloads: [payload("general kenobi", 5)] },
        ],
      }),
    );
    const flags = ["--endpoint-type", "raw", "--input-file", file, "--custom-dataset-type", "inputs_json", "--request-count", "4"];
    const r = await runProfile(`${server.url}/v1/chat/completions`, flags);
    expect(r.code).toBe(0);
    expect(errors(r.dir)).toEqual([]);
    expect(exported(r.dir).output_sequence_length?.avg).toBe(5);
    const byField = await runProfile(`${server.url}/v1/chat/completions`, [...flags, "--extra-inputs", "response_field:choices[0].message.content"]);
    expect(byField.code).toBe(0);
    expect(exported(byField.dir).output_sequence_length?.avg).toBe(5);
    const refused = await runProfile(server.url, ["--endpoint-type", "raw", "--request-count", "1"]);
    expect(refused.code).toBe(2);
    expect(refused.out).toContain("inputs_json");
  }, 60_000);

  test("raw replays a raw_payload directory: one conversation per .jsonl file, each line sent as written", async () => {
    const dir = mkdtempSync(join(tmpdir(), "aiperf-e2e-raw-payload-"));
    const line = (messages: string[], n: number) =>
      JSON.stringify({ model: "mock-model", messages: messages.map((content) => ({ role: "user", content })), max_tokens: n });
    writeFileSync(join(dir, "a.jsonl"), `${line(["first"], 3)}\n${line(["first", "second"], 5)}\n`);
    writeFileSync(join(dir, "b.jsonl"), `${line(["other"], 7)}\n`);
    const r = await runProfile(`${server.url}/v1/chat/completions`, [
      "--endpoint-type",
      "raw",
      "--input-file",
      dir,
      "--custom-dataset-type",
      "raw_payload",
      "--request-count",
      "3",
      "--concurrency",
      "1",
    ]);
    expect(r.code).toBe(0);
    expect(errors(r.dir)).toEqual([]);
    // Each reply is as long as its own body's max_tokens: every body went out unchanged.
    const rows = records(r.dir);
    expect(rows.map((x) => [x.metadata.turn_index, x.metrics.output_sequence_length?.value]).sort()).toEqual([
      [0, 3],
      [0, 7],
      [1, 5],
    ]);
    const inputs = JSON.parse(readFileSync(join(r.dir, "inputs.json"), "utf8")) as { data: { payloads: unknown[] }[] };
    expect(inputs.data.map((d) => d.payloads.length)).toEqual([2, 1]);
    expect(inputs.data[0]?.payloads[1]).toEqual(JSON.parse(line(["first", "second"], 5)));
    // With a regular endpoint type (chat) and no type given (auto-detected from the messages lists) too:
    // a later turn goes out as written, no history threaded in, so the server sees 2 prompt words
    // ("first", "second"), not the first turn and its reply again.
    const chat = await runProfile(server.url, ["--input-file", dir, "--request-count", "3", "--concurrency", "1"]);
    expect(chat.code).toBe(0);
    expect(
      records(chat.dir)
        .filter((x) => x.metadata.turn_index === 1)
        .map((x) => x.metrics.usage_prompt_tokens?.value),
    ).toEqual([2]);
    const bad = join(dir, "c.jsonl");
    writeFileSync(bad, "{not json}\n");
    const refused = await runProfile(`${server.url}/v1/chat/completions`, [
      "--endpoint-type",
      "raw",
      "--input-file",
      dir,
      "--custom-dataset-type",
      "raw_payload",
      "--request-count",
      "1",
    ]);
    expect(refused.code).toBe(2);
    expect(refused.out).toContain(`${bad}:1: invalid JSON`);
  }, 60_000);

  test("template renders payload_template per turn, streams, and reads replies by auto-detection or response_field", async () => {
    const tpl =
      'payload_template:{"model": {{ model|tojson }}, "messages": [{"role": "user", "content": {{ text|tojson }}}], "max_tokens": {{ max_tokens|tojson }}, "stream": {{ stream|lower }}}';
    const r = await runProfile(`${server.url}/v1/chat/completions`, [
      "--endpoint-type",
      "template",
      "--extra-inputs",
      tpl,
      "--streaming",
      "--request-count",
      "4",
      "--isl",
      "16",
      "--osl",
      "6",
    ]);
    expect(r.code).toBe(0);
    expect(errors(r.dir)).toEqual([]);
    const json = exported(r.dir);
    expect(json.output_sequence_length?.avg).toBe(6);
    expect(json.time_to_first_token?.min as number).toBeGreaterThanOrEqual(20);
    const file = inputFile("body.json", '{"model": {{ model|tojson }}, "prompt": {{ text|tojson }}, "max_tokens": {{ max_tokens }}}');
    const fromFile = await runProfile(`${server.url}/v1/completions`, [
      "--endpoint-type",
      "template",
      "--extra-inputs",
      `payload_template:${file}`,
      "--extra-inputs",
      "response_field:choices[0].text",
      "--extra-inputs",
      "temperature:0",
      "--request-count",
      "3",
      "--isl",
      "16",
      "--osl",
      "4",
    ]);
    expect(fromFile.code).toBe(0);
    expect(exported(fromFile.dir).output_sequence_length?.avg).toBe(4);
    const inputs = readFileSync(join(fromFile.dir, "inputs.json"), "utf8");
    expect(inputs).toContain('"temperature": 0');
    expect(inputs).not.toContain("response_field");
    const bad = await runProfile(`${server.url}/v1/completions`, [
      "--endpoint-type",
      "template",
      "--extra-inputs",
      "payload_template:{% if x %}",
      "--request-count",
      "1",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain("payload_template");
    // Valid for the trial render, invalid JSON for a real turn ("\\q" in a model name): a clean config error, no stack trace.
    const realOnly = await runProfile(`${server.url}/v1/completions`, [
      "--endpoint-type",
      "template",
      "--extra-inputs",
      'payload_template:{"model": "{{ model }}", "prompt": {{ text|tojson }}}',
      "-m",
      "models\\qwen",
      "--request-count",
      "2",
      "--isl",
      "8",
    ]);
    expect(realOnly.code).toBe(2);
    expect(realOnly.out).toContain("Invalid dataset: --endpoint-type template: --extra-inputs payload_template did not render valid JSON");
    expect(realOnly.out).not.toMatch(/\n\s+at /);
  }, 90_000);

  test("template gets named texts from an input file: query and passage against the NIM ranking route", async () => {
    const file = inputFile(
      "rank.jsonl",
      JSON.stringify({
        texts: [
          { name: "query", contents: ["which pet"] },
          { name: "passages", contents: ["a cat", "a dog"] },
        ],
      }),
    );
    const tpl =
      'payload_template:{"model": {{ model|tojson }}, "query": {"text": {{ query|tojson }}}, "passages": [{"text": {{ passage|tojson }}}, {"text": {{ passages[-1]|tojson }}}]}';
    const r = await runProfile(`${server.url}/v1/ranking`, [
      "--endpoint-type",
      "template",
      "--extra-inputs",
      tpl,
      "--input-file",
      file,
      "--request-count",
      "2",
    ]);
    expect(r.code).toBe(0);
    expect(errors(r.dir)).toEqual([]);
    const inputs = JSON.parse(readFileSync(join(r.dir, "inputs.json"), "utf8")) as { data: { payloads: unknown[] }[] };
    expect(inputs.data[0]?.payloads[0]).toEqual({ model: "mock-model", query: { text: "which pet" }, passages: [{ text: "a cat" }, { text: "a dog" }] });
  }, 60_000);

  test("responses multi-turn with store:true chains previous_response_id; the mock keeps the context", async () => {
    // The mock refuses unknown ids with 400, so a clean run proves every chained id was a stored reply.
    // Streaming too: the id then comes from the response.created / response.completed events.
    const own = await startMockServer(["--ttft", "5", "--itl", "1"]);
    const chained = async () => Number(/^aiperf_mock_responses_chained_total (\d+)/m.exec(await (await fetch(`${own.url}/metrics`)).text())?.[1] ?? 0);
    let expected = 0;
    try {
      for (const streaming of [[], ["--streaming"]]) {
        const r = await runProfile(own.url, [
          "--endpoint-type",
          "responses",
          "--extra-inputs",
          "store:true",
          "--conversation-num",
          "2",
          "--conversation-turn-mean",
          "3",
          "--request-count",
          "6",
          "--isl",
          "8",
          "--osl",
          "4",
          "--concurrency",
          "2",
          ...streaming,
        ]);
        expect(r.code).toBe(0);
        expect(errors(r.dir)).toEqual([]);
        const rows = records(r.dir);
        expect(rows).toHaveLength(6);
        const prompt = (turn: number) => rows.filter((x) => x.metadata.turn_index === turn).map((x) => x.metrics.usage_prompt_tokens?.value as number);
        // Each later turn's prompt holds the earlier inputs and replies the server stored.
        for (const p of prompt(1)) expect(p).toBeGreaterThan(Math.max(...prompt(0)));
        for (const p of prompt(2)) expect(p).toBeGreaterThan(Math.max(...prompt(1)));
        // 2 sessions × 2 later turns, each continuing a stored reply rather than resending history.
        expected += 4;
        expect(await chained()).toBe(expected);
      }
    } finally {
      await own.stop();
    }
  }, 60_000);

  test("usage metrics, --use-server-token-count, --use-legacy-max-tokens and redacted credentials", async () => {
    const r = await runProfile(server.url, [
      "--streaming",
      "--request-count",
      "4",
      "--isl",
      "32",
      "--osl",
      "7",
      "--use-legacy-max-tokens",
      "--use-server-token-count",
      "--api-key",
      "sk-secret-1",
      "-H",
      "x-api-key:sk-secret-2,X-Trace:on",
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
