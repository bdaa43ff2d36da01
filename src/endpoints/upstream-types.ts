/**
 * Newer upstream's endpoint types (issue 18): `nim_rankings` (upstream's name for the NIM
 * reranker we call `rankings`), `chat_embeddings` (vLLM's multimodal embeddings: a chat request
 * body to /v1/embeddings, an embeddings reply) and `image_edit` (OpenAI /v1/images/edits: the
 * prompt and the turn's first image as a multipart upload).
 */
import { chat } from "./chat.ts";
import { parseImages } from "./image-generation.ts";
import { parseOpenAi } from "./openai-parse.ts";
import { EndpointInputError } from "./raw.ts";
import { rankings } from "./rankings.ts";
import type { Endpoint } from "./types.ts";

export const nimRankings: Endpoint = { ...rankings, name: "nim_rankings" };

export const chatEmbeddings: Endpoint = {
  name: "chat_embeddings",
  defaultPath: "/v1/embeddings",
  category: "embeddings",
  streams: false,
  producesTokens: false,
  tokenizesInput: false,
  buildBody: (turn, opts) => chat.buildBody(turn, { ...opts, streaming: false }),
  parseResponse: (payload) => parseOpenAi(payload),
};

/** Keys the endpoint manages; --extra-inputs cannot replace them (upstream warns and drops them). */
const RESERVED = new Set(["prompt", "image", "url", "mask"]);

export const imageEdit: Endpoint = {
  name: "image_edit",
  defaultPath: "/v1/images/edits",
  category: "images",
  streams: false,
  producesTokens: false,
  tokenizesInput: true,
  multipart: true,
  buildBody(turn) {
    const prompt = turn.texts[0];
    const image = turn.images?.[0];
    if (prompt === undefined || prompt === "") throw new EndpointInputError("image_edit needs a text prompt in every turn");
    if (image === undefined || image === "")
      throw new EndpointInputError(
        "image_edit needs a reference image in every turn: an input file's image field, or --image-width-mean and --image-height-mean for synthetic images",
      );
    const body: Record<string, unknown> = { prompt, model: turn.model, response_format: "b64_json", n: 1 };
    if (/^https?:\/\//i.test(image)) body.url = image;
    else body.image = imageFile(image);
    return body;
  },
  mergeExtras(body, extras) {
    for (const [key, value] of extras) if (!RESERVED.has(key)) body[key] = value;
  },
  parseResponse: parseImages,
};

/** A data URI (or bare base64) as the multipart file part toFormData writes. */
function imageFile(content: string): { b64_data: string; filename: string; content_type: string } {
  const match = /^data:([^;,]+)?(;base64)?,(.*)$/s.exec(content);
  const b64 = match === null ? content : (match[3] ?? "");
  const type = match?.[1] ?? (b64.startsWith("/9j/") ? "image/jpeg" : "image/png");
  const ext = type === "image/jpeg" ? "jpg" : (type.split("/")[1] ?? "png");
  return { b64_data: b64, filename: `image.${ext}`, content_type: type };
}
