/** Builders for raw records as a worker would send them. */
import type { RawRecord } from "../../src/protocol/pipeline.ts";

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

export function rawRecord(overrides: Partial<RawRecord> = {}): RawRecord {
  return {
    creditId: 1,
    phase: "profiling",
    sessionNum: 0,
    conversation: 0,
    turn: 0,
    xRequestId: "req-1",
    xCorrelationId: "corr-1",
    workerId: "worker:0",
    intendedNs: 1_000,
    // Where the worker puts it (engine.ts #record); the spread below keeps a key's place.
    ...(overrides.readyNs === undefined ? {} : { readyNs: overrides.readyNs }),
    startNs: 1_000,
    ackNs: 2_000,
    endNs: 9_000,
    wallStartNs: 1_700_000_000_000_000_000,
    status: 200,
    statusText: "OK",
    contentType: "text/event-stream",
    chunkNs: [],
    chunkBytes: [],
    error: null,
    wasCancelled: false,
    cancellationNs: null,
    ...overrides,
  };
}

/** An OpenAI chat chunk as an SSE message. */
export function chatEvent(delta: object): string {
  return `data: ${JSON.stringify({ object: "chat.completion.chunk", choices: [{ index: 0, delta }] })}\n\n`;
}

/** Chunks with their stamps, and the raw record that describes them. */
export function streamed(parts: { text: string; ns: number }[], overrides: Partial<RawRecord> = {}): { raw: RawRecord; chunks: Uint8Array[] } {
  const chunks = parts.map((p) => enc(p.text));
  const raw = rawRecord({ chunkNs: parts.map((p) => p.ns), chunkBytes: chunks.map((c) => c.byteLength), ...overrides });
  return { raw, chunks };
}
