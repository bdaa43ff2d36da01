/** OpenAI embeddings and NIM's variant, which needs `input_type` for asymmetric (query/passage) models. */
import { parseOpenAi } from "./openai-parse.ts";
import type { Endpoint } from "./types.ts";

export const embeddings: Endpoint = {
  name: "embeddings",
  defaultPath: "/v1/embeddings",
  category: "embeddings",
  streams: false,
  producesTokens: false,
  buildBody: (turn) => ({ model: turn.model, input: turn.texts }),
  parseResponse: (payload) => parseOpenAi(payload),
};

export const nimEmbeddings: Endpoint = {
  ...embeddings,
  name: "nim_embeddings",
  // NIM rejects embedqa requests without input_type; "query" is the usual benchmark side and
  // --extra-inputs input_type:passage overrides it.
  buildBody: (turn) => ({ model: turn.model, input: turn.texts, input_type: "query" }),
};
