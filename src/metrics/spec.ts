/**
 * What a metric is (MetricDef, and Spec, the compact row the catalogues are written in) and the
 * values a record gets: the types every metric file shares, so none of them imports the catalogue.
 */
import type { MetricUnit } from "./units.ts";

/** record: one value per request; aggregate: a running counter/min/max; derived: from the results. */
export type MetricKind = "record" | "aggregate" | "derived";

export type MetricDef = {
  tag: string;
  header: string;
  /** Dashboard header; null where upstream has none. */
  shortHeader: string | null;
  shortHeaderHideUnit: boolean;
  /** Unit of the stored value. */
  unit: MetricUnit;
  /** Unit shown in every export (equal to `unit` where upstream leaves display_unit unset). */
  displayUnit: MetricUnit;
  kind: MetricKind;
  /** Upstream's value type: decides whether a scalar prints as an int in the CSV. */
  valueType: "int" | "float" | "int-list";
  flags: number;
  /** Console row order; null sorts after every ordered row. */
  displayOrder: number | null;
};

export type Spec = [
  tag: string,
  header: string,
  shortHeader: string | null,
  hideUnit: boolean,
  unit: MetricUnit,
  displayUnit: MetricUnit | null,
  kind: MetricKind,
  valueType: MetricDef["valueType"],
  flags: number,
  displayOrder: number | null,
];

/** One record's metric values by tag, in base units (a list for per-chunk metrics such as inter_chunk_latency). */
export type MetricValues = Record<string, number | number[]>;

/** What derived metrics read at summary time (derived.ts). */
export type DerivedInputs = {
  /** Current aggregate value, or undefined when no record contributed one. */
  aggregate(tag: string): number | undefined;
  /**
   * Last content response − first send, in ns, when the caller tracks it more exactly than
   * max_response_timestamp − min_request_timestamp (two epoch doubles good to 256 ns each).
   */
  benchmarkDurationNs?(): number | undefined;
  /** Sum of a record metric's values, or undefined when it has none. */
  seriesSum(tag: string): number | undefined;
};
