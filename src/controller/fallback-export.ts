/**
 * The results file when the records service cannot write it: it died or froze, or the run was
 * stopped before it was configured. The controller writes profile_export_aiperf.json itself, with
 * no metrics and the reason, so a run never ends without saying what happened;
 * profile_export.jsonl keeps whatever the records service streamed before it went.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { writeJsonExport } from "../export/index.ts";
import { DEFAULT_EXPORT_FILES, type ExportFileNames } from "../export/export-files.ts";
import type { RunInfo } from "../export/json-export.ts";

type FallbackInput = {
  artifactDir: string;
  /** Export file names (--profile-export-prefix); absent: the defaults. */
  files?: ExportFileNames;
  inputConfig: Record<string, unknown>;
  resolvedConfig?: Record<string, unknown>;
  runInfo?: RunInfo;
  wasCancelled: boolean;
  /** Why there are no results; empty when the run was only cancelled before it measured anything. */
  reasons: string[];
  expected: number | null;
  startNs: number | null;
  endNs: number | null;
};

type FallbackResult = { consoleText: string; footerText: string; files: string[] };

export async function writeFallbackExport(input: FallbackInput): Promise<FallbackResult> {
  const files = input.files ?? DEFAULT_EXPORT_FILES;
  const jsonPath = join(input.artifactDir, files.json);
  const jsonlPath = join(input.artifactDir, files.jsonl);
  const incomplete = input.reasons.length === 0 ? {} : { incomplete: { reasons: input.reasons, records_expected: input.expected, records_received: null, records_lost: null } };
  await writeJsonExport(jsonPath, {
    results: [],
    inputConfig: input.inputConfig,
    ...(input.runInfo === undefined ? {} : { runInfo: input.runInfo }),
    wasCancelled: input.wasCancelled,
    errorSummary: [],
    startNs: input.startNs,
    endNs: input.endNs,
    blocks: { ...(input.resolvedConfig === undefined ? {} : { resolved_config: input.resolvedConfig }), ...incomplete },
  });
  const streamed = existsSync(jsonlPath);
  const why = input.reasons.length === 0 ? "the run was stopped before any request was sent" : input.reasons.join("; ");
  const lines = [`No metrics: ${why}.`, streamed ? `Records written before that: ${jsonlPath}` : "", `JSON Export: ${jsonPath}`];
  return { consoleText: "", footerText: `${lines.filter((l) => l !== "").join("\n")}\n`, files: streamed ? [jsonPath, jsonlPath] : [jsonPath] };
}
