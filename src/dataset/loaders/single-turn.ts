/** single_turn JSONL (§3.2): each line is one turn and its own conversation. */
import type { LoaderContext } from "./context.ts";
import { parseTurn } from "./fields.ts";
import { readJsonLines } from "./lines.ts";
import { type Conversation, sortByTimestamp } from "./model.ts";

export async function loadSingleTurn(ctx: LoaderContext): Promise<Conversation[]> {
  const conversations: Conversation[] = [];
  for await (const { value, line } of readJsonLines(ctx.path)) {
    conversations.push({ sessionId: ctx.sessionId(), turns: [parseTurn(value, { file: ctx.path, line })] });
  }
  return sortByTimestamp(conversations);
}
