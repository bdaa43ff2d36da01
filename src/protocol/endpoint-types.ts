/**
 * The built-in endpoint types (aiperf-features §2.1, §2.2): the names only. Each has a module under
 * src/endpoints/ registered in its registry; what each can do is endpoints/capabilities.ts. A plugin
 * (--plugin) registers more names at run time, so an endpoint type on the wire is any string the
 * registry knows (endpoints/registry.ts checks it where it is looked up).
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
export type BuiltinEndpointType = (typeof ENDPOINT_TYPES)[number];
/** A built-in's name or one a plugin registered. */
export type EndpointType = string;
