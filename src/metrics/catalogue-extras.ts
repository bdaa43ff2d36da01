/**
 * Catalogue rows of the metrics beyond v0.1.1's table: intended-time latency (intended-metrics.ts),
 * audio (audio-metrics.ts) and images (image-metrics.ts) compute them.
 */
import { MetricFlag as F } from "./flags.ts";
import type { Spec } from "./spec.ts";

export const INTENDED_RECORD_SPECS: Spec[] = [
  ["send_lag", "Send Lag", null, false, "ns", "ms", "record", "int", F.NO_CONSOLE, null],
  ["intended_time_to_first_token", "Intended Time to First Token", null, false, "ns", "ms", "record", "int", F.STREAMING_TOKENS_ONLY | F.NO_CONSOLE, null],
  ["intended_request_latency", "Intended Request Latency", null, false, "ns", "ms", "record", "int", F.NO_CONSOLE, null],
];

export const AUDIO_RECORD_SPECS: Spec[] = [
  ["audio_duration", "Audio Duration", "Audio Dur", false, "sec", null, "record", "float", F.NO_CONSOLE, 860],
  ["rtfx", "Real-Time Factor (RTFx)", "RTFx", true, "ratio", null, "record", "float", F.LARGER_IS_BETTER, 850],
];

export const IMAGE_RECORD_SPECS: Spec[] = [
  ["num_images", "Number of Images", "Num Images", false, "images", null, "record", "int", F.NO_CONSOLE, null],
  ["image_throughput", "Image Throughput", "Image Throughput", false, "images/sec", null, "record", "float", F.LARGER_IS_BETTER, 860],
  ["image_latency", "Image Latency", "Image Latency", false, "ms/image", null, "record", "float", F.NONE, 861],
];
