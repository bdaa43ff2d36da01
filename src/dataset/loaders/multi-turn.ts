/**
 * multi_turn JSONL (§3.2): `{"session_id"?, "turns": [single_turn objects]}`; lines sharing a
 * session_id are concatenated in file order, a line without one is a conversation of its own.
 */
import type { LoaderContext, Piece } from "./context.ts";
import { parseTurn, sessionIdOf } from "./fields.ts";
import { readJsonLines } from "./lines.ts";
import { DatasetInputError } from "./model.ts";

export async function* loadMultiTurn(ctx: LoaderContext): AsyncGenerator<Piece> {
  for await (const { value, line } of readJsonLines(ctx.path)) {
    const at = { file: ctx.path, line };
    for (const key of Object.keys(value)) {
      if (key !== "session_id" && key !== "turns") throw new DatasetInputError(ctx.path, line, `unknown field "${key}" (allowed: session_id, turns)`);
    }
    const turns = value.turns;
    if (!Array.isArray(turns) || turns.length === 0) throw new DatasetInputError(ctx.path, line, '"turns" must be a non-empty list of turn objects');
    const parsed = turns.map((t) => {
      if (typeof t !== "object" || t === null || Array.isArray(t)) throw new DatasetInputError(ctx.path, line, '"turns" must list JSON objects');
      return parseTurn(t as Record<string, unknown>, at);
    });
    yield { session: sessionIdOf(value, at), turns: parsed };
  }
}
