/**
 * Rerankers: NIM (`/v1/ranking`), Cohere v2 (`/v2/rerank`) and HF TEI (`/rerank`). Synthetic turns
 * have no named query/passages, so the first text is the query and the rest are the passages.
 */
import { parseOpenAi } from "./openai-parse.ts";
import { isObject, readJson } from "./json.ts";
import type { Endpoint, ParsedResponse, Skip, TurnInput } from "./types.ts";

function split(turn: TurnInput): { query: string; passages: string[] } {
  const [query = "", ...passages] = turn.texts;
  return { query, passages: passages.length > 0 ? passages : [query] };
}

export const rankings: Endpoint = {
  name: "rankings",
  defaultPath: "/v1/ranking",
  category: "rankings",
  streams: false,
  producesTokens: false,
  buildBody(turn) {
    const { query, passages } = split(turn);
    return { model: turn.model, query: { text: query }, passages: passages.map((text) => ({ text })) };
  },
  parseResponse: (payload) => parseOpenAi(payload),
};

export const cohereRankings: Endpoint = {
  name: "cohere_rankings",
  defaultPath: "/v2/rerank",
  category: "rankings",
  streams: false,
  producesTokens: false,
  buildBody(turn) {
    const { query, passages } = split(turn);
    return { model: turn.model, query, documents: passages };
  },
  // Cohere answers {"id", "results": [{index, relevance_score}], "meta"}.
  parseResponse: (payload) => scored(payload, (v) => (isObject(v) ? v.results : undefined)),
};

export const hfTeiRankings: Endpoint = {
  name: "hf_tei_rankings",
  defaultPath: "/rerank",
  category: "rankings",
  streams: false,
  producesTokens: false,
  buildBody(turn) {
    const { query, passages } = split(turn);
    return { model: turn.model, query, texts: passages };
  },
  // TEI answers a bare list [{index, score}].
  parseResponse: (payload) => scored(payload, (v) => v),
};

function scored(payload: string, list: (value: unknown) => unknown): ParsedResponse | Skip {
  const read = readJson(payload);
  if ("skip" in read) return read;
  const items = list(read.value);
  if (!Array.isArray(items)) return { skip: "unknown-object", detail: "no list of ranked results" };
  return items.length > 0 ? { kind: "rankings", count: items.length } : { skip: "no-content" };
}
