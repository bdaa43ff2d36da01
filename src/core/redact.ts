/**
 * Credentials never reach an export or a log: the values of credential headers and of --api-key
 * become "<redacted>" wherever headers or the command line are written out (upstream redacts the
 * same nine header names), and so do a URL's user:password and its credential-like query
 * parameters (api_key, token, ...). Requests still use the real URL: only what is shown changes.
 */
export const REDACTED = "<redacted>";

const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set([
  "authorization",
  "proxy-authorization",
  "x-api-key",
  "api-key",
  "x-goog-api-key",
  "x-auth-token",
  "ocp-apim-subscription-key",
  "cookie",
  "set-cookie",
]);

function isCredentialHeader(name: string): boolean {
  return CREDENTIAL_HEADERS.has(name.trim().toLowerCase());
}

/** Header pairs with credential values replaced. */
export function redactHeaderPairs<T>(pairs: readonly [string, T][]): [string, T | string][] {
  return pairs.map(([name, value]) => [name, isCredentialHeader(name) ? REDACTED : value]);
}

const API_KEY_FLAGS = new Set(["--api-key"]);
const HEADER_FLAGS = new Set(["--header", "-H"]);
/** Flags whose values are (comma lists of) URLs, with or without a scheme. */
const URL_FLAGS = new Set(["--url", "-u", "--server-metrics", "--gpu-telemetry"]);

/** Query parameter names (lower case, without - _ .) that carry a credential. */
const CREDENTIAL_PARAMS = new Set([
  "key",
  "apikey",
  "token",
  "auth",
  "authorization",
  "sig",
  "signature",
  "pass",
  "passwd",
  "pwd",
  "password",
  "secret",
  "code",
  "jwt",
  "session",
  "sessionid",
  "credential",
  "credentials",
]);
const CREDENTIAL_PARAM_PARTS = ["token", "secret", "password", "passwd", "apikey", "signature", "credential", "accesskey", "privatekey", "subscriptionkey"];

export function isCredentialParam(name: string): boolean {
  let plain = name.toLowerCase().replace(/[-_.]/g, "");
  try {
    plain = decodeURIComponent(plain);
  } catch {
    // A malformed escape: judge the name as written.
  }
  return CREDENTIAL_PARAMS.has(plain) || CREDENTIAL_PARAM_PARTS.some((part) => plain.includes(part));
}

/**
 * One URL with its userinfo (user and password) and credential query values replaced. The scheme
 * is optional ("user:pw@host:8000" as --url takes it). Works on the text, so a URL that does not
 * parse is redacted too.
 */
export function redactUrl(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0] ?? (url.startsWith("//") ? "//" : "");
  const rest = url.slice(scheme.length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const tail = authorityEnd < 0 ? "" : rest.slice(authorityEnd);
  // The last "@" ends the userinfo, as URL parsers read it: an unescaped "@" in a password stays hidden.
  const at = authority.lastIndexOf("@");
  const host = at < 0 ? authority : `${REDACTED}@${authority.slice(at + 1)}`;
  return `${scheme}${host}${redactQuery(tail)}`;
}

/** path?query#fragment with credential parameter values replaced. */
function redactQuery(tail: string): string {
  const q = tail.indexOf("?");
  if (q < 0) return tail;
  const hash = tail.indexOf("#", q);
  const query = hash < 0 ? tail.slice(q + 1) : tail.slice(q + 1, hash);
  const redacted = query.replace(/(^|[&;])([^=&;]*)=([^&;]*)/g, (all, sep: string, name: string) =>
    isCredentialParam(name) ? `${sep}${name}=${REDACTED}` : all,
  );
  return `${tail.slice(0, q + 1)}${redacted}${hash < 0 ? "" : tail.slice(hash)}`;
}

/** A URL in running text: a scheme, "://", then anything up to white space or a quote. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'`]+/gi;

/** "scheme://" then a userinfo: for URLs inside other URLs (a query value) that the first pass reads as one. */
const USERINFO_ANYWHERE = /([a-z][a-z0-9+.-]*:\/\/)[^\s/?#"'`]*@/gi;

/** Text (a log line, an error message) with every URL in it redacted. */
export function redactUrlsInText(text: string): string {
  if (!text.includes("://")) return text;
  // "http://a,http://b" (a URL flag's list in a message) is two URLs.
  const once = text.replace(URL_IN_TEXT, (m) =>
    m
      .split(/,(?=[a-z][a-z0-9+.-]*:\/\/)/i)
      .map(redactUrl)
      .join(","),
  );
  return once.replace(USERINFO_ANYWHERE, (_all, scheme: string) => `${scheme}${REDACTED}@`);
}

/** A value as an export shows it: every string in it (at any depth) with its URLs redacted. */
export function redactUrlsDeep(value: unknown): unknown {
  if (typeof value === "string") return redactUrlsInText(value);
  if (Array.isArray(value)) return value.map(redactUrlsDeep);
  if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactUrlsDeep(v)]));
  }
  return value;
}

/** A comma list of URLs (the URL flags' values), each redacted. */
function redactUrlList(value: string): string {
  return value.split(",").map(redactUrl).join(",");
}

/** The command line's arguments with --api-key's value, credential -H values and URL credentials replaced. */
export function redactArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const eq = arg.indexOf("=");
    const flag = arg.startsWith("-") && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = flag !== arg;
    if (API_KEY_FLAGS.has(flag)) {
      out.push(inline ? `${flag}=${REDACTED}` : arg);
      if (!inline && i + 1 < args.length) out.push(REDACTED), i++;
    } else if (HEADER_FLAGS.has(flag)) {
      if (inline) out.push(`${flag}=${redactHeaderArg(arg.slice(eq + 1))}`);
      else {
        out.push(arg);
        if (i + 1 < args.length) out.push(redactHeaderArg(args[++i] as string));
      }
    } else if (URL_FLAGS.has(flag)) {
      if (inline) out.push(`${flag}=${redactUrlList(arg.slice(eq + 1))}`);
      else {
        out.push(arg);
        if (i + 1 < args.length) out.push(redactUrlList(args[++i] as string));
      }
    } else out.push(redactUrlsInText(arg));
  }
  return out;
}

/** One -H value: a JSON object, or "name:value[,name:value]" as the flag parser reads it. */
export function redactHeaderArg(value: string): string {
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
      return JSON.stringify(Object.fromEntries(redactHeaderPairs(Object.entries(parsed))));
    }
  } catch {
    // Not JSON: the key:value form.
  }
  return value
    .split(",")
    .map((pair) => {
      const colon = pair.indexOf(":");
      return colon > 0 && isCredentialHeader(pair.slice(0, colon)) ? `${pair.slice(0, colon)}:${REDACTED}` : pair;
    })
    .join(",");
}
