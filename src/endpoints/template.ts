/**
 * `template` (aiperf-features §2.2): the body is `--extra-inputs payload_template:<template>`
 * rendered per turn (a named template, a file, or the template itself; config resolves which, see
 * resolveTemplateSource), then every other extra merged in. Variables are upstream's: text(s),
 * image(s), audio(s), video(s), query/queries, passage(s), *_by_name, model, max_tokens, stream,
 * role, turn, turns, request_info. Replies: the response_field path strictly, else auto-detection.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { parseDetected } from "./auto-detect.ts";
import { EndpointInputError, SETTING_KEYS } from "./raw.ts";
import { compileTemplate } from "./template-render.ts";
import type { Endpoint, TurnInput } from "./types.ts";

/** Upstream's named templates. */
const NAMED_TEMPLATES: Record<string, string> = {
  "nv-embedqa": '{"text": {{ texts|tojson }}}',
};

/**
 * A name, a readable file, or else the inline template text; throws naming the flag if it does not
 * compile, or if a trial turn (with `maxTokens`, the run's --osl when known) renders no JSON object.
 */
export function resolveTemplateSource(value: string, maxTokens: number | null = 1): string {
  const named = NAMED_TEMPLATES[value];
  let source = named ?? value;
  if (named === undefined && !value.includes("{")) {
    // Without a brace it cannot be a template of a JSON object: a name or a file was meant.
    if (!existsSync(value) || !statSync(value).isFile()) {
      throw new EndpointInputError(
        `--extra-inputs payload_template: "${value}" is neither a named template (${Object.keys(NAMED_TEMPLATES).join(", ")}), a readable file, nor a template`,
      );
    }
    source = readFileSync(value, "utf8");
  }
  try {
    compileTemplate(source);
  } catch (error) {
    throw new EndpointInputError(`--extra-inputs ${error instanceof Error ? error.message : String(error)}`);
  }
  // A trial render catches templates that can never make a JSON object before any data is built.
  renderBody(source, templateVars({ model: "model", texts: ["text"], maxTokens }, false));
  return source;
}

/** The rendered body; an EndpointInputError when it is not a JSON object. */
function renderBody(source: string, vars: Record<string, unknown>): Record<string, unknown> {
  const rendered = compileTemplate(source).render(vars);
  let body: unknown;
  try {
    body = JSON.parse(rendered);
  } catch (error) {
    throw new EndpointInputError(
      `--extra-inputs payload_template did not render valid JSON (${error instanceof Error ? error.message : String(error)}): ${rendered.slice(0, 200)}`,
    );
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new EndpointInputError(`--extra-inputs payload_template must render a JSON object, not: ${rendered.slice(0, 200)}`);
  return body as Record<string, unknown>;
}

export const template: Endpoint = {
  name: "template",
  defaultPath: "",
  category: "llm",
  streams: true,
  producesTokens: true,
  buildBody(turn, opts) {
    const source = opts.extras?.find(([key]) => key === "payload_template")?.[1];
    if (typeof source !== "string") throw new EndpointInputError("--endpoint-type template needs --extra-inputs payload_template:<name|file|template>");
    return renderBody(source, templateVars(turn, opts.streaming));
  },
  mergeExtras(body, extras) {
    for (const [key, value] of extras) if (!SETTING_KEYS.has(key)) body[key] = value;
  },
  parseResponse: (payload, _event, opts) => parseDetected(payload, opts?.responseField, "strict"),
};

/** Upstream's template variables for one turn. */
export function templateVars(turn: TurnInput, stream: boolean): Record<string, unknown> {
  const byName = turn.textsByName ?? {};
  const queries = byName.query ?? [];
  const passages = byName.passages ?? byName.passage ?? [];
  const images = turn.images ?? [];
  const audios = turn.audios ?? [];
  const turnObject = {
    model: turn.model,
    role: turn.role ?? null,
    max_tokens: turn.maxTokens,
    texts: Object.keys(byName).length > 0 ? Object.entries(byName).map(([name, contents]) => ({ name, contents })) : [{ name: "", contents: turn.texts }],
    images: images.length > 0 ? [{ name: "", contents: images }] : [],
    audios: audios.length > 0 ? [{ name: "", contents: audios }] : [],
    videos: [],
  };
  return {
    texts: turn.texts,
    images,
    audios,
    videos: [],
    text: turn.texts[0] ?? null,
    image: images[0] ?? null,
    audio: audios[0] ?? null,
    video: null,
    queries,
    passages,
    query: queries[0] ?? null,
    passage: passages[0] ?? null,
    texts_by_name: byName,
    images_by_name: {},
    audios_by_name: {},
    videos_by_name: {},
    model: turn.model,
    max_tokens: turn.maxTokens,
    role: turn.role ?? null,
    stream,
    turn: turnObject,
    turns: [turnObject],
    request_info: { turns: [turnObject], model_name: turn.model },
  };
}
