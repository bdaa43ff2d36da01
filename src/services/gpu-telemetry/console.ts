/** The GPU telemetry console section: one table per GPU, then the run's energy metrics. */
import { formatGrouped } from "../../export/number-format.ts";
import { renderTable } from "../../export/text-table.ts";
import type { ScalarMetric } from "../../protocol/gpu-telemetry.ts";
import { FIELDS } from "./fields.ts";
import { endpointKey, type GpuSeries, gpuMetrics, type Window } from "./summary.ts";

const COLUMNS = ["avg", "min", "max", "p99", "p90", "p50", "std"] as const;

const ENERGY_LABELS: Record<string, string> = {
  total_gpu_energy: "Total GPU Energy",
  average_gpu_power: "Average GPU Power",
  output_tokens_per_joule: "Output Tokens per Joule",
  energy_per_output_token: "Energy per Output Token",
  energy_per_request: "Energy per Request",
};

export function renderGpuConsole(series: readonly GpuSeries[], window: Window, energy: Record<string, ScalarMetric>): string {
  const parts: string[] = [];
  for (const g of series) {
    const metrics = gpuMetrics(g, window);
    const rows: string[][] = [];
    for (const def of FIELDS) {
      const m = metrics[def.field];
      if (m === undefined) continue;
      // The energy row is one number (the window's delta), so only avg is filled.
      const label = def.field === "energy_consumption" ? "Energy Consumed (J)" : `${def.header} (${def.unit})`;
      rows.push([label, ...COLUMNS.map((c) => (typeof m[c] === "number" ? formatGrouped(m[c] as number) : "N/A"))]);
    }
    const title = `NVIDIA AIPerf | GPU Telemetry | ${endpointKey(g.source)} | GPU ${g.gpuIndex}${g.gpuName === "" ? "" : ` | ${g.gpuName}`}`;
    parts.push(
      renderTable({ title, columns: [{ header: "Metric", justify: "right" }, ...COLUMNS.map((c) => ({ header: c, justify: "right" as const }))], rows }),
    );
  }
  const lines = Object.entries(energy).map(([tag, m]) => `${ENERGY_LABELS[tag] ?? tag}: ${formatGrouped(m.avg)} ${m.unit}`);
  if (lines.length > 0) parts.push(lines.join("\n"));
  return parts.length === 0 ? "" : `${parts.join("\n\n")}\n`;
}
