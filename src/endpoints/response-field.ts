/**
 * `--extra-inputs response_field:<path>` for the raw and template endpoints (aiperf-features §2.2).
 * Upstream takes a JMESPath expression; we take its path subset, which covers what the docs show:
 * fields (`a.b`, `"odd-name"`), indexes (`[0]`, `[-1]`) and list projections (`data[*].embedding`).
 * Anything else is refused when the flag is read, with a message naming it.
 */

type Segment = { field: string } | { index: number } | { wildcard: true };

type FieldPath = { source: string; segments: Segment[] };

const FLAG = "--extra-inputs response_field";
const compiled = new Map<string, FieldPath>();

/** Parses `source`; throws an Error naming the flag when it is not in the supported subset. */
export function compileFieldPath(source: string): FieldPath {
  const cached = compiled.get(source);
  if (cached !== undefined) return cached;
  const segments: Segment[] = [];
  const s = source.trim();
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`${FLAG}: cannot read "${source}" at character ${i + 1}: ${why} (supported: fields, "quoted" fields, [n] indexes and [*] projections)`);
  };
  if (s === "") fail("the path is empty");
  let expectField = true;
  while (i < s.length) {
    const c = s[i] as string;
    if (c === "[") {
      const end = s.indexOf("]", i);
      if (end < 0) fail("an unclosed [");
      const inner = s.slice(i + 1, end).trim();
      if (inner === "*") segments.push({ wildcard: true });
      else if (/^-?\d+$/.test(inner)) segments.push({ index: Number(inner) });
      else fail(`[${inner}] is not an index or [*]`);
      i = end + 1;
      expectField = false;
    } else if (c === ".") {
      if (expectField) fail("a field name is missing");
      i++;
      expectField = true;
    } else if (expectField && c === '"') {
      const end = s.indexOf('"', i + 1);
      if (end < 0) fail('an unclosed "');
      segments.push({ field: s.slice(i + 1, end) });
      i = end + 1;
      expectField = false;
    } else if (expectField) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i));
      if (m === null) fail(`unexpected "${c}"`);
      segments.push({ field: (m as RegExpExecArray)[0] });
      i += (m as RegExpExecArray)[0].length;
      expectField = false;
    } else {
      fail(`unexpected "${c}"`);
    }
  }
  if (expectField) fail("the path ends with a dot");
  const path = { source, segments };
  compiled.set(source, path);
  return path;
}

/** The value at `path`, or null where it leads nowhere (JMESPath's null); projections drop nulls. */
export function searchField(path: FieldPath, value: unknown): unknown {
  return walk(path.segments, 0, value);
}

function walk(segments: Segment[], at: number, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (at >= segments.length) return value;
  const seg = segments[at] as Segment;
  if ("field" in seg) {
    if (typeof value !== "object" || Array.isArray(value)) return null;
    return walk(segments, at + 1, (value as Record<string, unknown>)[seg.field]);
  }
  if (!Array.isArray(value)) return null;
  if ("index" in seg) return walk(segments, at + 1, value[seg.index < 0 ? value.length + seg.index : seg.index]);
  return value.map((item) => walk(segments, at + 1, item)).filter((v) => v !== null);
}
