import { describe, expect, test } from "bun:test";
import { displayText, escapeControls } from "../../src/core/safe-text.ts";

describe("control characters made visible", () => {
  test("ESC, BEL, CR, DEL, C1 and bidi overrides become escapes; text, newline and tab stay", () => {
    expect(escapeControls("a\x1b[2J\x1b]0;pwned\x07b")).toBe("a\\x1b[2J\\x1b]0;pwned\\x07b");
    expect(escapeControls("x\ry\x7fz\x9b1m\u202eevil")).toBe("x\\x0dy\\x7fz\\x9b1m\\u202eevil");
    expect(escapeControls("line 1\n\tline 2 é ✓")).toBe("line 1\n\tline 2 é ✓");
  });

  test("on one line when asked (table cells): newline and tab escaped too", () => {
    expect(escapeControls("a\nb\tc", false)).toBe("a\\x0ab\\x09c");
  });

  test("displayText also redacts URL credentials", () => {
    expect(displayText("GET http://u:s3cret@h/\x1b[31m")).toBe("GET http://<redacted>@h/\\x1b[31m");
  });
});
