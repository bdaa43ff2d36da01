/**
 * The endpoint types every role agrees on (aiperf-features §2.1, §2.2): the names only. Each has a
 * module under src/endpoints/ and a line in its registry; what each can do is endpoints/capabilities.ts.
 */
export const ENDPOINT_TYPES = [
  "chat",
  "completions",
  "embeddings",
  "rankings",
  "huggingface_generate",
  "cohere_rankings",
  "hf_tei_rankings",
  "nim_embeddings",
  "messages",
  "responses",
  "image_generation",
  "audio_transcription",
  "raw",
  "template",
  "nim_rankings",
  "chat_embeddings",
  "image_edit",
] as const;
export type EndpointType = (typeof ENDPOINT_TYPES)[number];
