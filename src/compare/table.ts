/** The console view of a comparison: one row per metric, then the verdict line. */
import { renderTable } from "../export/text-table.ts";
import type { CompareResult } from "./compare.ts";

const pct = (x: number): string => (Number.isFinite(x) ? `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%` : "n/a");
const num = (x: number): string => (!Number.isFinite(x) ? "n/a" : Math.abs(x) >= 100 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3));
const pValue = (p: number): string => (!Number.isFinite(p) ? "n/a" : p < 0.0001 ? "<0.0001" : p.toFixed(4));

export function formatCompare(result: CompareResult): string {
  const conf = Math.round(result.confidence * 100);
  const header = ["Metric", `Base ${result.statistic}`, `New ${result.statistic}`, "Change", `${conf}% CI`, "p (MWU)", "Verdict"];
  const rows = result.metrics.map((m) => [
    `${m.metric}${m.unit === "" ? "" : ` (${m.unit})`}`,
    num(m.base.value),
    num(m.next.value),
    pct(m.change),
    Number.isFinite(m.ci.low) ? `${pct(m.ci.low)} .. ${pct(m.ci.high)}` : "n/a",
    pValue(m.p),
    m.verdict === "regressed" ? "REGRESSED" : m.verdict,
  ]);
  const lines = [
    `Base: ${result.base.dir} (${result.base.requests} requests${result.base.failed > 0 ? `, ${result.base.failed} failed left out` : ""}${result.base.files.length > 1 ? `, ${result.base.files.length} runs` : ""})`,
    `New:  ${result.next.dir} (${result.next.requests} requests${result.next.failed > 0 ? `, ${result.next.failed} failed left out` : ""}${result.next.files.length > 1 ? `, ${result.next.files.length} runs` : ""})`,
    "",
    renderTable({
      title: `Compare: change of ${result.statistic} per metric`,
      columns: header.map((h, i) => ({ header: h, justify: i === 0 || i === header.length - 1 ? "left" : "right" })),
      rows,
    }).trimEnd(),
    "",
    result.regressed.length > 0
      ? `Regressed beyond ${result.threshold}% with ${conf}% confidence: ${result.regressed.join(", ")}`
      : `No metric regressed beyond ${result.threshold}% with ${conf}% confidence`,
  ];
  return `${lines.join("\n")}\n`;
}
