/**
 * Token-accounting reconciliation in the exports (src/metrics/reconcile.ts): the `token_accounting`
 * block of profile_export_aiperf.json, the per-request block of profile_export.jsonl, and the
 * console panel "NVIDIA AIPerf | Token Accounting", printed only when a count disagrees beyond the
 * bound (it then lists each finding and what to do).
 */
import type { RecordAccounting, ReconcileReport } from "../metrics/reconcile.ts";
import { formatCount, formatFixed } from "./number-format.ts";
import { renderTable } from "./text-table.ts";

export const RECONCILE_JSON_KEY = "token_accounting";

/** How inter_token_latency's divisor is chosen, as the JSON block states it. */
const ITL_DIVISOR_RULE =
  "output_sequence_length - first_chunk_tokens (per-chunk usage when streamed, else the tokenizer's count of the first chunk; at least 1)";

/** The JSON block (snake_case, counts as numbers, unknowns as null). */
export function reconcileJson(r: ReconcileReport): Record<string, unknown> {
  return {
    bound_pct: r.boundPct,
    requests: r.requests,
    totals: {
      tokenizer_output_tokens: r.totals.tokenizer,
      server_completion_tokens: r.totals.server,
      content_chunks: r.totals.chunks,
      requested_output_tokens: r.totals.requested,
    },
    requests_with: {
      tokenizer_count: r.requestsWith.tokenizer,
      server_usage: r.requestsWith.server,
      per_chunk_usage: r.requestsWith.perChunkUsage,
      requested_output_tokens: r.requestsWith.requested,
    },
    tokens_per_chunk: { mean: r.tokensPerChunk.mean, max: r.tokensPerChunk.max, first_chunk_max: r.tokensPerChunk.firstChunkMax },
    multi_token_chunk_requests: r.multiTokenRequests,
    itl_divisor: ITL_DIVISOR_RULE,
    itl_divisor_adjusted_requests: r.itlAdjustedRequests,
    tokenizer_vs_server: { compared: r.tokenizerVsServer.compared, disagree: r.tokenizerVsServer.disagree, diff_pct: r.tokenizerVsServer.diffPct },
    fewer_tokens_than_chunks_requests: r.fewerTokensThanChunks,
    requested_vs_output: { compared: r.requestedVsOutput.compared, short: r.requestedVsOutput.short, long: r.requestedVsOutput.long },
    findings: r.findings.map((f) => ({ id: f.id, requests: f.requests, message: f.message, advice: f.advice })),
  };
}

/** The per-request block of a JSONL line. */
export function recordAccountingJson(a: RecordAccounting): Record<string, number | null> {
  return {
    tokenizer_output_tokens: a.tokenizer,
    server_completion_tokens: a.server,
    content_chunks: a.chunks,
    first_chunk_tokens: a.firstChunk,
    max_chunk_tokens: a.maxChunkTokens,
    requested_output_tokens: a.requested,
  };
}

/** The console panel, or null when the three counts agree within the bound (or nothing was counted). */
export function renderReconcilePanel(r: ReconcileReport, maxWidth = 100): string | null {
  if (r.requests === 0 || r.findings.length === 0) return null;
  const per = r.tokensPerChunk;
  const count = (requests: number, total: number): [string, string] => [requests > 0 ? formatCount(total) : "N/A", formatCount(requests)];
  const table = renderTable({
    title: "NVIDIA AIPerf | Token Accounting",
    columns: [
      { header: "Count", justify: "right" },
      { header: "Total", justify: "right" },
      { header: "Requests", justify: "right" },
    ],
    rows: [
      ["Tokenizer output tokens", ...count(r.requestsWith.tokenizer, r.totals.tokenizer)],
      ["Server usage completion tokens", ...count(r.requestsWith.server, r.totals.server)],
      ["Content chunks", ...count(r.requests, r.totals.chunks)],
      ["Requested max tokens", ...count(r.requestsWith.requested, r.totals.requested)],
      ["Tokens per chunk (mean)", per.mean === null ? "N/A" : formatFixed(per.mean, 2), formatCount(r.requests)],
    ],
  });
  const lines = [table];
  for (const f of r.findings) {
    lines.push(...wrap(`! ${f.message}`, maxWidth), ...wrap(`  → ${f.advice}`, maxWidth));
  }
  return lines.join("\n");
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      out.push(line);
      line = `    ${word}`;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") out.push(line);
  return out;
}
