/**
 * The builtin corpus's token ids as computed when the binary was built (corpus-ids.macro.ts,
 * inlined by the bundler). Loaded only by the compiled binary: Bun refuses to run a macro from
 * node_modules, where the package's source lives in a project that installed it.
 */
import { builtinCorpusIds } from "./corpus-ids.macro.ts" with { type: "macro" };

// A macro's result is inlined after it settles: the literal object, not a promise, is what runs.
const EMBEDDED = builtinCorpusIds() as unknown as Awaited<ReturnType<typeof builtinCorpusIds>>;

/** The embedded ids when `text` is the corpus they were computed from; otherwise undefined. */
export function embeddedCorpusIds(text: string): Uint32Array | undefined {
  if (Bun.hash(text).toString(16) !== EMBEDDED.textHash) return undefined;
  const bytes = Buffer.from(EMBEDDED.idsBase64, "base64");
  // Copied out: the decoded buffer may sit at an offset that is not 4-byte aligned.
  return new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}
