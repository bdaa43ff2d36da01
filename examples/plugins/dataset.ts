/**
 * A dataset format: `--custom-dataset-type text_lines --input-file prompts.txt`. Every non-empty
 * line of a plain text file is one single-turn conversation whose prompt is that line.
 */
import type { LoaderContext, Piece, Plugin } from "../../src/plugins/api.ts";

async function* loadTextLines(ctx: LoaderContext): AsyncGenerator<Piece> {
  const text = await Bun.file(ctx.path).text();
  for (const line of text.split("\n")) {
    const prompt = line.trim();
    if (prompt === "") continue;
    // No session: each piece is a conversation of its own.
    yield { session: undefined, turns: [{ texts: [{ name: "text", contents: [prompt] }], images: [], audios: [] }] };
  }
}

const plugin: Plugin = { name: "example dataset format", datasetFormats: [{ name: "text_lines", load: loadTextLines }] };
export default plugin;
