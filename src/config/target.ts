/**
 * The target's URL and header rules, checked before anything starts (exit 2): a mistyped URL would
 * otherwise surface only as one transport error per request, after the whole run.
 * - A URL without a scheme gets `http://` (upstream) but must then name its port: `-u 127.0.0.1`
 *   silently meaning port 80 is always a mistake against an inference server.
 * - Only http and https; the port must be 1–65535; `http//host` (a lost colon) is named as such.
 * - A base URL ending in `/v1` (the OpenAI client's `base_url` habit) is accepted: the `/v1` is
 *   folded into the endpoint's `/v1/...` path instead of being sent twice.
 */
import { invalidValue } from "./conflict.ts";

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** The URL as requests use it (scheme added, no trailing slash), or CONFIG_INVALID naming the fix. */
export function checkTargetUrl(flag: string, text: string): string {
  const raw = text.trim();
  if (raw === "") throw invalidValue(flag, text, "give the server's address, e.g. http://localhost:8000");
  const lostColon = /^(https?)\/\/?(.*)$/i.exec(raw) ?? /^(https?):\/(?!\/)(.*)$/i.exec(raw);
  if (lostColon !== null) throw invalidValue(flag, text, `a malformed scheme; did you mean ${lostColon[1]?.toLowerCase()}://${lostColon[2]}?`);
  const scheme = SCHEME.exec(raw)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== "http" && scheme !== "https")
    throw invalidValue(flag, text, `${scheme}:// is not supported; the server must be reached over http:// or https://`);
  const full = scheme === undefined ? `http://${raw}` : raw;
  let url: URL;
  try {
    url = new URL(full);
  } catch {
    const port = /^[a-z]+:\/\/[^/]*:(\d+)/i.exec(full)?.[1];
    if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) throw invalidValue(flag, text, `port ${port} is out of range (1-65535)`);
    throw invalidValue(flag, text, "not a valid URL; expected host:port or http(s)://host:port[/path]");
  }
  if (url.hostname === "") throw invalidValue(flag, text, "the URL has no host; expected host:port or http(s)://host:port");
  if (url.port === "0") throw invalidValue(flag, text, "port 0 is out of range (1-65535)");
  // new URL drops a default port (":80" for http): only the text tells whether one was written.
  const authority = (full.slice(full.indexOf("://") + 3).split(/[/?#]/)[0] ?? "").replace(/^.*@/, "");
  const portWritten = /:\d+$/.test(authority);
  if (scheme === undefined && !portWritten)
    throw invalidValue(
      flag,
      text,
      `no port given; write ${raw.replace(/\/+$/, "")}:8000 (or http://${raw.replace(/\/+$/, "")} if the server really listens on port 80)`,
    );
  if (url.hash !== "") throw invalidValue(flag, text, "a URL with a #fragment; remove it");
  return full.replace(/\/+$/, "");
}

/** Joins a base URL and an endpoint path; a base ending in /v1 and a path starting with /v1/ share one /v1. */
export function joinEndpointUrl(base: string, path: string): string {
  const b = base.replace(/\/+$/, "");
  const p = path.replace(/^\/+/, "");
  if (p === "") return b;
  return /\/v1$/i.test(b) && /^v1\//i.test(p) ? `${b}/${p.slice(3)}` : `${b}/${p}`;
}

/** A base URL ending in /v1 without it, when the endpoint's paths start with /v1/ (so /metrics and /v1/models are found at the root). */
export function foldV1(base: string, path: string): string {
  return /\/v1$/i.test(base) && /^\/?v1\//i.test(path) ? base.slice(0, -3) : base;
}

/** RFC 9110 field names: a token (no spaces, colons or separators). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;

/** Header pairs fetch can send, or CONFIG_INVALID naming the header and the fix. */
export function checkHeaders(flag: string, pairs: readonly [string, unknown][]): void {
  for (const [name, value] of pairs) {
    const n = name.trim();
    if (!TOKEN.test(n))
      throw invalidValue(
        flag,
        `${name}:${String(value)}`,
        `"${name}" is not a valid header name (letters, digits and - only; no spaces); write e.g. -H "X-My-Header:value"`,
      );
    if (/[\r\n\0]/.test(String(value))) throw invalidValue(flag, `${name}:…`, `the value of header "${n}" holds a line break; remove it`);
  }
}
