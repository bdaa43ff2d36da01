/**
 * Metric flags: the v0.1.1 bitmask (reference/aiperf-features.md §5.1). The bit values match
 * upstream so a flags number read from an upstream log means the same thing here.
 */
export const MetricFlag = {
  NONE: 0,
  STREAMING_ONLY: 1 << 0,
  ERROR_ONLY: 1 << 1,
  PRODUCES_TOKENS_ONLY: 1 << 2,
  NO_CONSOLE: 1 << 3,
  LARGER_IS_BETTER: 1 << 4,
  INTERNAL: 1 << 5,
  SUPPORTS_AUDIO_ONLY: 1 << 6,
  SUPPORTS_IMAGE_ONLY: 1 << 7,
  SUPPORTS_REASONING: 1 << 8,
  EXPERIMENTAL: 1 << 9,
  GOODPUT: 1 << 10,
  NO_INDIVIDUAL_RECORDS: 1 << 11,
  /** Newer upstream: input-token metrics, for endpoints that tokenize their input (image_generation too). */
  TOKENIZES_INPUT_ONLY: 1 << 12,
  STREAMING_TOKENS_ONLY: (1 << 0) | (1 << 2),
} as const;

/** True when `flags` carries every bit of `wanted`. */
export function hasFlags(flags: number, wanted: number): boolean {
  return (flags & wanted) === wanted;
}

/** True when `flags` carries at least one bit of `any`. */
export function hasAnyFlag(flags: number, any: number): boolean {
  return (flags & any) !== 0;
}
