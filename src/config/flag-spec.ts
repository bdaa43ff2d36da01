/** One `profile` flag: the schema key it sets, its names, how its text is read, and its help. */
import type { ProfileInput } from "./profile-schema.ts";

/** How a flag's text becomes a value. */
export type Kind = "list" | "numbers" | "string" | "number" | "boolean" | "pairs" | "goodput";
/** `negatable`: --no-<name> sets the boolean false (upstream's --[no-]flag pairs). */
export type FlagSpec = { key: keyof ProfileInput; names: string[]; kind: Kind; help: string; hint?: string; negatable?: true };
