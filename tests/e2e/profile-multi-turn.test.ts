import { beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { ROOT } from "../process/helpers.ts";
import { ensureBinary, runProfile, readRecords } from "./support.ts";

const FIXTURE = join(ROOT, "tests", "fixtures", "datasets", "multi-turn-live.jsonl");
const USER_TURNS: Record<string, string[]> = { alpha: ["alpha one", "alpha two", "alpha three"], beta: ["beta one", "beta two", "beta three"] };
const DELAYS_MS: Record<string, number[]> = { alpha: [0, 100, 150], beta: [0, 120, 100] };

type Message = { role: string; content: string };
type Seen = { messages: Message[]; correlationId: string; receivedMs: number; repliedMs: number; reply: string };

/** A streaming chat server whose every reply is distinct, keeping each request's body, header and times. */
function captureServer(): { url: string; seen: Seen[]; stop(): void } {
  const seen: Seen[] = [];
  let n = 0;
  const srv = Bun.serve({
    port: 0,
    async fetch(req) {
      if (req.method !== "POST") return new Response("not found", { status: 404 });
      const receivedMs = performance.now();
      const body = (await req.json()) as { messages: Message[]; model: string };
      const reply = `reply number ${n++}`;
      const entry: Seen = { messages: body.messages, correlationId: req.headers.get("x-correlation-id") ?? "", receivedMs, repliedMs: 0, reply };
      seen.push(entry);
      const half = reply.length >> 1;
      const delta = (content: string) =>
        `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", model: body.model, choices: [{ index: 0, delta: { content } }] })}\n\n`;
      entry.repliedMs = performance.now();
      return new Response(delta(reply.slice(0, half)) + delta(reply.slice(half)) + "data: [DONE]\n\n", { headers: { "content-type": "text/event-stream" } });
    },
  });
  return { url: `http://127.0.0.1:${srv.port}`, seen, stop: () => srv.stop(true) };
}

beforeAll(() => ensureBinary(), 120_000);

describe("aiperf profile, multi_turn with live history (compiled)", () => {
  test("later turns carry earlier user turns and the server's actual replies; sticky worker; stable correlation id; delays kept", async () => {
    const server = captureServer();
    try {
      // First turns 500 ms apart (a rate), so both sessions finish within the six requests.
      const r = await runProfile(server.url, [
        "--input-file",
        FIXTURE,
        "--custom-dataset-type",
        "multi_turn",
        "--streaming",
        "--request-rate",
        "2",
        "--request-rate-mode",
        "constant",
        "--request-count",
        "6",
        "--workers-max",
        "2",
      ]);
      expect(r.code).toBe(0);
      expect(server.seen.length).toBe(6);
      const sessions = new Map<string, Seen[]>();
      for (const s of server.seen) sessions.set(s.correlationId, [...(sessions.get(s.correlationId) ?? []), s]);
      expect(sessions.size).toBe(2);
      for (const requests of sessions.values()) {
        expect(requests.length).toBe(3);
        const name = (requests[0]?.messages[0]?.content ?? "").split(" ")[0] as string;
        const users = USER_TURNS[name] as string[];
        requests.forEach((req, t) => {
          const expected: Message[] = [];
          for (let k = 0; k < t; k++) expected.push({ role: "user", content: users[k] as string }, { role: "assistant", content: (requests[k] as Seen).reply });
          expected.push({ role: "user", content: users[t] as string });
          expect(req.messages.map((m) => ({ role: m.role, content: m.content }))).toEqual(expected);
          if (t > 0) expect(req.receivedMs - (requests[t - 1] as Seen).repliedMs).toBeGreaterThanOrEqual((DELAYS_MS[name]?.[t] ?? 0) - 1);
        });
      }
      const records = readRecords<{ metadata: { x_correlation_id: string; worker_id: string; turn_index: number } }>(r.dir).map((l) => l.metadata);
      expect(records.length).toBe(6);
      for (const id of sessions.keys()) {
        const mine = records.filter((m) => m.x_correlation_id === id);
        expect(mine.map((m) => m.turn_index).sort()).toEqual([0, 1, 2]);
        expect(new Set(mine.map((m) => m.worker_id)).size).toBe(1);
      }
    } finally {
      server.stop();
    }
  }, 120_000);
});
