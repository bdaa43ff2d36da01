/** The Rich-like box table: layout rules checked on a tiny table (expected drawn by Rich 15.0). */
import { describe, expect, test } from "bun:test";
import { renderTable, textWidth, wrapText } from "../../src/export/index.ts";

describe("renderTable", () => {
  test("heavy head, light body, one space padding, centred title, justification per column", () => {
    const text = renderTable({
      title: "T",
      columns: [
        { header: "L", justify: "left" },
        { header: "Right", justify: "right" },
        { header: "C", justify: "center" },
      ],
      rows: [
        ["a", "1", "xyz"],
        ["bb\nccc", "22", "q"],
      ],
    });
    expect(text).toBe(
      [
        "          T", // (21 − 1) / 2 = 10 spaces; Rich pads the right too, we trim it
        "┏━━━━━┳━━━━━━━┳━━━━━┓",
        "┃ L   ┃ Right ┃  C  ┃",
        "┡━━━━━╇━━━━━━━╇━━━━━┩",
        "│ a   │     1 │ xyz │",
        "│ bb  │    22 │  q  │",
        "│ ccc │       │     │",
        "└─────┴───────┴─────┘",
      ].join("\n"),
    );
  });

  test("wrap columns shrink to fit the width, never below 10", () => {
    const spec = {
      columns: [{ header: "Message", justify: "left" as const, wrap: true }],
      rows: [["alpha beta gamma delta epsilon"]],
    };
    const lines = renderTable({ ...spec, maxWidth: 20 }).split("\n");
    expect(lines.every((l) => textWidth(l) <= 20)).toBe(true);
    // Rich at console width 20 draws the same lines.
    expect(lines).toEqual([
      "┏━━━━━━━━━━━━━━━━━━┓",
      "┃ Message          ┃",
      "┡━━━━━━━━━━━━━━━━━━┩",
      "│ alpha beta gamma │",
      "│ delta epsilon    │",
      "└──────────────────┘",
    ]);
    expect(renderTable({ ...spec, maxWidth: 5 }).split("\n")[0]).toBe(`┏${"━".repeat(12)}┓`);
  });
});

describe("wrapText", () => {
  test("greedy words, long words cut, newlines kept", () => {
    expect(wrapText("aa bb cc", 5)).toEqual(["aa bb", "cc"]);
    expect(wrapText("abcdefghij", 4)).toEqual(["abcd", "efgh", "ij"]);
    expect(wrapText("x\ny", 10)).toEqual(["x", "y"]);
  });
});
