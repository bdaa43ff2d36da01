/**
 * What a plugin file is (--plugin PATH): a module whose default export is a `Plugin`, or a
 * function of the host that returns one. Every interface here is the one the built-ins implement:
 * endpoint types (endpoints/types.ts), dataset loaders (dataset/loaders/context.ts), metrics
 * (metrics/plugin-metrics.ts) and transports (endpoints/transport.ts). A plugin imports only
 * types from here (`import type`), so the compiled binary loads it with nothing installed.
 */
import type { Loader } from "../dataset/loaders/context.ts";
import type { Endpoint } from "../endpoints/types.ts";
import type { CaptureFn } from "../endpoints/transport.ts";
import type { PluginMetric } from "../metrics/plugin-metrics.ts";

export type { BuildOptions, Endpoint, ParsedResponse, Skip, TurnInput } from "../endpoints/types.ts";
export type { Captured, CaptureFn, CaptureRequest } from "../endpoints/transport.ts";
export type { Loader, LoaderContext, Piece } from "../dataset/loaders/context.ts";
export type { Turn } from "../dataset/loaders/model.ts";
export type { DerivedMetric, PluginMetric, RecordMetric } from "../metrics/plugin-metrics.ts";
export type { DerivedInputs, MetricValues } from "../metrics/spec.ts";
export type { MetricUnit } from "../metrics/units.ts";
export type { RecordError, RequestRecord } from "../records/record.ts";

/** A --custom-dataset-type a plugin adds: its name and the loader that streams its pieces. */
export type DatasetFormatPlugin = { name: string; load: Loader };

/** A --transport a plugin adds: one request in, its capture out. */
export type TransportPlugin = { name: string; capture: CaptureFn };

export type Plugin = {
  /** Shown by `aiperf plugins`; default the file name. */
  name?: string;
  endpoints?: Endpoint[];
  datasetFormats?: DatasetFormatPlugin[];
  metrics?: PluginMetric[];
  transports?: TransportPlugin[];
};

/** What the binary lends a plugin: its clocks (a transport's timestamps must be on them). */
export type PluginHost = {
  /** CLOCK_MONOTONIC in ns, the same in every process of the run. */
  monoNs(): number;
  /** Epoch ns. */
  wallNs(): number;
  /** MetricFlag bits for metrics (NO_CONSOLE, LARGER_IS_BETTER, STREAMING_ONLY…). */
  flags: Readonly<Record<string, number>>;
  version: string;
};

/** The default export of a plugin file. */
export type PluginModule = Plugin | ((host: PluginHost) => Plugin | Promise<Plugin>);
