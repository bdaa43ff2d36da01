/** Python number formatting; every expectation is what CPython 3.11 prints for the same double. */
import { describe, expect, test } from "bun:test";
import { formatCount, formatFixed, formatGrouped, formatInteger, formatLocalIso, pythonFloatRepr } from "../../src/export/index.ts";

describe('f"{x:.2f}"', () => {
  test("plain values", () => {
    expect(formatFixed(0)).toBe("0.00");
    expect(formatFixed(3.14159)).toBe("3.14");
    expect(formatFixed(1487.3)).toBe("1487.30");
    expect(formatFixed(2.675)).toBe("2.67"); // 2.67499999… in binary
    expect(formatFixed(1.005)).toBe("1.00"); // 1.00499999…
  });

  test("exact binary ties round half to even (JS toFixed rounds them up)", () => {
    expect((0.125).toFixed(2)).toBe("0.13");
    expect(formatFixed(0.125)).toBe("0.12");
    expect(formatFixed(0.375)).toBe("0.38");
    expect(formatFixed(0.625)).toBe("0.62");
    expect(formatFixed(90.875)).toBe("90.88");
    expect(formatFixed(-0.125)).toBe("-0.12");
    expect(formatFixed(2.5, 0)).toBe("2");
    expect(formatFixed(3.5, 0)).toBe("4");
  });

  test("signs, huge values and non-finite values", () => {
    expect(formatFixed(-0)).toBe("-0.00");
    expect(formatFixed(-0.001)).toBe("-0.00");
    expect(formatFixed(1.76e18)).toBe("1760000000000000000.00");
    expect(formatFixed(1e22)).toBe("10000000000000000000000.00");
    expect(formatFixed(Number.NaN)).toBe("nan");
    expect(formatFixed(Number.POSITIVE_INFINITY)).toBe("inf");
  });
});

describe('f"{x:,.2f}" and f"{n:,}"', () => {
  test("thousands separators", () => {
    expect(formatGrouped(10944.034)).toBe("10,944.03");
    expect(formatGrouped(1234567.891)).toBe("1,234,567.89");
    expect(formatGrouped(-1234.5)).toBe("-1,234.50");
    expect(formatGrouped(999.999)).toBe("1,000.00");
    expect(formatGrouped(12.5)).toBe("12.50");
    expect(formatCount(1234)).toBe("1,234");
    expect(formatCount(7)).toBe("7");
  });
});

describe("integers and repr(float)", () => {
  test("integers print every digit", () => {
    expect(formatInteger(1760000000000000000)).toBe("1760000000000000000");
    expect(formatInteger(171)).toBe("171");
    expect(formatInteger(1e22)).toBe("10000000000000000000000");
  });

  test("repr(float)", () => {
    expect(pythonFloatRepr(5)).toBe("5.0");
    expect(pythonFloatRepr(2.5)).toBe("2.5");
    expect(pythonFloatRepr(0.1)).toBe("0.1");
    expect(pythonFloatRepr(0.0001)).toBe("0.0001");
    expect(pythonFloatRepr(0.00001)).toBe("1e-05");
    expect(pythonFloatRepr(1.5e-7)).toBe("1.5e-07");
    expect(pythonFloatRepr(123456.789)).toBe("123456.789");
    expect(pythonFloatRepr(1e15)).toBe("1000000000000000.0");
    expect(pythonFloatRepr(1e16)).toBe("1e+16");
    expect(pythonFloatRepr(1.25e17)).toBe("1.25e+17");
    expect(pythonFloatRepr(-3)).toBe("-3.0");
    expect(pythonFloatRepr(0)).toBe("0.0");
  });
});

describe("datetime.fromtimestamp(ns / 1e9).isoformat()", () => {
  test("microseconds only when non-zero, rounded like CPython", () => {
    expect(formatLocalIso(1_760_000_000_000_000_000, 0)).toBe("2025-10-09T08:53:20");
    expect(formatLocalIso(1_760_000_000_500_000_000, 0)).toBe("2025-10-09T08:53:20.500000");
    expect(formatLocalIso(1_760_000_000_123_456_789, 120)).toBe("2025-10-09T10:53:20.123457");
    expect(formatLocalIso(1_760_000_000_999_999_600, 120)).toBe("2025-10-09T10:53:21");
    expect(formatLocalIso(1_760_000_000_000_000_000, -300)).toBe("2025-10-09T03:53:20");
  });
});
