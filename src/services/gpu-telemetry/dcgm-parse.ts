/**
 * DCGM exporter text to per-GPU samples. The Prometheus text itself is read by the shared parser
 * in src/server-metrics (DCGM serves plain gauges and counters, one series per GPU).
 */
import { parsePrometheusText } from "../../server-metrics/prometheus-parse.ts";
import { BY_DCGM, type GpuSample } from "./fields.ts";

/**
 * Groups DCGM field series by GPU (label `gpu`, with `UUID`) into samples in display units.
 * Fields we do not record, non-finite values and series without a GPU index are ignored.
 */
export function dcgmSamples(text: string, source: string, timestampNs: number): GpuSample[] {
  const byGpu = new Map<string, GpuSample>();
  for (const family of parsePrometheusText(text).families.values()) {
    const def = BY_DCGM.get(family.name);
    if (def === undefined) continue;
    for (const series of family.series) {
      const labels = series.labels ?? {};
      const index = Number(labels.gpu ?? Number.NaN);
      if (series.value === undefined || !Number.isFinite(series.value) || !Number.isInteger(index)) continue;
      const key = `${index}|${labels.UUID ?? ""}`;
      let sample = byGpu.get(key);
      if (sample === undefined) {
        sample = {
          source,
          timestampNs,
          gpuIndex: index,
          gpuUuid: labels.UUID ?? "",
          gpuName: labels.modelName ?? "",
          hostname: labels.Hostname ?? "",
          values: {},
        };
        byGpu.set(key, sample);
      }
      sample.values[def.field] = series.value * def.scale;
    }
  }
  return [...byGpu.values()].sort((a, b) => a.gpuIndex - b.gpuIndex);
}
