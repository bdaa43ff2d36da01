/**
 * The results file when the records service cannot write it: it died or froze, or the run was
 * stopped before it was configured. The controller writes profile_export_aiperf.json itself, with
 * no metrics and the reason, so a run never ends without saying what happened;
 * profile_export.jsonl keeps whatever the records service streamed before it went.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { JSON_FILE_NAME, JSONL_FILE_NAME, writeJsonExport } from "../export/index.ts";

type FallbackInput = {
  artifactDir: string;
  inputConfig: Record<string, unknown>;
  wasCancelled: boolean;
  /** Why there are no results; empty when the run was only cancelled before it measured anything. */
  reasons: string[];
  expected: number | null;
  startNs: number | null;
  endNs: number | null;
};

type FallbackResult = { consoleText: string; footerText: string; files: string[] };

export async function writeFallbackExport(input: FallbackInput): Promise<FallbackResult> {
  const jsonPath = join(input.artifactDir, JSON_FILE_NAME);
  const jsonlPath = join(input.artifactDir, JSONL_FILE_NAME);
  const incomplete = input.reasons.length === 0 ? {} : { incomplete: { reasons: input.reasons, records_expected: input.expected, records_received: null, records_lost: null } };
  await writeJsonExport(jsonPath, {
    results: [],
    inputConfig: input.inputConfig,
    wasCancelled: input.wasCancelled,
    errorSummary: [],
    startNs: input.startNs,
    endNs: input.endNs,
    blocks: incomplete,
  });
  const streamed = existsSync(jsonlPath);
  const why = input.reasons.length === 0 ? "the run was stopped before any request was sent" : input.reasons.join("; ");
  const lines = [`No metrics: ${why}.`, streamed ? `Records written before that: ${jsonlPath}` : "", `JSON Export: ${jsonPath}`];
  return { consoleText: "", footerText: `${lines.filter((l) => l !== "").join("\n")}\n`, files: streamed ? [jsonPath, jsonlPath] : [jsonPath] };
}
