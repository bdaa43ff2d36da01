/**
 * inputs_json replay: a previous run's inputs.json (`{"data":[{"session_id","payloads":[…]}]}`),
 * each payload sent exactly as recorded (its model, max tokens and extra inputs included). The
 * `data` entries are streamed one at a time (a million-turn inputs.json is gigabytes) and errors
 * name the line an entry starts on.
 */
import type { LoaderContext, Piece } from "./context.ts";
import { readJsonArray } from "./json-array.ts";
import { DatasetInputError } from "./model.ts";

export async function* loadInputsJson(ctx: LoaderContext): AsyncGenerator<Piece> {
  let entries = 0;
  for await (const { value, line } of readJsonArray(ctx.path, { key: "data" })) {
    const fail = (what: string): never => {
      throw new DatasetInputError(ctx.path, line, what);
    };
    const i = entries++;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return fail(`data[${i}] must be a {"session_id", "payloads"} object`);
    // Other keys are ignored: newer writers may add some.
    const { session_id: id, payloads } = value as { session_id?: unknown; payloads?: unknown };
    if (!Array.isArray(payloads) || payloads.length === 0) return fail(`data[${i}].payloads must be a non-empty list of request bodies`);
    const turns = payloads.map((p, t) => {
      if (typeof p !== "object" || p === null || Array.isArray(p)) return fail(`data[${i}].payloads[${t}] must be a JSON object`);
      return { texts: [], images: [], audios: [], payload: p as Record<string, unknown> };
    });
    yield { session: typeof id === "string" && id !== "" ? id : undefined, turns };
  }
  if (entries === 0) throw new DatasetInputError(ctx.path, undefined, '"data" is empty');
}

/** The prompt texts inside a recorded body, to count its input tokens. */
export function payloadTexts(body: Record<string, unknown>): string[] {
  const texts: string[] = [];
  const visit = (v: unknown): void => {
    if (typeof v === "string") texts.push(v);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (typeof v === "object" && v !== null) {
      const o = v as Record<string, unknown>;
      if (typeof o.text === "string") texts.push(o.text);
      else if (o.content !== undefined) visit(o.content);
    }
  };
  for (const key of ["messages", "prompt", "input", "query", "passages"]) if (body[key] !== undefined) visit(body[key]);
  return texts;
}
