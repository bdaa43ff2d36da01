/**
 * A plain-text table drawn like Rich's default (box.HEAVY_HEAD, one space of padding, title
 * centred above): what upstream's console exporters print, minus the colours. Pure.
 */

type Justify = "left" | "right" | "center";

export type TableColumn = {
  header: string;
  justify: Justify;
  /** Wrap this column's cells at word boundaries when the table would exceed `maxWidth`. */
  wrap?: boolean;
  /** The narrowest a wrap column gets (default 10). */
  minWidth?: number;
};

export type TableSpec = {
  title?: string;
  columns: TableColumn[];
  /** Cells may hold "\n" for multi-line cells; other cells of that row stay blank below. */
  rows: string[][];
  /** Total width to fit in by wrapping the `wrap` columns (Rich shrinks to the console width). */
  maxWidth?: number;
};

/** Terminal cells of `s`: code points (no wide-character tables; good enough for our text). */
export function textWidth(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** The widest line of rendered text (a table, with its title). */
export function renderedWidth(text: string): number {
  return Math.max(0, ...text.split("\n").map(textWidth));
}

function pad(s: string, width: number, justify: Justify): string {
  const room = width - textWidth(s);
  if (room <= 0) return s;
  if (justify === "right") return " ".repeat(room) + s;
  if (justify === "left") return s + " ".repeat(room);
  const left = Math.floor(room / 2);
  return " ".repeat(left) + s + " ".repeat(room - left);
}

/** Greedy word wrap to `width`; words longer than that are cut. */
export function wrapText(s: string, width: number): string[] {
  const out: string[] = [];
  for (const paragraph of s.split("\n")) {
    let line = "";
    for (const word of paragraph.split(" ")) {
      let w = word;
      while (textWidth(w) > width) {
        if (line) out.push(line), (line = "");
        const chars = [...w];
        out.push(chars.slice(0, width).join(""));
        w = chars.slice(width).join("");
      }
      if (!line) line = w;
      else if (textWidth(line) + 1 + textWidth(w) <= width) line += ` ${w}`;
      else out.push(line), (line = w);
    }
    out.push(line);
  }
  return out;
}

function naturalWidths(spec: TableSpec): number[] {
  return spec.columns.map((col, c) => {
    let w = textWidth(col.header);
    for (const row of spec.rows) for (const line of (row[c] ?? "").split("\n")) w = Math.max(w, textWidth(line));
    return w;
  });
}

/** Narrows the wrap columns (widest first) until the table fits `maxWidth`, never below their minWidth (10). */
function fitWidths(spec: TableSpec, widths: number[]): number[] {
  if (spec.maxWidth === undefined) return widths;
  const total = (ws: number[]): number => ws.reduce((a, w) => a + w + 3, 1);
  const out = [...widths];
  let excess = total(out) - spec.maxWidth;
  const wrappable = spec.columns.map((c, i) => (c.wrap ? i : -1)).filter((i) => i >= 0);
  while (excess > 0) {
    const widest = wrappable.reduce((best, i) => ((out[i] ?? 0) > (out[best] ?? 0) ? i : best), wrappable[0] ?? -1);
    const current = out[widest];
    const floor = spec.columns[widest]?.minWidth ?? 10;
    if (widest < 0 || current === undefined || current <= floor) break;
    const cut = Math.min(excess, current - floor);
    out[widest] = current - cut;
    excess -= cut;
  }
  return out;
}

/** The table as lines joined by "\n" (no trailing newline). */
export function renderTable(spec: TableSpec): string {
  const widths = fitWidths(spec, naturalWidths(spec));
  const rule = (left: string, fill: string, mid: string, right: string): string => left + widths.map((w) => fill.repeat(w + 2)).join(mid) + right;
  const line = (cells: string[], edge: string): string =>
    edge + cells.map((cell, c) => ` ${pad(cell, widths[c] ?? 0, spec.columns[c]?.justify ?? "left")} `).join(edge) + edge;

  const lines: string[] = [];
  const tableWidth = widths.reduce((a, w) => a + w + 3, 1);
  if (spec.title !== undefined) lines.push(pad(spec.title, tableWidth, "center").trimEnd());
  lines.push(rule("┏", "━", "┳", "┓"));
  lines.push(
    line(
      spec.columns.map((c) => c.header),
      "┃",
    ),
  );
  lines.push(rule("┡", "━", "╇", "┩"));
  for (const row of spec.rows) {
    const cellLines = spec.columns.map((col, c) => {
      const text = row[c] ?? "";
      const width = widths[c] ?? 0;
      return col.wrap ? wrapText(text, width) : text.split("\n");
    });
    const height = Math.max(...cellLines.map((l) => l.length));
    for (let i = 0; i < height; i++)
      lines.push(
        line(
          cellLines.map((l) => l[i] ?? ""),
          "│",
        ),
      );
  }
  lines.push(rule("└", "─", "┴", "┘"));
  return lines.join("\n");
}
