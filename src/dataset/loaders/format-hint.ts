/**
 * When a line's fields belong to another dataset format (a multi_turn file read as the default
 * single_turn, say), the "unknown field" error names the --custom-dataset-type that reads them.
 */
const SIGNS: readonly [field: string, format: string][] = [
  ["turns", "--custom-dataset-type multi_turn"],
  ["session_id", "--custom-dataset-type multi_turn"],
  ["hash_ids", "--custom-dataset-type mooncake_trace"],
  ["input_length", "--custom-dataset-type mooncake_trace"],
  ["output_length", "--custom-dataset-type mooncake_trace"],
  ["text_input", "--custom-dataset-type mooncake_trace"],
  ["messages", "--custom-dataset-type raw_payload"],
  ["conversations", "--public-dataset sharegpt"],
  ["text", "--custom-dataset-type single_turn"],
  ["texts", "--custom-dataset-type single_turn"],
];

/** "; …" naming the format whose field `key` is, or "" when none does or it is `current`'s own. */
export function formatHint(key: string, current: string): string {
  const flag = SIGNS.find(([field]) => field === key)?.[1];
  if (flag === undefined || flag.endsWith(` ${current}`)) return "";
  return `; this line looks like another format: read it with ${flag}`;
}
