import { describe, expect, test } from "bun:test";
import { monoNs } from "../../src/core/clock.ts";
import { VERSION } from "../../src/core/version.ts";
import { decodeRawBatch } from "../../src/protocol/pipeline.ts";
import { FLUSH_RECORDS, RawBatcher } from "../../src/services/worker/raw-batcher.ts";
import { buildUrl, planHeaders, requestHeaders } from "../../src/services/worker/request-builder.ts";
import { untilMono } from "../../src/services/worker/send-at.ts";
import { enc, rawRecord } from "../record-processor/support.ts";

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
    const plan = planHeaders({ streaming: true, apiKey: "k", headers: [["Authorization", "Token t"], ["X-Extra", "1"], ["User-Agent", "me"]] });
    const h = requestHeaders(plan, "r", "c");
    expect([h.authorization, h["x-extra"], h["user-agent"]]).toEqual(["Token t", "1", "me"]);
    expect(Object.keys(h).filter((k) => k.toLowerCase() === "authorization")).toEqual(["authorization"]);
    // The plan is not changed by building one request's headers.
    expect(plan.base["x-request-id"]).toBeUndefined();
  });
});

describe("waiting for the intended send time", () => {
  // Sub-millisecond on an idle host; test hosts are often overloaded, so the best of five counts.
  test("resolves at the target, never before, without holding the event loop", async () => {
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    const late: number[] = [];
    for (let i = 0; i < 5; i++) {
      const target = monoNs() + 15e6;
      await untilMono(target);
      late.push(monoNs() - target);
    }
    clearInterval(ticker);
    for (const l of late) expect(l).toBeGreaterThanOrEqual(0);
    expect(Math.min(...late)).toBeLessThan(2e6);
    expect(ticks).toBeGreaterThan(5);
  });

  test("a past target resolves at once; an aborted signal ends the wait", async () => {
    const t0 = monoNs();
    await untilMono(t0 - 1e9);
    expect(monoNs() - t0).toBeLessThan(20e6);
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(), 5);
    await untilMono(monoNs() + 10e9, ctl.signal);
    expect(monoNs() - t0).toBeLessThan(1e9);
  });
});

describe("raw record batching", () => {
  test("a full batch goes at once; records and their bytes survive the round trip", () => {
    const sent: Uint8Array[][] = [];
    const b = new RawBatcher((f) => sent.push(f));
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

  test("a partial batch goes after the flush interval, or on flush()", async () => {
    const sent: Uint8Array[][] = [];
    const b = new RawBatcher((f) => sent.push(f));
    b.add(rawRecord(), []);
    expect(sent.length).toBe(0);
    await Bun.sleep(25);
    expect(sent.length).toBe(1);
    b.add(rawRecord(), []);
    b.flush();
    b.flush();
    expect(sent.length).toBe(2);
    expect(b.batches).toBe(2);
  });
});
