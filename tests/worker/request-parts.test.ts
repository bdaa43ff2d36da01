import { describe, expect, test } from "bun:test";
import { VERSION } from "../../src/core/version.ts";
import { concatBytes } from "../../src/core/bytes.ts";
import { decodeRawBatch } from "../../src/protocol/raw-batch.ts";
import { FLUSH_MS, FLUSH_RECORDS, RawBatcher } from "../../src/services/worker/raw-batcher.ts";
import { planHeaders, requestHeaders } from "../../src/endpoints/headers.ts";
import { buildUrl } from "../../src/services/worker/request-builder.ts";
import { enc, rawRecord } from "../replies/support.ts";

describe("URL building (upstream's rule)", () => {
  test.each([
    ["http://h:8000", "/v1/chat/completions", "http://h:8000/v1/chat/completions"],
    ["http://h:8000/", "v1/chat/completions", "http://h:8000/v1/chat/completions"],
    ["h:8000", "/v1/embeddings", "http://h:8000/v1/embeddings"],
    ["https://h/v1", "/v1/completions", "https://h/v1/v1/completions"],
    ["http://h//", "//x", "http://h/x"],
    ["http://h", "", "http://h"],
  ])("%s + %s", (base, path, url) => expect(buildUrl(base, path)).toBe(url));
});

describe("request headers", () => {
  test("built-in set for a streaming request with a key", () => {
    const plan = planHeaders({ streaming: true, apiKey: "sk-1", headers: [] });
    expect(requestHeaders(plan, "rid", "cid")).toEqual({
      "user-agent": `aiperf/${VERSION}`,
      "content-type": "application/json",
      accept: "text/event-stream",
      "accept-encoding": "identity",
      authorization: "Bearer sk-1",
      "x-request-id": "rid",
      "x-correlation-id": "cid",
    });
  });

  test("non-streaming asks for JSON; no key, no Authorization", () => {
    const h = requestHeaders(planHeaders({ streaming: false, apiKey: undefined, headers: [] }), "r", "c");
    expect(h.accept).toBe("application/json");
    expect(h.authorization).toBeUndefined();
  });

  test("user headers override built-ins whatever their case, and add their own", () => {
    const plan = planHeaders({
      streaming: true,
      apiKey: "k",
      headers: [
        ["Authorization", "Token t"],
        ["X-Extra", "1"],
        ["User-Agent", "me"],
      ],
    });
    const h = requestHeaders(plan, "r", "c");
    expect([h.authorization, h["x-extra"], h["user-agent"]]).toEqual(["Token t", "1", "me"]);
    expect(Object.keys(h).filter((k) => k.toLowerCase() === "authorization")).toEqual(["authorization"]);
    // The plan is not changed by building one request's headers.
    expect(plan.base["x-request-id"]).toBeUndefined();
  });
});

describe("raw record batching", () => {
  // What a receiver gets: the frames, then the parts joined into the last frame.
  const keeping = (sent: Uint8Array[][]) => (frames: Uint8Array[], bytes: Uint8Array[]) => sent.push([...frames, concatBytes(bytes)]);

  test("a full batch goes at once; records and their bytes survive the round trip", () => {
    const sent: Uint8Array[][] = [];
    const b = new RawBatcher(keeping(sent));
    for (let i = 0; i < FLUSH_RECORDS; i++) {
      const chunks = [enc(`a${i}`), enc(`bb${i}`)];
      b.add(rawRecord({ creditId: i, chunkNs: [1, 2], chunkBytes: chunks.map((c) => c.length) }), chunks);
    }
    expect(sent.length).toBe(1);
    expect(b.pending).toBe(0);
    const items = decodeRawBatch(sent[0] as Uint8Array[]);
    expect(items.length).toBe(FLUSH_RECORDS);
    const td = new TextDecoder();
    expect(items[7]?.record.creditId).toBe(7);
    expect(items[7]?.chunks.map((c) => td.decode(c))).toEqual(["a7", "bb7"]);
  });

  test("the replies' reads go out as they are, in record order, each batch with its own", () => {
    const parts: Uint8Array[][] = [];
    const sent: Uint8Array[][] = [];
    const b = new RawBatcher((frames, bytes) => {
      parts.push(bytes);
      keeping(sent)(frames, bytes);
    });
    const reads: Uint8Array[] = [];
    for (const n of [FLUSH_RECORDS, 3, FLUSH_RECORDS]) {
      for (let i = 0; i < n; i++) {
        const chunks = [enc(`batch${sent.length}-${i}`), enc("!")];
        reads.push(...chunks);
        b.add(rawRecord({ creditId: i, chunkNs: [1, 2], chunkBytes: chunks.map((c) => c.length) }), chunks);
      }
      b.flush();
    }
    expect(sent.length).toBe(3);
    // No copy in the batcher: the parts are the reads themselves.
    expect(parts.flat().every((p, k) => p === reads[k])).toBe(true);
    const td = new TextDecoder();
    sent.forEach((frames, k) => {
      const items = decodeRawBatch(frames);
      expect(items.map((it) => td.decode(it.chunks[0]))).toEqual(items.map((_, i) => `batch${k}-${i}`));
    });
  });

  test("a partial batch goes after the flush interval, or on flush()", async () => {
    const sent: Uint8Array[][] = [];
    const b = new RawBatcher(keeping(sent));
    b.add(rawRecord(), []);
    expect(sent.length).toBe(0);
    await Bun.sleep(FLUSH_MS + 15);
    expect(sent.length).toBe(1);
    b.add(rawRecord(), []);
    b.flush();
    b.flush();
    expect(sent.length).toBe(2);
    expect(b.batches).toBe(2);
  });
});
