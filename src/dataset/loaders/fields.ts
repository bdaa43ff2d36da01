/**
 * Validation of the single_turn record shape (§3.2), shared by single_turn, multi_turn turns,
 * random_pool entries and CSV rows: modalities singular or plural (never both), optional timing
 * and per-turn settings, nothing else.
 */
import { formatHint } from "./format-hint.ts";
import { DatasetInputError, type Media, type Turn } from "./model.ts";

const MODALITIES = [
  ["text", "texts", "texts"],
  ["image", "images", "images"],
  ["audio", "audios", "audios"],
] as const;

const SETTINGS = ["timestamp", "delay", "role", "max_tokens", "model"] as const;

type TurnRules = {
  /** Extra keys the caller handles itself (e.g. session_id). */
  extraKeys?: readonly string[];
  /** random_pool entries carry no timing. */
  timing?: boolean;
};

type Where = { file: string; line: number };

/** The turn described by `obj`; throws a DatasetInputError for any unknown or ill-typed field. */
export function parseTurn(obj: Record<string, unknown>, at: Where, rules: TurnRules = {}): Turn {
  const fail = (what: string): never => {
    throw new DatasetInputError(at.file, at.line, what);
  };
  const timing = rules.timing ?? true;
  const allowed = new Set<string>([...MODALITIES.flatMap(([s, p]) => [s, p]), ...SETTINGS, ...(rules.extraKeys ?? [])]);
  if (!timing) {
    allowed.delete("timestamp");
    allowed.delete("delay");
  }
  for (const key of Object.keys(obj))
    if (!allowed.has(key)) fail(`unknown field "${key}" (allowed: ${[...allowed].join(", ")})${formatHint(key, "single_turn")}`);

  const turn: Turn = { texts: [], images: [], audios: [] };
  for (const [singular, plural, slot] of MODALITIES) {
    const one = obj[singular];
    const many = obj[plural];
    if (one !== undefined && many !== undefined) fail(`"${singular}" and "${plural}" cannot both be given`);
    if (one !== undefined) {
      if (typeof one !== "string") fail(`"${singular}" must be a string`);
      turn[slot].push({ name: "", contents: [one as string] });
    } else if (many !== undefined) {
      turn[slot].push(...parseMediaList(many, plural, fail));
    }
  }
  if (turn.texts.length + turn.images.length + turn.audios.length === 0) {
    fail("needs at least one of text, texts, image, images, audio, audios");
  }
  readTiming(obj, turn, fail);
  const maxTokens = obj.max_tokens;
  if (maxTokens !== undefined && maxTokens !== null) {
    if (!Number.isInteger(maxTokens) || (maxTokens as number) < 1) fail('"max_tokens" must be a whole number ≥ 1');
    turn.maxTokens = maxTokens as number;
  }
  for (const key of ["role", "model"] as const) {
    const value = obj[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string") fail(`"${key}" must be a string`);
    turn[key] = value as string;
  }
  return turn;
}

/** A plural modality: a list of strings (one batch) or of `{name, contents}` objects. */
/** A line's `timestamp` or `delay` (ms, one at most) into `turn`. */
export function readTiming(obj: Record<string, unknown>, turn: Turn, fail: (what: string) => never): void {
  if (obj.timestamp !== undefined && obj.delay !== undefined) fail('"timestamp" and "delay" cannot both be given');
  for (const key of ["timestamp", "delay"] as const) {
    const value = obj[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) fail(`"${key}" must be a number of milliseconds ≥ 0`);
    turn[key] = value as number;
  }
}

function parseMediaList(value: unknown, key: string, fail: (what: string) => never): Media[] {
  if (!Array.isArray(value) || value.length === 0) return fail(`"${key}" must be a non-empty list`);
  if (value.every((v) => typeof v === "string")) return [{ name: "", contents: value as string[] }];
  return value.map((item) => {
    if (typeof item !== "object" || item === null || Array.isArray(item)) return fail(`"${key}" must list strings or {name, contents} objects`);
    const { name, contents, ...rest } = item as Record<string, unknown>;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined) return fail(`unknown field "${extra}" in "${key}" (allowed: name, contents)`);
    if (name !== undefined && typeof name !== "string") return fail(`"${key}[].name" must be a string`);
    if (!Array.isArray(contents) || !contents.every((c) => typeof c === "string")) return fail(`"${key}[].contents" must be a list of strings`);
    return { name: (name as string | undefined) ?? "", contents: contents as string[] };
  });
}

/** A session id from the file, if present and valid. */
export function sessionIdOf(obj: Record<string, unknown>, at: Where): string | undefined {
  const id = obj.session_id;
  if (id === undefined || id === null) return undefined;
  if (typeof id !== "string" && typeof id !== "number") throw new DatasetInputError(at.file, at.line, '"session_id" must be a string');
  return String(id);
}
