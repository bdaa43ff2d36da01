/**
 * The baseline for bench:accuracy: a bare Bun fetch client in its own process, as lean as a
 * client can be: C loops of fetch() + reader.read(), each read stamped with the host-wide
 * monotonic clock the mock server's write log uses. Per request it prints the X-Request-ID it
 * sent and the stamp of the first read holding a content token (the moment its TTFT ends).
 *
 *   bun scripts/bench/bare-stream-client.ts <url> <concurrency> <requests> <warmup-per-slot> <isl> <osl>
 * prints one JSON line: { results: [{ id, firstNs, startNs }], errors }
 */
import { monoNs } from "../../src/core/clock.ts";
import { chatBody } from "./support.ts";

const [url = "", c = "1", n = "10", w = "1", isl = "64", osl = "20"] = process.argv.slice(2);
const concurrency = Number(c);
const total = Number(n);
const warmup = Number(w) * concurrency;
const body = chatBody(Number(isl), Number(osl));
const CONTENT = new TextEncoder().encode('"content":"');
const results: { id: string; firstNs: number; startNs: number }[] = [];
let started = 0;
let errors = 0;

/** Whether the bytes hold `"content":"` followed by something other than the closing quote. */
function hasContent(bytes: Uint8Array): boolean {
  let at = 0;
  for (;;) {
    at = bytes.indexOf(CONTENT[0] as number, at);
    if (at < 0 || at + CONTENT.length >= bytes.length) return false;
    let match = true;
    for (let i = 1; i < CONTENT.length && match; i++) match = bytes[at + i] === CONTENT[i];
    if (match && bytes[at + CONTENT.length] !== 0x22) return true;
    at++;
  }
}

async function loop(): Promise<void> {
  while (started < warmup + total) {
    const index = started++;
    const id = crypto.randomUUID();
    const startNs = monoNs();
    try {
      const res = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", "x-request-id": id }, body });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      let firstNs = 0;
      for (;;) {
        const { done, value } = await reader.read();
        const at = monoNs();
        if (done) break;
        if (firstNs === 0 && hasContent(value)) firstNs = at;
      }
      if (index >= warmup) results.push({ id, firstNs, startNs });
    } catch {
      errors++;
    }
  }
}

await Promise.all(Array.from({ length: concurrency }, loop));
process.stdout.write(`${JSON.stringify({ results, errors })}\n`);
