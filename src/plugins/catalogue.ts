/**
 * What is available, by kind, built-in and from plugins: what `aiperf plugins` prints. Read from
 * the same registries the run uses, so a name listed here is a name the flags accept.
 */
import { customDatasetTypes, PUBLIC_DATASETS } from "../dataset/loaders/formats.ts";
import { endpointTypes } from "../endpoints/registry.ts";
import { transportNames } from "../endpoints/transport.ts";
import { METRICS } from "../metrics/catalogue.ts";
import { pluginMetricOrigins } from "../metrics/plugin-metrics.ts";

export const PLUGIN_KINDS = ["endpoint", "dataset", "transport", "metric"] as const;
export type PluginKind = (typeof PLUGIN_KINDS)[number];

export type Available = { kind: PluginKind; name: string; origin: string; detail?: string };

/** Upstream's category names for ours (`aiperf plugins custom_dataset_loader`). */
export const KIND_ALIASES: Record<string, PluginKind> = {
  endpoint: "endpoint",
  endpoints: "endpoint",
  dataset: "dataset",
  datasets: "dataset",
  custom_dataset_loader: "dataset",
  transport: "transport",
  transports: "transport",
  metric: "metric",
  metrics: "metric",
};

export function available(): Available[] {
  const metricOrigin = new Map(pluginMetricOrigins().map((m) => [m.tag, m.origin]));
  return [
    ...endpointTypes().map((e) => ({ kind: "endpoint" as const, name: e.name, origin: e.origin })),
    ...customDatasetTypes().map((d) => ({ kind: "dataset" as const, name: d.name, origin: d.origin, detail: "--custom-dataset-type" })),
    ...PUBLIC_DATASETS.map((name) => ({ kind: "dataset" as const, name, origin: "built-in", detail: "--public-dataset" })),
    ...transportNames().map((t) => ({ kind: "transport" as const, name: t.name, origin: t.origin })),
    ...METRICS.map((m) => ({ kind: "metric" as const, name: m.tag, origin: metricOrigin.get(m.tag) ?? "built-in", detail: m.kind })),
  ];
}
