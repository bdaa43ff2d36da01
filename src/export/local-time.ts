/**
 * Python's `datetime.fromtimestamp(ns / 1e9).isoformat()` (naive local time, microseconds only
 * when non-zero), which upstream writes as start_time/end_time.
 */

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const two = (n: number): string => String(n).padStart(2, "0");

/**
 * `utcOffsetMinutes` is minutes east of UTC (e.g. 120 for CEST); by default the machine's zone at
 * that instant, as fromtimestamp uses.
 */
export function formatLocalIso(epochNs: number, utcOffsetMinutes?: number): string {
  // Same steps as CPython: float seconds, split whole/fraction, round the fraction half-even.
  const seconds = epochNs / 1e9;
  let whole = Math.trunc(seconds);
  let micros = roundHalfEven((seconds - whole) * 1e6);
  if (micros >= 1_000_000) (whole += 1), (micros -= 1_000_000);
  if (micros < 0) (whole -= 1), (micros += 1_000_000);
  const offset = utcOffsetMinutes ?? -new Date(whole * 1000).getTimezoneOffset();
  const d = new Date((whole + offset * 60) * 1000);
  const date = `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return `${date}T${time}${micros ? `.${String(micros).padStart(6, "0")}` : ""}`;
}
