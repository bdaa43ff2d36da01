/**
 * Newer upstream's `profile` flags (issue 18) on the compiled binary, checked at the server: what
 * each request carried (path, headers, body fields, form parts), from which client port, and when.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, ensureBinary } from "./support.ts";

type Seen = {
  path: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  form: Record<string, string | { type: string; size: number; bytes: Uint8Array }> | null;
  port: number;
  at: number;
};

/** A server that records every POST and answers chat, embeddings, rankings and image edits. */
function captureServer() {
  const seen: Seen[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req, srv) {
      if (req.method === "GET") return new Response("not found", { status: 404 });
      const at = performance.now();
      const path = new URL(req.url).pathname;
      const headers = Object.fromEntries(req.headers);
      const port = srv.requestIP(req)?.port ?? -1;
      let body: Record<string, unknown> = {};
      let form: Seen["form"] = null;
      if ((headers["content-type"] ?? "").startsWith("multipart/form-data")) {
        form = {};
        for (const [k, v] of await req.formData())
          form[k] = typeof v === "string" ? v : { type: v.type, size: v.size, bytes: new Uint8Array(await v.arrayBuffer()) };
      } else body = (await req.json()) as Record<string, unknown>;
      // Pre-flight probes are not the benchmark's requests.
      if (headers["x-aiperf-probe"] === undefined) seen.push({ path, headers, body, form, port, at });
      if (path === "/v1/embeddings") return Response.json({ object: "list", data: [{ object: "embedding", index: 0, embedding: [0.1, 0.2] }] });
      if (path === "/v1/ranking") return Response.json({ rankings: [{ index: 0, logit: 1 }] });
      if (path === "/v1/images/edits") return Response.json({ created: 1, data: [{ b64_json: "iVBORw0KGgo=" }] });
      return Response.json({
        object: "chat.completion",
        choices: [{ index: 0, message: { role: "assistant", content: "hello there world" }, finish_reason: "stop" }],
      });
    },
  });
  return { seen, url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true), clear: () => void seen.splice(0) };
}

let work: string;
async function profile(args: string[]): Promise<{ code: number; out: string }> {
  const dir = mkdtempSync(join(work, "run-"));
  const proc = Bun.spawn(
    [
      BINARY,
      "profile",
      "--tokenizer",
      "builtin",
      "--isl",
      "16",
      "--ui",
      "none",
      "--no-server-metrics",
      "--no-gpu-telemetry",
      "--artifact-dir",
      join(dir, "out"),
      ...args,
    ],
    {
      cwd: dir,
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, NO_COLOR: "1" },
    },
  );
  const timer = setTimeout(() => proc.kill("SIGKILL"), 90_000);
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  clearTimeout(timer);
  const code = await proc.exited;
  // A failing run's own words, for the test log.
  if (code !== 0 && code !== 2) console.error(`aiperf profile ${args.join(" ")} exited ${code}:\n${out}${err}`);
  return { code, out: out + err };
}

let a: ReturnType<typeof captureServer>;
let b: ReturnType<typeof captureServer>;
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "aiperf-upstream-flags-"));
  await ensureBinary();
  a = captureServer();
  b = captureServer();
}, 120_000);
afterAll(() => {
  a?.stop();
  b?.stop();
  rmSync(work, { recursive: true, force: true });
});
const reset = (): void => (a.clear(), b.clear());

describe("request options", () => {
  test("--session-header, --connection-reuse-strategy never, --request-content-type multipart, space-separated -u, the default request count, weighted models, upstream log level", async () => {
    reset();
    const r = await profile([
      "-m",
      "heavy=1,never=0",
      "--model-selection-strategy",
      "weighted",
      "-u",
      a.url,
      b.url,
      "--url-strategy",
      "round_robin",
      "--session-header",
      "X-Session-ID",
      "--connection-reuse-strategy",
      "never",
      "--request-content-type",
      "multipart/form-data",
      "--concurrency",
      "8",
      "--workers-max",
      "1",
      "--log-level",
      "WARNING",
      "--tokenizer-revision",
      "main",
      "--tokenizer-trust-remote-code",
    ]);
    expect(r.code).toBe(0);
    const seen = [...a.seen, ...b.seen];
    // No --request-count: upstream's max(10, 2 × concurrency).
    expect(seen.length).toBe(16);
    expect(a.seen.length).toBe(8);
    expect(b.seen.length).toBe(8);
    for (const s of seen) {
      expect(s.headers["x-session-id"]).toMatch(/^[0-9a-f-]{36}$/);
      expect(s.headers["x-correlation-id"]).toBeUndefined();
      expect(s.headers["content-type"]).toStartWith("multipart/form-data; boundary=");
      expect(s.form?.model).toBe("heavy");
      expect(JSON.parse(String(s.form?.messages))[0].role).toBe("user");
    }
    // never: each request came on a connection of its own.
    for (const server of [a, b]) expect(new Set(server.seen.map((s) => s.port)).size).toBe(server.seen.length);
    // WARNING hides info lines (the run's facts) but shows warnings.
    expect(r.out).not.toContain("aiperf v");
    expect(r.out).toContain("--tokenizer-trust-remote-code has no effect");
  }, 120_000);

  test("pooled connections are reused (the counterpart of never)", async () => {
    reset();
    const r = await profile([
      "-m",
      "m",
      "-u",
      a.url,
      "--concurrency",
      "1",
      "--request-count",
      "6",
      "--workers-max",
      "1",
      "--connection-reuse-strategy",
      "pooled",
    ]);
    expect(r.code).toBe(0);
    expect(a.seen.length).toBe(6);
    expect(new Set(a.seen.map((s) => s.port)).size).toBeLessThan(6);
    expect(a.seen[0]?.headers["x-correlation-id"]).toBeDefined();
  }, 120_000);
});

describe("synthetic prompts", () => {
  test("--cache-bust first_turn_prefix, --num-prompts and --dataset-sampling-strategy shuffle", async () => {
    reset();
    const r = await profile([
      "-m",
      "m",
      "-u",
      a.url,
      "--cache-bust",
      "first_turn_prefix",
      "--num-prompts",
      "3",
      "--dataset-sampling-strategy",
      "shuffle",
      "--request-count",
      "6",
      "--prompt-corpus",
      "coding",
      "--random-seed",
      "7",
    ]);
    expect(r.code).toBe(0);
    const markers = a.seen.map((s) => /^\[rid:([0-9a-f]{12})\] /.exec(String((s.body.messages as { content: string }[])[0]?.content))?.[1]);
    expect(markers.every((m) => m !== undefined)).toBe(true);
    // Three conversations, each used once per pass of the shuffle: every marker twice.
    const counts = new Map<string, number>();
    for (const m of markers) counts.set(m as string, (counts.get(m as string) ?? 0) + 1);
    expect([...counts.values()]).toEqual([2, 2, 2]);
    expect(new Set(markers.slice(0, 3)).size).toBe(3);
    expect(r.out).toContain("--prompt-corpus coding: this build has one built-in corpus");
  }, 120_000);

  test("--cache-bust system_suffix marks the shared system prompt", async () => {
    reset();
    const r = await profile(["-m", "m", "-u", a.url, "--cache-bust", "system_suffix", "--shared-system-prompt-length", "8", "--request-count", "2"]);
    expect(r.code).toBe(0);
    for (const s of a.seen) {
      const [system, user] = s.body.messages as { role: string; content: string }[];
      expect(system?.role).toBe("system");
      expect(system?.content).toMatch(/ \[rid:[0-9a-f]{12}\]$/);
      expect(user?.content).not.toContain("[rid:");
    }
  }, 120_000);

  test("-b/--prompt-batch-size sends that many inputs per embeddings request", async () => {
    reset();
    const r = await profile(["-m", "m", "-u", a.url, "--endpoint-type", "embeddings", "-b", "4", "--request-count", "3"]);
    expect(r.code).toBe(0);
    expect(a.seen.length).toBe(3);
    for (const s of a.seen) expect((s.body.input as string[]).length).toBe(4);
  }, 120_000);

  test("the long names --prompt-batch-size and --num-dataset-entries", async () => {
    reset();
    const r = await profile([
      "-m",
      "m",
      "-u",
      a.url,
      "--endpoint-type",
      "embeddings",
      "--prompt-batch-size",
      "2",
      "--num-dataset-entries",
      "2",
      "--request-count",
      "6",
    ]);
    expect(r.code).toBe(0);
    expect(a.seen.length).toBe(6);
    for (const s of a.seen) expect((s.body.input as string[]).length).toBe(2);
    // Two entries, reused: at most two distinct request inputs over six requests.
    expect(new Set(a.seen.map((s) => JSON.stringify(s.body.input))).size).toBeLessThanOrEqual(2);
  }, 120_000);

  test("--audio-format wav, --audio-num-channels 2 and --audio-length-stddev shape the clips", async () => {
    reset();
    const r = await profile([
      "-m",
      "m",
      "-u",
      a.url,
      "--audio-length-mean",
      "0.1",
      "--audio-length-stddev",
      "0.03",
      "--audio-format",
      "wav",
      "--audio-num-channels",
      "2",
      "--request-count",
      "6",
      "--isl",
      "4",
    ]);
    expect(r.code).toBe(0);
    const sizes = new Set<number>();
    for (const s of a.seen) {
      const parts = (s.body.messages as { content: { type: string; input_audio?: { data: string; format: string } }[] }[])[0]?.content ?? [];
      const audio = parts.find((p) => p.type === "input_audio")?.input_audio;
      expect(audio?.format).toBe("wav");
      const wav = Buffer.from(String(audio?.data), "base64");
      expect(wav.toString("ascii", 0, 4)).toBe("RIFF");
      expect(wav.readUInt16LE(22)).toBe(2);
      sizes.add(wav.length);
    }
    // A spread of lengths: the clips are not all the mean's.
    expect(sizes.size).toBeGreaterThan(1);
  }, 120_000);

  test("nim_rankings with --rankings-* passages and token lengths", async () => {
    reset();
    const r = await profile([
      "-m",
      "m",
      "-u",
      a.url,
      "--endpoint-type",
      "nim_rankings",
      "--request-count",
      "3",
      "--rankings-passages-mean",
      "3",
      "--rankings-passages-stddev",
      "0",
      "--rankings-passages-prompt-token-mean",
      "60",
      "--rankings-passages-prompt-token-stddev",
      "0",
      "--rankings-query-prompt-token-mean",
      "4",
      "--rankings-query-prompt-token-stddev",
      "0",
    ]);
    expect(r.code).toBe(0);
    expect(a.seen.length).toBe(3);
    for (const s of a.seen) {
      expect(s.path).toBe("/v1/ranking");
      const query = (s.body.query as { text: string }).text;
      const passages = s.body.passages as { text: string }[];
      expect(passages.length).toBe(3);
      for (const p of passages) expect(p.text.length).toBeGreaterThan(query.length * 4);
    }
  }, 120_000);

  test("--audio-depths and --audio-sample-rates take space-separated lists", async () => {
    reset();
    const r = await profile([
      "-m",
      "m",
      "-u",
      a.url,
      "--audio-length-mean",
      "0.05",
      "--audio-depths",
      "8",
      "16",
      "--audio-sample-rates",
      "8",
      "16",
      "--request-count",
      "8",
      "--isl",
      "4",
    ]);
    expect(r.code).toBe(0);
    expect(a.seen.length).toBe(8);
    const formats = new Set<string>();
    for (const s of a.seen) {
      const parts = (s.body.messages as { content: { type: string; input_audio?: { data: string } }[] }[])[0]?.content ?? [];
      const audio = parts.find((p) => p.type === "input_audio")?.input_audio?.data;
      const wav = Buffer.from(String(audio), "base64");
      const rate = wav.readUInt32LE(24);
      const depth = wav.readUInt16LE(34);
      expect([8000, 16000]).toContain(rate);
      expect([8, 16]).toContain(depth);
      formats.add(`${rate}/${depth}`);
    }
    // Both lists were read whole: more than one combination was drawn.
    expect(formats.size).toBeGreaterThan(1);
  }, 120_000);
});

describe("endpoint types", () => {
  test("chat_embeddings sends a chat body with the image to /v1/embeddings", async () => {
    reset();
    const r = await profile([
      "-m",
      "m",
      "-u",
      a.url,
      "--endpoint-type",
      "chat_embeddings",
      "--image-width-mean",
      "8",
      "--image-height-mean",
      "8",
      "--request-count",
      "2",
    ]);
    expect(r.code).toBe(0);
    expect(a.seen.length).toBe(2);
    for (const s of a.seen) {
      expect(s.path).toBe("/v1/embeddings");
      const content = (s.body.messages as { content: { type: string; image_url?: { url: string } }[] }[])[0]?.content ?? [];
      expect(content.find((p) => p.type === "image_url")?.image_url?.url).toStartWith("data:image/png;base64,");
      expect(s.body.stream).toBe(false);
    }
  }, 120_000);

  test("image_edit uploads the prompt and the image as multipart/form-data", async () => {
    reset();
    const r = await profile([
      "-m",
      "m",
      "-u",
      a.url,
      "--endpoint-type",
      "image_edit",
      "--image-width-mean",
      "8",
      "--image-height-mean",
      "8",
      "--request-count",
      "2",
      "--extra-inputs",
      "size:256x256",
    ]);
    expect(r.code).toBe(0);
    expect(a.seen.length).toBe(2);
    for (const s of a.seen) {
      expect(s.path).toBe("/v1/images/edits");
      expect(typeof s.form?.prompt).toBe("string");
      expect(s.form?.size).toBe("256x256");
      const image = s.form?.image as { type: string; bytes: Uint8Array };
      expect(image.type).toBe("image/png");
      expect([...image.bytes.slice(1, 4)].map((c) => String.fromCharCode(c)).join("")).toBe("PNG");
    }
  }, 120_000);
});

describe("dataset file timing", () => {
  // Two sessions whose second turn was recorded 4 s after the first reply.
  const trace = (): string => {
    const path = join(work, "slow.jsonl");
    writeFileSync(path, [0, 1].map((i) => JSON.stringify({ session_id: `s${i}`, turns: [{ text: "first" }, { text: "second", delay: 4000 }] })).join("\n"));
    return path;
  };
  /** Per session, ms from the first turn's arrival to the second's. */
  const gaps = (): number[] => {
    const by = new Map<string, number[]>();
    for (const s of a.seen) by.set(s.headers["x-correlation-id"] as string, [...(by.get(s.headers["x-correlation-id"] as string) ?? []), s.at]);
    return [...by.values()].map((t) => (t[1] as number) - (t[0] as number));
  };
  // First turns 500 ms apart (a rate), so both sessions finish within the four requests.
  const run = (flags: string[]) =>
    profile([
      "-m",
      "m",
      "-u",
      a.url,
      "--input-file",
      trace(),
      "--custom-dataset-type",
      "multi_turn",
      "--request-rate",
      "2",
      "--arrival-pattern",
      "constant",
      "--request-count",
      "4",
      ...flags,
    ]);

  test("--ignore-trace-delays sends the turns back to back", async () => {
    reset();
    const r = await run(["--ignore-trace-delays"]);
    expect(r.code).toBe(0);
    expect(a.seen.length).toBe(4);
    expect(gaps().length).toBe(2);
    for (const g of gaps()) expect(g).toBeLessThan(2000);
  }, 120_000);

  test("--replay-speedup divides the delays", async () => {
    reset();
    const r = await run(["--replay-speedup", "20"]);
    expect(r.code).toBe(0);
    // 4000 ms / 20 = 200 ms after the first reply.
    expect(gaps().length).toBe(2);
    for (const g of gaps()) {
      expect(g).toBeGreaterThanOrEqual(190);
      expect(g).toBeLessThan(2000);
    }
  }, 120_000);

  test("--inter-turn-delay-cap-seconds caps the delays", async () => {
    reset();
    const r = await run(["--inter-turn-delay-cap-seconds", "0.3"]);
    expect(r.code).toBe(0);
    expect(gaps().length).toBe(2);
    for (const g of gaps()) {
      expect(g).toBeGreaterThanOrEqual(290);
      expect(g).toBeLessThan(2300);
    }
  }, 120_000);
});

describe("refused and misused options exit 2 with one message", () => {
  const cases: [string[], string][] = [
    [["--max-context-length", "1000"], "Invalid value 1000 for --max-context-length: upstream applies it only to Weka traces"],
    [
      ["--trace-session-sample-ratio", "0.5"],
      "Invalid value 0.5 for --trace-session-sample-ratio: upstream applies it only to --custom-dataset-type baseten_trace",
    ],
    [["--trace-session-sample-ratio", "2"], "Invalid value 2 for --trace-session-sample-ratio: must be at most 1"],
    [["--ignore-trace-delays"], "--ignore-trace-delays strips the delays of a dataset file: give --input-file"],
    [["--log-level", "loud"], 'Invalid value "loud" for --log-level: expected one of TRACE, DEBUG, INFO, NOTICE, WARNING, SUCCESS, ERROR, CRITICAL'],
    [["--session-header", "X Bad"], 'Invalid value "X Bad" for --session-header: must be a header name'],
    [
      ["--connection-reuse-strategy", "sometimes"],
      'Invalid value "sometimes" for --connection-reuse-strategy: expected one of pooled, never, sticky-user-sessions',
    ],
    [["--url-strategy", "random"], 'Invalid value "random" for --url-strategy: expected one of round_robin'],
    [["--cache-bust", "everywhere"], "for --cache-bust: expected one of none, system_prefix, system_suffix, first_turn_prefix, first_turn_suffix"],
    [["-m", "x=2"], 'Invalid value "x=2" for --model: a name=weight model needs --model-selection-strategy weighted'],
    [["--endpoint-type", "image_edit"], "--endpoint-type image_edit uploads each turn's first image with its prompt"],
    [["--no-allow-dataset-wrp"], "did you mean --no-allow-dataset-wrap?"],
  ];
  for (const [flags, message] of cases) {
    test(flags.join(" "), async () => {
      const r = await profile(["-m", "m", "-u", "127.0.0.1:9", ...flags]);
      expect(r.code).toBe(2);
      expect(r.out).toContain(message);
    }, 60_000);
  }

  test("--allow-dataset-wrap and --no-allow-dataset-wrap are accepted", async () => {
    reset();
    for (const flag of ["--allow-dataset-wrap", "--no-allow-dataset-wrap"]) {
      const r = await profile(["-m", "m", "-u", a.url, "--request-count", "1", flag]);
      expect(r.code).toBe(0);
    }
    expect(a.seen.length).toBe(2);
  }, 120_000);
});
