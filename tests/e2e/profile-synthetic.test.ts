/**
 * The compiled binary with the synthetic extras on: images, audio, --seq-dist, a shared system
 * prompt and random model selection, checked in what the mock server received (through a
 * recording proxy in front of it) and in inputs.json.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { readWavHeader } from "../../src/dataset/synthetic/index.ts";
import { loadBuiltinTokenizer, type Tokenizer } from "../../src/tokenizer/index.ts";
import { ensureBinary, type MockServer, runProfile, startMockServer } from "./support.ts";

type Part = { type: string; text?: string; image_url?: { url: string }; input_audio?: { data: string; format: string } };
type Body = { model: string; messages: { role: string; content: string | Part[] }[]; max_completion_tokens?: number };

let mock: MockServer;
let proxy: ReturnType<typeof Bun.serve>;
const received: { path: string; body: Body }[] = [];
let tokenizer: Tokenizer;

beforeAll(async () => {
  await ensureBinary();
  tokenizer = await loadBuiltinTokenizer();
  mock = await startMockServer(["--ttft", "1", "--itl", "1"]);
  // Records each request body, then lets the mock server answer it.
  proxy = Bun.serve({
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const text = await req.text();
      if (req.method === "POST") received.push({ path: url.pathname, body: JSON.parse(text) as Body });
      const res = await fetch(mock.url + url.pathname + url.search, {
        method: req.method,
        headers: req.headers,
        body: req.method === "POST" ? text : undefined,
      });
      return new Response(await res.arrayBuffer(), { status: res.status, headers: { "content-type": res.headers.get("content-type") ?? "application/json" } });
    },
  });
}, 180_000);

afterAll(async () => {
  proxy?.stop(true);
  await mock?.stop();
});

const SEQ = { 12: 4, 24: 6 } as Record<number, number>;

describe("aiperf profile with synthetic extras (compiled)", () => {
  test("images, audio, --seq-dist, shared system prompt and random models reach the server as stored in inputs.json", async () => {
    const r = await runProfile(`http://127.0.0.1:${proxy.port}`, [
      "-m",
      "second-model",
      "--model-selection-strategy",
      "random",
      "--tokenizer",
      "builtin",
      "--conversation-num",
      "6",
      "--request-count",
      "12",
      "--concurrency",
      "2",
      "--image-width-mean",
      "24",
      "--image-height-mean",
      "16",
      "--image-format",
      "random",
      "--audio-length-mean",
      "0.1",
      "--audio-sample-rates",
      "8",
      "--audio-depths",
      "16",
      "--seq-dist",
      "12,4:50;24,6:50",
      "--shared-system-prompt-length",
      "10",
    ]);
    expect(r.code).toBe(0);
    const chats = received.filter((x) => x.path === "/v1/chat/completions").map((x) => x.body);
    expect(chats.length).toBe(12);

    const systems = new Set<string>();
    for (const body of chats) {
      const [system, user] = body.messages as [Body["messages"][number], Body["messages"][number]];
      expect(body.messages.length).toBe(2);
      expect(system.role).toBe("system");
      expect(tokenizer.count(system.content as string)).toBe(10);
      systems.add(system.content as string);
      const parts = user.content as Part[];
      expect(parts.map((p) => p.type)).toEqual(["text", "image_url", "input_audio"]);
      const isl = tokenizer.count(parts[0]?.text as string);
      expect(Object.keys(SEQ).map(Number)).toContain(isl);
      expect(body.max_completion_tokens).toBe(SEQ[isl] as number);
      expect(parts[1]?.image_url?.url).toMatch(/^data:image\/(png|jpeg);base64,/);
      expect(parts[2]?.input_audio?.format).toBe("wav");
      const wav = readWavHeader(Buffer.from(parts[2]?.input_audio?.data as string, "base64"));
      expect([wav.sampleRate, wav.bitDepth, wav.channels, wav.frames]).toEqual([8000, 16, 1, 800]);
    }
    expect(systems.size).toBe(1);
    for (const body of chats) expect(["mock-model", "second-model"]).toContain(body.model);

    const inputs = JSON.parse(readFileSync(join(r.dir, "inputs.json"), "utf8")) as { data: { session_id: string; payloads: Body[] }[] };
    expect(inputs.data.length).toBe(6);
    const payloads = inputs.data.flatMap((d) => d.payloads);
    // Every request sent is one of the stored payloads, byte for byte as JSON.
    const stored = new Set(payloads.map((p) => JSON.stringify(p)));
    for (const body of chats) expect(stored.has(JSON.stringify(body))).toBe(true);
    expect(new Set(payloads.map((p) => p.messages[0]?.content))).toEqual(systems);
    // Random selection (seeded): both models among the six conversations, not in round-robin order.
    const models = payloads.map((p) => p.model);
    expect(new Set(models)).toEqual(new Set(["mock-model", "second-model"]));
    expect(models).not.toEqual(["mock-model", "second-model", "mock-model", "second-model", "mock-model", "second-model"]);
    const formats = new Set(payloads.map((p) => /^data:image\/(\w+);/.exec((p.messages[1]!.content as Part[])[1]?.image_url?.url ?? "")?.[1]));
    expect(formats).toEqual(new Set(["png", "jpeg"]));
  }, 120_000);
});
