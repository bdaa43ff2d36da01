/** Bun appends a hint for its own developers ("pass `verbose: true` … to fetch()"); a user cannot act on it. */
export function withoutFetchHint(message: string): string {
  return message.replace(/\s*For more information,? pass `verbose: true` in the second argument to fetch\(\)\.?/i, "").trim();
}
