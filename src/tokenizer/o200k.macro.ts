/**
 * A bundle-time macro (imported `with { type: "macro" }` by o200k-embedded.ts): the o200k_base
 * tables built from gpt-tokenizer's rank list when the binary is built, returned as base64 text
 * that the bundler inlines. The binary carries ~4.6 MB of base64 instead of the 2.4 MB vocabulary
 * module, and a run decodes it instead of evaluating 200k strings and building a Map of them.
 */
import ranks from "gpt-tokenizer/bpeRanks/o200k_base";
import { buildO200kTables, type PackedO200k, packO200kTables } from "./o200k-tables.ts";

export function packedO200k(): PackedO200k {
  return packO200kTables(buildO200kTables(ranks));
}
