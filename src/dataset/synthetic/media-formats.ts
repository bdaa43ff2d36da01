/** The choices of the synthetic media flags, kept apart from the encoders so config stays light. */
export const IMAGE_FORMATS = ["png", "jpeg", "random"] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];
export const AUDIO_FORMATS = ["wav", "mp3"] as const;
export type AudioFormat = (typeof AUDIO_FORMATS)[number];
export const AUDIO_DEPTHS = [8, 16, 24, 32] as const;
export type AudioDepth = (typeof AUDIO_DEPTHS)[number];
