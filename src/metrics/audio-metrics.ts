/**
 * Audio metrics of newer upstream (aiperf-features §5.5, `audio_duration_metric.py`,
 * `rtfx_metric.py`): audio_duration, the seconds of audio a request uploads (export only), and
 * rtfx, the inverse real-time factor = audio seconds / request latency seconds (higher is better).
 * Computed for records that carry `audioSeconds` (audio_transcription with WAV clips).
 */
import type { RequestRecord } from "../records/record.ts";
import type { MetricContext } from "./context.ts";
import type { MetricValues } from "./spec.ts";
import { convertUnit } from "./units.ts";

/** Adds the audio metrics of a valid record whose request uploaded a clip of known length. */
export function addAudioMetrics(record: RequestRecord, ctx: MetricContext, values: MetricValues, latencyNs: number): void {
  const seconds = record.audioSeconds;
  if (seconds === undefined || !(seconds > 0)) return;
  const on = ctx.applicable;
  if (on.has("audio_duration")) values.audio_duration = seconds;
  if (on.has("rtfx") && latencyNs > 0) values.rtfx = seconds / convertUnit(latencyNs, "ns", "sec");
}
