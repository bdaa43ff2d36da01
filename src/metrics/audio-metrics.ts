/**
 * Audio metrics of newer upstream (aiperf-features §5.5, `audio_duration_metric.py`,
 * `rtfx_metric.py`): audio_duration, the seconds of audio a request uploads (export only), and
 * rtfx, the inverse real-time factor = audio seconds / request latency seconds (higher is better).
 * Computed for records that carry `audioSeconds` (audio_transcription with WAV clips).
 */
import type { RequestRecord } from "../records/record.ts";
import type { Spec } from "./catalogue.ts";
import type { MetricContext } from "./context.ts";
import { MetricFlag as F } from "./flags.ts";
import type { MetricValues } from "./record-metrics.ts";
import { convertUnit } from "./units.ts";

// prettier-ignore
export const AUDIO_RECORD_SPECS: Spec[] = [
  ["audio_duration", "Audio Duration", "Audio Dur", false, "sec", null, "record", "float", F.NO_CONSOLE, 860],
  ["rtfx", "Real-Time Factor (RTFx)", "RTFx", true, "ratio", null, "record", "float", F.LARGER_IS_BETTER, 850],
];

/** Adds the audio metrics of a valid record whose request uploaded a clip of known length. */
export function addAudioMetrics(record: RequestRecord, ctx: MetricContext, values: MetricValues, latencyNs: number): void {
  const seconds = record.audioSeconds;
  if (seconds === undefined || !(seconds > 0)) return;
  const on = ctx.applicable;
  if (on.has("audio_duration")) values.audio_duration = seconds;
  if (on.has("rtfx") && latencyNs > 0) values.rtfx = seconds / convertUnit(latencyNs, "ns", "sec");
}
