/**
 * The Jinja2 subset the template endpoint renders (aiperf-features §2.2): literal text with
 * `{{ expression }}` outputs and `{# comments #}`. An expression is a variable with `.attr`,
 * `[index]` or `['key']` access (or a string/number/true/false/none literal), then filters:
 * tojson, lower, upper, length/count, first, last, join(sep), default/d(value), string, int,
 * float, trim, safe. Like upstream's Environment(autoescape=True), plain string output is
 * HTML-escaped and tojson output is HTML-safe JSON. `{% %}` statements are refused when compiled.
 */

type Vars = Record<string, unknown>;
type Expr = { base: Operand; access: (string | number)[]; filters: { name: string; args: unknown[] }[] };
type Operand = { name: string } | { literal: unknown };
type Part = string | Expr;

type CompiledTemplate = { render(vars: Vars): string };

const FILTERS = new Set(["tojson", "lower", "upper", "length", "count", "first", "last", "join", "default", "d", "string", "int", "float", "trim", "safe"]);
const cache = new Map<string, CompiledTemplate>();

class TemplateError extends Error {}

/** Compiles once per source; throws TemplateError naming what is unsupported. */
export function compileTemplate(source: string): CompiledTemplate {
  const hit = cache.get(source);
  if (hit !== undefined) return hit;
  const parts: Part[] = [];
  let i = 0;
  while (i < source.length) {
    const open = source.slice(i).search(/\{[{%#]/);
    if (open < 0) {
      parts.push(source.slice(i));
      break;
    }
    const at = i + open;
    if (at > i) parts.push(source.slice(i, at));
    const kind = source[at + 1];
    const close = kind === "{" ? "}}" : kind === "#" ? "#}" : "%}";
    const end = source.indexOf(close, at + 2);
    if (end < 0) throw new TemplateError(`payload_template: "${source.slice(at, at + 2)}" at character ${at + 1} is never closed`);
    const inner = source.slice(at + 2, end).trim();
    if (kind === "%")
      throw new TemplateError(`payload_template: {% ${inner} %} statements are not supported; use {{ expressions }} with filters such as tojson`);
    if (kind === "{") parts.push(parseExpr(inner));
    i = end + 2;
  }
  const compiled: CompiledTemplate = { render: (vars) => parts.map((p) => (typeof p === "string" ? p : output(evaluate(p, vars)))).join("") };
  cache.set(source, compiled);
  return compiled;
}

function parseExpr(text: string): Expr {
  const tokens = tokenize(text);
  let t = 0;
  const fail = (why: string): never => {
    throw new TemplateError(`payload_template: cannot read {{ ${text} }}: ${why}`);
  };
  const next = (): string => tokens[t++] ?? fail("it ends too early");
  const peek = (): string | undefined => tokens[t];
  const literalOf = (tok: string): { literal: unknown } | undefined => {
    if (/^(['"]).*\1$/s.test(tok)) return { literal: tok.slice(1, -1) };
    if (/^-?\d+(\.\d+)?$/.test(tok)) return { literal: Number(tok) };
    if (/^(true|True)$/.test(tok)) return { literal: true };
    if (/^(false|False)$/.test(tok)) return { literal: false };
    if (/^(none|None|null)$/.test(tok)) return { literal: null };
    return undefined;
  };
  const first = next();
  const base: Operand = literalOf(first) ?? (/^[A-Za-z_]\w*$/.test(first) ? { name: first } : fail(`unexpected "${first}"`));
  const access: (string | number)[] = [];
  const filters: Expr["filters"] = [];
  while (peek() === "." || peek() === "[") {
    if (next() === ".") {
      const name = next();
      if (!/^[A-Za-z_]\w*$/.test(name)) fail(`".${name}" is not an attribute name`);
      access.push(name);
    } else {
      const key = literalOf(next());
      if (key === undefined || (typeof key.literal !== "string" && typeof key.literal !== "number")) fail("[…] takes a number or a quoted key");
      access.push((key as { literal: string | number }).literal);
      if (next() !== "]") fail('a "]" is missing');
    }
  }
  while (peek() === "|") {
    next();
    const name = next();
    if (!FILTERS.has(name)) fail(`the filter "${name}" is not supported (supported: ${[...FILTERS].join(", ")})`);
    const args: unknown[] = [];
    if (peek() === "(") {
      next();
      while (peek() !== ")") {
        const arg = literalOf(next());
        if (arg === undefined) fail(`filter arguments must be literals`);
        args.push((arg as { literal: unknown }).literal);
        if (peek() === ",") next();
      }
      next();
    }
    filters.push({ name, args });
  }
  if (t < tokens.length) fail(`unexpected "${tokens[t]}"`);
  return { base, access, filters };
}

function tokenize(text: string): string[] {
  const re = /\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|[A-Za-z_]\w*|[.[\]|(),])/y;
  const out: string[] = [];
  let m: RegExpExecArray | null;
  re.lastIndex = 0;
  while (re.lastIndex < text.length && (m = re.exec(text)) !== null) out.push(m[1] as string);
  if (text.slice(re.lastIndex).trim() !== "") throw new TemplateError(`payload_template: cannot read {{ ${text} }} near "${text.slice(re.lastIndex).trim()}"`);
  return out;
}

/** Marks output that must not be escaped again (tojson, safe). */
class Safe {
  constructor(readonly text: string) {}
}

function evaluate(expr: Expr, vars: Vars): unknown {
  let value: unknown = "literal" in expr.base ? expr.base.literal : vars[expr.base.name];
  for (const key of expr.access) value = lookup(value, key);
  for (const f of expr.filters) value = applyFilter(f.name, f.args, value);
  return value;
}

function lookup(value: unknown, key: string | number): unknown {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value) && typeof key === "number") return value[key < 0 ? value.length + key : key];
  if (typeof value === "object") return (value as Record<string, unknown>)[String(key)];
  return undefined;
}

function applyFilter(name: string, args: unknown[], value: unknown): unknown {
  const plain = value instanceof Safe ? value.text : value;
  switch (name) {
    case "tojson":
      return new Safe(htmlSafeJson(plain));
    case "lower":
      return pyStr(plain).toLowerCase();
    case "upper":
      return pyStr(plain).toUpperCase();
    case "length":
    case "count":
      return Array.isArray(plain) || typeof plain === "string" ? plain.length : typeof plain === "object" && plain !== null ? Object.keys(plain).length : 0;
    case "first":
      return Array.isArray(plain) || typeof plain === "string" ? plain[0] : undefined;
    case "last":
      return Array.isArray(plain) || typeof plain === "string" ? plain[plain.length - 1] : undefined;
    case "join":
      return Array.isArray(plain) ? plain.map(pyStr).join(typeof args[0] === "string" ? args[0] : "") : pyStr(plain);
    case "default":
    case "d":
      return plain === undefined ? args[0] : value;
    case "string":
      return pyStr(plain);
    case "int":
      return Math.trunc(Number(plain)) || 0;
    case "float":
      return Number(plain) || 0;
    case "trim":
      return pyStr(plain).trim();
    default:
      return value instanceof Safe ? value : new Safe(pyStr(plain));
  }
}

/** Python's str() of a value, which is what Jinja prints. */
function pyStr(value: unknown): string {
  if (value === null || value === undefined) return value === null ? "None" : "";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return JSON.stringify(value);
}

function output(value: unknown): string {
  if (value instanceof Safe) return value.text;
  return escapeHtml(pyStr(value));
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;" })[c] as string);
}

/** Jinja's tojson: JSON with <, >, & and ' escaped, so it is safe inside HTML and still JSON. */
function htmlSafeJson(value: unknown): string {
  const text = JSON.stringify(value === undefined ? null : value) ?? "null";
  return text.replace(/[<>&']/g, (c) => `\\u00${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
