/** The mock's non-OpenAI routes: TGI, Anthropic Messages, OpenAI Responses, Cohere and TEI rerank. */
import { describe, expect, test } from "bun:test";
import { json, jsonEvents, post, readSse, startServer } from "./helpers.ts";

/** Events with an `event:` line, which readSse does not collect: the data line of each block. */
async function namedEvents(res: Response): Promise<Record<string, any>[]> {
  const blocks = (await res.text()).split("\n\n");
  return blocks.flatMap((b) =>
    b
      .split("\n")
      .filter((l) => l.startsWith("data: "))
      .map((l) => JSON.parse(l.slice(6))),
  );
}

describe("vendor routes", () => {
  test("TGI /generate answers generated_text; /generate_stream one token per event", async () => {
    const server = startServer({ ttft: 0, itl: 0 });
    const body = await json(await post(server, "/generate", { inputs: "a b", parameters: { max_new_tokens: 3 } }));
    expect(body.generated_text.split(" ").length).toBe(3);
    const events = jsonEvents(await readSse(await post(server, "/generate_stream", { inputs: "a b", parameters: { max_new_tokens: 3 } }), performance.now()));
    expect(events.map((e) => e.token.text).join("")).toBe(body.generated_text);
    expect(events.at(-1)?.generated_text).toBe(body.generated_text);
  });

  test("Anthropic /v1/messages needs anthropic-version and max_tokens; streams typed events", async () => {
    const server = startServer({ ttft: 0, itl: 0 });
    expect((await post(server, "/v1/messages", { model: "c", max_tokens: 2, messages: [{ role: "user", content: "hi" }] })).status).toBe(400);
    const send = (body: object) =>
      fetch(`${server.url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
        body: JSON.stringify(body),
      });
    expect((await send({ model: "c", messages: [{ role: "user", content: "hi" }] })).status).toBe(400);
    const reply = await json(await send({ model: "c", max_tokens: 2, messages: [{ role: "user", content: "hi there" }] }));
    expect(reply).toMatchObject({ type: "message", usage: { input_tokens: 2, output_tokens: 2 } });
    const events = await namedEvents(await send({ model: "c", max_tokens: 3, stream: true, messages: [{ role: "user", content: "hi" }] }));
    expect(events.map((e) => e.type)).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(events.find((e) => e.type === "message_delta")?.usage).toEqual({ output_tokens: 3 });
  });

  test("OpenAI /v1/responses: output items with usage; a stream ends with response.completed", async () => {
    const server = startServer({ ttft: 0, itl: 0 });
    const reply = await json(await post(server, "/v1/responses", { model: "r", input: "a b c", max_output_tokens: 2 }));
    expect(reply.object).toBe("response");
    expect(reply.output[0].content[0].text.split(" ").length).toBe(2);
    expect(reply.usage).toMatchObject({ input_tokens: 3, output_tokens: 2, total_tokens: 5 });
    const events = await namedEvents(await post(server, "/v1/responses", { model: "r", input: "a", max_output_tokens: 2, stream: true }));
    expect(events.filter((e) => e.type === "response.output_text.delta").length).toBe(2);
    expect(events.at(-1)?.type).toBe("response.completed");
  });

  test("Cohere /v2/rerank and TEI /rerank score every document", async () => {
    const server = startServer({ ttft: 0 });
    const cohere = await json(await post(server, "/v2/rerank", { model: "m", query: "q", documents: ["a", "b"] }));
    expect(cohere.results.map((r: { index: number }) => r.index).sort()).toEqual([0, 1]);
    const tei = await json(await post(server, "/rerank", { query: "q", texts: ["a", "b", "c"] }));
    expect(tei.length).toBe(3);
    expect(tei[0].score).toBeGreaterThanOrEqual(tei[1].score);
  });
});
