/**
 * Two metrics: `ttft_share`, per record, the part of the request's latency spent waiting for the
 * first token; and `error_rate`, derived, the percent of requests that failed. They appear in
 * profile_export_aiperf.json/.csv, per record in profile_export.jsonl, and on the console.
 */
import type { Plugin, PluginHost } from "../../src/plugins/api.ts";

export default (host: PluginHost): Plugin => ({
  name: "example metrics",
  metrics: [
    {
      kind: "record",
      tag: "ttft_share",
      header: "TTFT Share of Latency",
      unit: "ratio",
      compute(_record, values) {
        const ttft = values.time_to_first_token;
        const latency = values.request_latency;
        if (typeof ttft !== "number" || typeof latency !== "number" || latency <= 0) return undefined;
        return ttft / latency;
      },
    },
    {
      kind: "derived",
      tag: "error_rate",
      header: "Error Rate",
      unit: "percent",
      flags: host.flags.NO_CONSOLE,
      derive(inputs) {
        const ok = inputs.aggregate("request_count") ?? 0;
        const failed = inputs.aggregate("error_request_count") ?? 0;
        return ok + failed === 0 ? undefined : (100 * failed) / (ok + failed);
      },
    },
  ],
});
