/**
 * Where things are in a config file's text. Bun.YAML.parse and JSON.parse say neither the line of
 * a syntax error nor where a key is, and YAML's parser keeps the last of two equal keys without a
 * word: this module finds lines itself, so every config-file error can name file, line and key.
 */

/** Line (1-based) of every key path ("benchmark.endpoint.url", "phases.0.type") of block YAML or indented JSON. */
type KeyLines = Map<string, number>;

type LineScan = { lines: KeyLines; duplicate?: { path: string; line: number; first: number } };

const KEY = /^(-\s+)?(?:"([^"]*)"|'([^']*)'|([^\s"'#:{}[\],][^#:]*?))\s*:(?:\s|$)/;

/**
 * The key paths of a block-style YAML document (or JSON written one key per line), by indentation.
 * A key met twice under the same parent is reported, for YAML (which would silently keep the
 * second). Lines inside a multi-line flow collection (`[`…`]`, `{`…`}`) or a block scalar
 * (`|`, `>`) of YAML are not keys: they get no line of their own (lineOf falls back to the parent's).
 */
export function scanKeyLines(text: string, json = false): LineScan {
  // JSON is all flow, laid out by indentation; its lists of objects repeat keys: no duplicate check.
  const duplicates = !json;
  const lines: KeyLines = new Map();
  const stack: { indent: number; key: string }[] = [];
  const itemCount = new Map<string, number>();
  const rows = text.split(/\r?\n/);
  let flowDepth = 0;
  let blockIndent = -1;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as string;
    const body = row.trimStart();
    const depthBefore = flowDepth;
    flowDepth = Math.max(0, flowDepth + flowChange(body));
    if (body === "" || body.startsWith("#") || body === "---") continue;
    let indent = row.length - body.length;
    if (blockIndent >= 0) {
      if (indent > blockIndent) continue;
      blockIndent = -1;
    }
    if (depthBefore > 0 && !json) continue;
    let rest = json ? body.replace(/^,\s*/, "") : body;
    // A sequence item: "- key: value" (YAML) or "{" of an object in a list (JSON, not the
    // document's own) opens item N of the parent, whose keys sit further in.
    const dash = json ? (lines.size > 0 || stack.length > 0 ? /^\{\s*/.exec(rest) : null) : /^-(\s+|$)/.exec(rest);
    if (json && dash === null) rest = rest.replace(/^\{\s*/, "");
    if (dash !== null) {
      while (stack.length > 0 && (stack[stack.length - 1] as { indent: number }).indent >= indent) stack.pop();
      const parent = stack.map((s) => s.key).join(".");
      const n = itemCount.get(parent) ?? 0;
      itemCount.set(parent, n + 1);
      stack.push({ indent, key: String(n) });
      indent += dash[0].length;
      rest = rest.slice(dash[0].length);
    }
    const m = KEY.exec(rest);
    if (m === null) continue;
    const key = (m[2] ?? m[3] ?? m[4] ?? "").trim();
    while (stack.length > 0 && (stack[stack.length - 1] as { indent: number }).indent >= indent) stack.pop();
    const path = [...stack.map((s) => s.key), key].join(".");
    const first = lines.get(path);
    if (first !== undefined && duplicates) return { lines, duplicate: { path, line: i + 1, first } };
    if (first === undefined) lines.set(path, i + 1);
    stack.push({ indent, key });
    // "key: |" or "key: >-": the lines below, further in, are text.
    if (/:\s*[|>][-+0-9]*\s*(#.*)?$/.test(rest)) blockIndent = indent;
  }
  return { lines };
}

/** Opened minus closed brackets of a line, outside quotes and comments. */
function flowChange(line: string): number {
  let change = 0;
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote !== "") {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(line[i - 1] as string))) break;
    else if (c === "[" || c === "{") change++;
    else if (c === "]" || c === "}") change--;
  }
  return change;
}

/** The line of `path`, or of its nearest ancestor the scan found (a key in a one-line JSON object). */
export function lineOf(lines: KeyLines, path: readonly (string | number)[]): number | undefined {
  for (let n = path.length; n > 0; n--) {
    const line = lines.get(path.slice(0, n).join("."));
    if (line !== undefined) return line;
  }
  return undefined;
}

/**
 * The line where a YAML text stops parsing: the first line whose prefix fails while the shorter
 * one parses. A config file is small, so parsing each prefix is cheap.
 */
export function yamlErrorLine(text: string, parse: (t: string) => unknown): number {
  const rows = text.split(/\r?\n/);
  for (let n = 1; n <= rows.length; n++) {
    try {
      parse(rows.slice(0, n).join("\n"));
    } catch {
      return n;
    }
  }
  return rows.length;
}

/** The line of the first JSON syntax error (JSON.parse in Bun gives no position): a small scanner. */
export function jsonErrorLine(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ":") fail();
        i++;
        value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") return void i++;
        else fail();
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") return void i++;
        else fail();
      }
    }
    if (c === '"') return string();
    const lit = /^(true|false|null|-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?)/.exec(text.slice(i, i + 64));
    if (lit === null) fail();
    i += (lit as RegExpExecArray)[0].length;
  };
  const string = (): void => {
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    if (i >= text.length) fail();
    i++;
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return text.split("\n").length;
  } catch (at) {
    const pos = Math.min(typeof at === "number" ? at : 0, text.length);
    return text.slice(0, pos).split("\n").length;
  }
}
