/**
 * inputs_json replay: a previous run's inputs.json (`{"data":[{"session_id","payloads":[…]}]}`),
 * each payload sent exactly as recorded (its model, max tokens and extra inputs included). The
 * file is one pretty-printed document, so it is parsed whole; errors name the entry, not a line.
 */
import type { LoaderContext } from "./context.ts";
import { type Conversation, DatasetInputError } from "./model.ts";

export async function loadInputsJson(ctx: LoaderContext): Promise<Conversation[]> {
  const fail = (what: string): never => {
    throw new DatasetInputError(ctx.path, undefined, what);
  };
  const text = await Bun.file(ctx.path).text();
  if (text.trim() === "") throw new DatasetInputError(ctx.path, 1, "the file is empty");
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return fail(`invalid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const data = (doc as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return fail('expected {"data": [{"session_id", "payloads": [...]}, ...]} as written by aiperf profile');
  if (data.length === 0) return fail('"data" is empty');
  return data.map((entry, i) => {
    const { session_id: id, payloads } = (entry ?? {}) as { session_id?: unknown; payloads?: unknown };
    if (!Array.isArray(payloads) || payloads.length === 0) return fail(`data[${i}].payloads must be a non-empty list of request bodies`);
    const turns = payloads.map((p, t) => {
      if (typeof p !== "object" || p === null || Array.isArray(p)) return fail(`data[${i}].payloads[${t}] must be a JSON object`);
      return { texts: [], images: [], audios: [], payload: p as Record<string, unknown> };
    });
    return { sessionId: typeof id === "string" && id !== "" ? id : ctx.sessionId(), turns };
  });
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
