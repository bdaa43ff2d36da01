/** single_turn JSONL (§3.2): each line is one turn and its own conversation. */
import type { LoaderContext, Piece } from "./context.ts";
import { parseTurn } from "./fields.ts";
import { readJsonLines } from "./lines.ts";

export async function* loadSingleTurn(ctx: LoaderContext): AsyncGenerator<Piece> {
  for await (const { value, line } of readJsonLines(ctx.path)) {
    yield { session: undefined, turns: [parseTurn(value, { file: ctx.path, line })] };
  }
}
