/**
 * The GPU telemetry section upstream appends to profile_export_aiperf.csv: two blank lines, then
 * one row per GPU and metric with every statistic (`Endpoint,GPU_Index,GPU_Name,GPU_UUID,Platform,
 * Metric,avg,min,…,std`, as upstream's GPU telemetry doc shows it), metrics in its order.
 */
import { STAT_KEYS } from "../metrics/index.ts";
import { csvField } from "./csv-export.ts";
import { formatFixed } from "./number-format.ts";

/** A GPU metric as the section names it: its key in telemetry_data, header and unit. */
type GpuCsvField = { key: string; header: string; unit: string };

type GpuBlock = { gpu_index: number; gpu_name: string; gpu_uuid: string; platform?: string; metrics: Record<string, Record<string, unknown>> };
type TelemetryData = { endpoints: Record<string, { gpus: Record<string, GpuBlock> }> };

/** The section's text (CRLF rows), "" when no GPU has a metric. */
export function renderGpuCsvSection(telemetry: TelemetryData, fields: readonly GpuCsvField[], platform: string): string {
  const gpus = Object.entries(telemetry.endpoints).flatMap(([endpoint, e]) => Object.values(e.gpus).map((g) => ({ endpoint, g })));
  const rows: string[][] = [];
  for (const { endpoint, g } of gpus) {
    for (const f of fields) {
      const m = g.metrics[f.key];
      if (m === undefined) continue;
      const stats = STAT_KEYS.map((k) => (typeof m[k] === "number" ? formatFixed(m[k] as number, 2) : ""));
      rows.push([endpoint, String(g.gpu_index), g.gpu_name, g.gpu_uuid, g.platform ?? platform, `${f.header} (${f.unit})`, ...stats]);
    }
  }
  if (rows.length === 0) return "";
  const header = ["Endpoint", "GPU_Index", "GPU_Name", "GPU_UUID", "Platform", "Metric", ...STAT_KEYS];
  return ["", "", ...[header, ...rows].map((r) => r.map(csvField).join(","))].map((l) => `${l}\r\n`).join("");
}
