/** The shape a plugin's default export must have; the first problem, in words, or undefined. */

const CATEGORIES = ["llm", "embeddings", "rankings", "images", "audio"];
const NAME = /^[a-z][a-z0-9_]*$/;

type Obj = Record<string, unknown>;

const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);

export function checkPlugin(plugin: unknown): string | undefined {
  if (!isObj(plugin))
    return "its default export is not a plugin object (export default { endpoints, datasetFormats, metrics, transports }, or a function returning one)";
  const kinds = ["endpoints", "datasetFormats", "metrics", "transports"];
  if (!kinds.some((k) => plugin[k] !== undefined)) return `it adds nothing: give at least one of ${kinds.join(", ")}`;
  for (const k of kinds) if (plugin[k] !== undefined && !Array.isArray(plugin[k])) return `${k} must be a list`;
  for (const e of (plugin.endpoints as unknown[] | undefined) ?? []) {
    const why = checkEndpoint(e);
    if (why !== undefined) return why;
  }
  for (const f of (plugin.datasetFormats as unknown[] | undefined) ?? []) {
    if (!isObj(f) || typeof f.name !== "string" || !NAME.test(f.name)) return "a dataset format needs a lower snake case name";
    if (typeof f.load !== "function") return `dataset format "${f.name}": load must be a function (an async generator of pieces)`;
  }
  for (const m of (plugin.metrics as unknown[] | undefined) ?? []) {
    if (!isObj(m) || typeof m.tag !== "string" || typeof m.header !== "string" || typeof m.unit !== "string") return "a metric needs tag, header and unit";
    if (m.kind === "record" ? typeof m.compute !== "function" : m.kind === "derived" ? typeof m.derive !== "function" : true)
      return `metric "${m.tag}": kind "record" needs compute(), kind "derived" needs derive()`;
  }
  for (const t of (plugin.transports as unknown[] | undefined) ?? []) {
    if (!isObj(t) || typeof t.name !== "string" || !NAME.test(t.name)) return "a transport needs a lower snake case name";
    if (typeof t.capture !== "function") return `transport "${t.name}": capture must be a function`;
  }
  return undefined;
}

function checkEndpoint(e: unknown): string | undefined {
  if (!isObj(e) || typeof e.name !== "string" || !NAME.test(e.name)) return "an endpoint needs a lower snake case name";
  const at = `endpoint "${e.name}"`;
  if (typeof e.defaultPath !== "string") return `${at}: defaultPath must be a string (e.g. "/v1/chat/completions")`;
  if (typeof e.category !== "string" || !CATEGORIES.includes(e.category)) return `${at}: category must be one of ${CATEGORIES.join(", ")}`;
  for (const k of ["streams", "producesTokens"]) if (typeof e[k] !== "boolean") return `${at}: ${k} must be true or false`;
  for (const k of ["buildBody", "parseResponse"]) if (typeof e[k] !== "function") return `${at}: ${k} must be a function`;
  return undefined;
}
