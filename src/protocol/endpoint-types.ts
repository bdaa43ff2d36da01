/** The endpoint types every role agrees on (upstream v0.1.1 §2.1) and their default paths. */
export const ENDPOINT_TYPES = ["chat", "completions", "embeddings", "rankings"] as const;
export type EndpointType = (typeof ENDPOINT_TYPES)[number];

export const DEFAULT_PATHS: Record<EndpointType, string> = {
  chat: "/v1/chat/completions",
  completions: "/v1/completions",
  embeddings: "/v1/embeddings",
  rankings: "/v1/ranking",
};

/** Endpoints whose replies are generated tokens (so ISL/OSL/TTFT apply). */
export function producesTokens(type: EndpointType): boolean {
  return type === "chat" || type === "completions";
}
