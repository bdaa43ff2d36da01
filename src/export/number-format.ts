/**
 * Number formatting as Python prints it, since the files and console must read like upstream's:
 * `f"{x:.2f}"` (round half to EVEN on the exact binary value; JS toFixed rounds ties away from
 * zero), `f"{x:,.2f}"`, and `repr(float)` (used in artifact directory names).
 */

/** Python `f"{x:.{digits}f}"`. */
export function formatFixed(x: number, digits = 2): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const negative = x < 0 || Object.is(x, -0);
  const abs = Math.abs(x);
  if (abs >= 1e21) {
    // Doubles this large are integers; toFixed would switch to exponent notation.
    return (negative ? "-" : "") + BigInt(abs).toString() + (digits > 0 ? "." + "0".repeat(digits) : "");
  }
  let body = abs.toFixed(digits);
  // A decimal tie at `digits` places is exactly representable only as m / 2^(digits+1) with m
  // odd; toFixed then rounded away from zero, Python rounds to the even neighbour.
  const twice = abs * 2 ** (digits + 1);
  if (Number.isInteger(twice) && twice % 2 === 1) {
    const scaledTimesTwo = BigInt(twice) * 5n ** BigInt(digits); // = 2·|x|·10^digits, odd
    const below = (scaledTimesTwo - 1n) / 2n;
    const even = below % 2n === 0n ? below : below + 1n;
    body = withDecimalPoint(even.toString(), digits);
  }
  return (negative ? "-" : "") + body;
}

function withDecimalPoint(intDigits: string, digits: number): string {
  if (digits === 0) return intDigits;
  const padded = intDigits.padStart(digits + 1, "0");
  return `${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
}

/** Python `f"{x:,.2f}"`: thousands separators in the integer part. */
export function formatGrouped(x: number, digits = 2): string {
  const s = formatFixed(x, digits);
  const match = /^(-?)(\d+)(.*)$/.exec(s);
  if (!match) return s; // nan / inf
  const [, sign, int, rest] = match as unknown as [string, string, string, string];
  return sign + int.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + rest;
}

/** Python `f"{n:,}"` for an integer count. */
export function formatCount(n: number): string {
  return formatGrouped(n, 0);
}

/** An integral double as all its digits (no exponent, exact up to any size a double holds). */
export function formatInteger(n: number): string {
  return Math.abs(n) < 1e21 ? n.toFixed(0) : BigInt(n).toString();
}

/**
 * Python `repr(float(x))`: shortest round-trip digits, always with a decimal point or exponent,
 * exponent form when the exponent is < -4 or ≥ 16 (`5.0`, `0.0001`, `1e-05`, `1e+16`).
 */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, expText] = x.toExponential().split("e") as [string, string];
  const exp = Number(expText);
  const sign = mantissa.startsWith("-") ? "-" : "";
  const digits = mantissa.replace("-", "").replace(".", "");
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  const frac = digits.slice(exp + 1);
  return `${sign}${intPart}.${frac || "0"}`;
}
