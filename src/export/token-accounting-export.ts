/**
 * What the records service adds for token accounting: feeds each summarised record to the
 * reconciler and the peer definitions, then returns the JSON blocks (`token_accounting`,
 * `peer_metrics`) and the console text (the reconciliation panel when something disagrees, the
 * peer table with --peer-metrics), each table after two newlines as the others are printed.
 */
import { PeerAccumulator } from "../metrics/peers.ts";
import { RECONCILE_BOUND_PCT, TokenReconciler } from "../metrics/reconcile.ts";
import type { RecordMetrics } from "../metrics/record-metrics.ts";
import type { MetricResult } from "../metrics/summary.ts";
import type { RequestRecord } from "../records/record.ts";
import { PEER_JSON_KEY, peerJson, renderPeerTable } from "./peer-table.ts";
import { RECONCILE_JSON_KEY, reconcileJson, renderReconcilePanel } from "./reconcile-panel.ts";

type TokenAccountingOutput = { blocks: Record<string, unknown>; consoleText: string };

export class TokenAccountingExport {
  readonly #reconciler: TokenReconciler;
  readonly #peers = new PeerAccumulator();
  readonly #peerTable: boolean;
  readonly #producesTokens: boolean;

  /**
   * `peerTable`: print the peer table (--peer-metrics); `producesTokens`: false for embeddings and
   * rankings (no blocks); `streaming`: false turns the chunk checks off.
   */
  constructor(options: { peerTable: boolean; producesTokens: boolean; streaming?: boolean }) {
    this.#reconciler = new TokenReconciler(RECONCILE_BOUND_PCT, options.streaming ?? true);
    this.#peerTable = options.peerTable;
    this.#producesTokens = options.producesTokens;
  }

  add(record: RequestRecord, metrics: RecordMetrics): void {
    if (!this.#producesTokens || !metrics.valid) return;
    this.#reconciler.add(record);
    this.#peers.add(record, metrics);
  }

  /** `width`: the terminal's, when known (the panel wraps to it, the peer table fits it). */
  finish(results: readonly MetricResult[], width?: number): TokenAccountingOutput {
    if (!this.#producesTokens) return { blocks: {}, consoleText: "" };
    const reconcile = this.#reconciler.report();
    const peers = this.#peers.report(results);
    const parts: string[] = [];
    const panel = renderReconcilePanel(reconcile, width);
    if (panel !== null) parts.push(`\n\n${panel}\n`);
    if (this.#peerTable) parts.push(`\n\n${renderPeerTable(peers, results, width)}\n`);
    return { blocks: { [RECONCILE_JSON_KEY]: reconcileJson(reconcile), [PEER_JSON_KEY]: peerJson(peers) }, consoleText: parts.join("") };
  }
}
