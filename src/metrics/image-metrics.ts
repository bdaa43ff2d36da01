/**
 * Image metrics of newer upstream (aiperf-features §5.5): num_images, image_throughput (images /
 * latency s) and image_latency (latency ms / images). Upstream counts the images a request sends;
 * we count those a reply carries too, so image_generation runs report them (the record's `images`,
 * set by the record processor). Absent for records without images.
 */
import type { RequestRecord } from "../records/record.ts";
import type { MetricContext } from "./context.ts";
import type { MetricValues } from "./spec.ts";
import { convertUnit } from "./units.ts";

/** Adds the image metrics of a valid record whose reply carried images. */
export function addImageMetrics(record: RequestRecord, ctx: MetricContext, values: MetricValues, latencyNs: number): void {
  const images = record.images;
  if (images === undefined || images <= 0) return;
  const on = ctx.applicable;
  if (on.has("num_images")) values.num_images = images;
  if (on.has("image_throughput") && latencyNs > 0) values.image_throughput = images / convertUnit(latencyNs, "ns", "sec");
  if (on.has("image_latency")) values.image_latency = convertUnit(latencyNs, "ns", "ms") / images;
}
