/**
 * The o200k_base tables as built when the binary was (o200k.macro.ts, inlined by the bundler).
 * Loaded only by the compiled binary: Bun refuses to run a macro from node_modules, where the
 * package's source lives in a project that installed it.
 */
import { type O200kTables, type PackedO200k, unpackO200kTables } from "./o200k-tables.ts";
import { packedO200k } from "./o200k.macro.ts" with { type: "macro" };

// A macro's result is inlined as a literal: the object, not a call, is what runs.
const PACKED = packedO200k() as unknown as PackedO200k;

export function embeddedO200kTables(): O200kTables {
  return unpackO200kTables(PACKED);
}
