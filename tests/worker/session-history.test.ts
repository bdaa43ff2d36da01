import { describe, expect, test } from "bun:test";
import type { Credit } from "../../src/protocol/pipeline.ts";
import type { Captured } from "../../src/services/worker/http-capture.ts";
import { replyText } from "../../src/services/worker/reply-text.ts";
import { appendTurn, SessionHistories, threadBody } from "../../src/services/worker/session-history.ts";

const enc = new TextEncoder();
const bytes = (value: unknown): Uint8Array => enc.encode(JSON.stringify(value));
const json = (b: Uint8Array): Record<string, unknown> => JSON.parse(new TextDecoder().decode(b));

/** Splits `text` into chunks of `size` bytes, as reads of a stream would. */
function chunked(text: string, size: number): Uint8Array[] {
  const all = enc.encode(text);
  const out: Uint8Array[] = [];
  for (let i = 0; i < all.length; i += size) out.push(all.subarray(i, i + size));
  return out;
}

describe("replyText", () => {
  test("chat SSE: content deltas joined across chunk boundaries; role, usage and [DONE] ignored", () => {
    const sse = [
      'data: {"choices":[{"index":0,"delta":{"role":"assistant"}}]}',
      'data: {"choices":[{"index":0,"delta":{"content":"Hé"}}]}',
      'data: {"choices":[{"index":0,"delta":{"content":"llo, "}}]}',
      'data: {"choices":[{"index":0,"delta":{"content":"world"}}]}',
      'data: {"choices":[],"usage":{"completion_tokens":3}}',
      "data: [DONE]",
      "",
    ].join("\n\n");
    expect(replyText("text/event-stream; charset=utf-8", chunked(sse, 7))).toBe("Héllo, world");
  });

  test("completions SSE and JSON bodies", () => {
    const sse = 'data: {"choices":[{"text":"one "}]}\r\n\r\ndata: {"choices":[{"text":"two"}]}\r\n\r\ndata: [DONE]\r\n\r\n';
    expect(replyText("text/event-stream", chunked(sse, 5))).toBe("one two");
    const chat = { choices: [{ index: 0, message: { role: "assistant", content: "a chat reply" } }] };
    expect(replyText("application/json", chunked(JSON.stringify(chat), 4))).toBe("a chat reply");
    expect(replyText("application/json", [bytes({ choices: [{ text: "a completion" }] })])).toBe("a completion");
  });

  test("Anthropic messages replies, streamed and whole", () => {
    const sse = [
      'event: message_start\ndata: {"type":"message_start","message":{"content":[]}}',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Bon"}}',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm"}}',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"jour"}}',
      'event: message_stop\ndata: {"type":"message_stop"}',
      "",
    ].join("\n\n");
    expect(replyText("text/event-stream", chunked(sse, 9))).toBe("Bonjour");
    expect(
      replyText("application/json", [
        bytes({
          type: "message",
          content: [
            { type: "thinking", thinking: "x" },
            { type: "text", text: "whole" },
          ],
        }),
      ]),
    ).toBe("whole");
  });

  test("nothing to find gives an empty reply", () => {
    expect(replyText("application/json", [enc.encode("not json")])).toBe("");
    expect(replyText("application/json", [bytes({ error: "x" })])).toBe("");
    expect(replyText("text/event-stream", [])).toBe("");
  });
});

describe("threadBody / appendTurn", () => {
  test("chat: earlier user messages and the live replies come first, the stored turn's settings stay", () => {
    const t0 = bytes({ messages: [{ role: "user", name: "text", content: "first" }], model: "m", stream: true, max_completion_tokens: 5 });
    const t1 = bytes({ messages: [{ role: "user", name: "text", content: "second" }], model: "m2", stream: true, max_completion_tokens: 7, ignore_eos: true });
    const history = appendTurn(undefined, t0, "reply one");
    const sent = json(threadBody(t1, history));
    expect(sent.messages).toEqual([
      { role: "user", name: "text", content: "first" },
      { role: "assistant", content: "reply one" },
      { role: "user", name: "text", content: "second" },
    ]);
    expect([sent.model, sent.stream, sent.max_completion_tokens, sent.ignore_eos]).toEqual(["m2", true, 7, true]);
  });

  test("completions: prompts and replies concatenated into the prompt", () => {
    const history = appendTurn(appendTurn(undefined, bytes({ prompt: "Q1 " }), "A1"), bytes({ prompt: "Q2 " }), "A2");
    expect(json(threadBody(bytes({ prompt: "Q3", max_tokens: 4 }), history))).toEqual({ prompt: "Q1 A1\nQ2 A2\nQ3", max_tokens: 4 });
  });

  test("a failed turn adds no assistant message; bodies of other shapes are sent as stored", () => {
    const h = appendTurn(undefined, bytes({ messages: [{ role: "user", content: "q" }] }), "");
    expect(h.messages).toEqual([{ role: "user", content: "q" }]);
    const other = bytes({ model: "m", input: ["x"] });
    expect(threadBody(other, h)).toBe(other);
  });
});

describe("SessionHistories", () => {
  const turns = [
    [
      bytes({ messages: [{ role: "user", content: "a0" }], model: "m" }),
      bytes({ messages: [{ role: "user", content: "a1" }], model: "m" }),
      bytes({ messages: [{ role: "user", content: "a2" }], model: "m" }),
    ],
    [bytes({ messages: [{ role: "user", content: "single" }], model: "m" })],
  ];
  const dataset = { body: (c: number, t: number) => turns[c]?.[t] as Uint8Array, turnCount: (c: number) => turns[c]?.length ?? 0 };
  const credit = (conversation: number, turn: number, correlationId: string): Credit => ({
    id: 0,
    phase: "profiling",
    num: 0,
    conversation,
    turn,
    intendedNs: 0,
    cancelAfterNs: null,
    correlationId,
  });
  const reply = (content: string): Captured => ({
    startNs: 0,
    wallStartNs: 0,
    ackNs: 0,
    endNs: 0,
    status: 200,
    statusText: "OK",
    contentType: "application/json",
    chunkNs: [0],
    chunks: [bytes({ choices: [{ message: { role: "assistant", content } }] })],
    error: null,
  });

  test("first turns and single-turn conversations are the stored bytes; history is dropped after the last turn", () => {
    const h = new SessionHistories(dataset);
    expect(h.bodyFor(credit(1, 0, "s"))).toBe(turns[1]?.[0] as Uint8Array);
    h.finished(credit(1, 0, "s"), reply("x"));
    expect(h.size).toBe(0);
    expect(h.bodyFor(credit(0, 0, "a"))).toBe(turns[0]?.[0] as Uint8Array);
    h.finished(credit(0, 0, "a"), reply("r0"));
    expect(json(h.bodyFor(credit(0, 1, "a"))).messages).toEqual([
      { role: "user", content: "a0" },
      { role: "assistant", content: "r0" },
      { role: "user", content: "a1" },
    ]);
    h.finished(credit(0, 1, "a"), reply("r1"));
    expect((json(h.bodyFor(credit(0, 2, "a"))).messages as unknown[]).length).toBe(5);
    expect(h.size).toBe(1);
    h.finished(credit(0, 2, "a"), reply("r2"));
    expect(h.size).toBe(0);
  });
});
