/** Server-sent events on a schedule: headers at once, then each event at its own absolute time. */
import { createSleeper } from "./clock.ts";

export interface SseEvent {
  /** Milliseconds after the request's start at which this event is written. */
  at: number;
  /** The event's `data:` payload (JSON text or `[DONE]`). */
  data: string;
  /** An `event:` name written before the data (Anthropic and Responses streams name their events). */
  event?: string;
  /** Generated tokens this event carries (0 for role, finish, usage and [DONE]). */
  tokens: number;
}

type StreamOutcome = "ok" | "reset" | "cancelled";

interface StreamOptions {
  /** `performance.now()` when the request arrived. */
  start: number;
  /** Set by the client's disconnect: stop writing. */
  signal: AbortSignal;
  /** Drop the connection instead of writing the event with this index (fault injection). */
  cutBefore?: number | undefined;
  /** Pack this many consecutive token events into one SSE event (speculative decoding, buffering); default 1. */
  tokensPerChunk?: number | undefined;
  onTokens(count: number, first: boolean): void;
  /** Called exactly once. */
  onEnd(outcome: StreamOutcome): void;
}

const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" } as const;

export function sseResponse(events: Iterable<SseEvent>, options: StreamOptions): Response {
  const { start, signal } = options;
  let cutBefore = options.cutBefore;
  // Packed, the cut moves to the packed event that starts with the event it named.
  if ((options.tokensPerChunk ?? 1) > 1) {
    const cut = cutBefore;
    cutBefore = undefined;
    events = packEvents(events, options.tokensPerChunk ?? 1, cut, (packedIndex) => (cutBefore = packedIndex));
  }
  let ended = false;
  const end = (outcome: StreamOutcome): void => {
    if (ended) return;
    ended = true;
    options.onEnd(outcome);
  };
  const body = new ReadableStream({
    type: "direct",
    async pull(controller) {
      // Bun.serve sends the status line and headers only with the first body bytes; an SSE comment
      // now makes them leave at once, as a real server's would, instead of at the first token.
      controller.write(": ok\n\n");
      controller.flush();
      // One abort listener per stream, not one per token (clock.ts).
      const sleeper = createSleeper(signal);
      try {
        const iterator = events[Symbol.iterator]();
        let next = iterator.next();
        let index = 0;
        let sentTokens = 0;
        while (next.done !== true) {
          await sleeper.until(start + next.value.at);
          if (signal.aborted) return end("cancelled");
          // Everything due by now goes out in one write (normally one event; more if we fell behind).
          let text = "";
          let tokens = 0;
          const now = performance.now();
          while (next.done !== true && start + next.value.at <= now) {
            if (index === cutBefore) break;
            const e = next.value;
            text += e.event === undefined ? `data: ${e.data}\n\n` : `event: ${e.event}\ndata: ${e.data}\n\n`;
            tokens += e.tokens;
            next = iterator.next();
            index += 1;
          }
          if (text !== "") {
            // A promise means the client is not reading fast enough: wait, as a real server would.
            const written = controller.write(text);
            if (typeof written !== "number") await written;
            controller.flush();
          }
          if (tokens > 0) options.onTokens(tokens, sentTokens === 0);
          sentTokens += tokens;
          if (index === cutBefore && next.done !== true) {
            await sleeper.until(start + next.value.at);
            end("reset");
            // Rejecting a direct stream's pull makes Bun abort the socket: the client gets ECONNRESET
            // (or a body without its terminating chunk), never a clean end. Bun logs a rejection
            // reason to stderr unless it is null, so null it is.
            throw null;
          }
        }
        controller.close();
        end("ok");
      } finally {
        sleeper.close();
        // Whatever stopped the loop (an unexpected error included) must not leave it counted in flight.
        end("cancelled");
      }
    },
    cancel() {
      end("cancelled");
    },
  });
  return new Response(body, { headers: SSE_HEADERS });
}

/**
 * Merges each run of up to `perChunk` consecutive token-bearing events (same event name) into one,
 * written when its last token is due: the first event's JSON with every string that differs in a
 * later event appended (so `delta.content`, `text`, `token.text` and `delta` concatenate whatever
 * the dialect). Events without tokens (role, finish, usage, [DONE]) pass through and end a run.
 */
export function* packEvents(events: Iterable<SseEvent>, perChunk: number, breakBefore?: number, onBreak?: (packedIndex: number) => void): Generator<SseEvent> {
  let run: SseEvent[] = [];
  let packed = 0;
  const flush = function* (): Generator<SseEvent> {
    if (run.length > 0) {
      packed++;
      yield mergeRun(run);
    }
    run = [];
  };
  let original = 0;
  for (const e of events) {
    // A fault cut before event `breakBefore` becomes a cut before the packed event it starts.
    if (original++ === breakBefore) {
      yield* flush();
      onBreak?.(packed);
    }
    if (e.tokens === 0 || (run.length > 0 && run[0]?.event !== e.event)) yield* flush();
    if (e.tokens === 0) {
      packed++;
      yield e;
      continue;
    }
    run.push(e);
    if (run.length >= perChunk) yield* flush();
  }
  yield* flush();
}

function mergeRun(run: SseEvent[]): SseEvent {
  const first = run[0] as SseEvent;
  const last = run[run.length - 1] as SseEvent;
  if (run.length === 1) return first;
  let merged: unknown = JSON.parse(first.data);
  for (const e of run.slice(1)) merged = appendStrings(merged, JSON.parse(e.data));
  const out: SseEvent = { at: last.at, data: JSON.stringify(merged), tokens: run.reduce((n, e) => n + e.tokens, 0) };
  if (first.event !== undefined) out.event = first.event;
  return out;
}

function appendStrings(a: unknown, b: unknown): unknown {
  if (typeof a === "string" && typeof b === "string") return a === b ? a : a + b;
  if (Array.isArray(a) && Array.isArray(b)) return a.map((x, i) => (i < b.length ? appendStrings(x, b[i]) : x));
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [k, v] of Object.entries(b as Record<string, unknown>)) out[k] = k in out ? appendStrings(out[k], v) : v;
    return out;
  }
  return a;
}
