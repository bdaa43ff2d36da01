/**
 * Credentials never reach an export or a log: the values of credential headers and of --api-key
 * become "<redacted>" wherever headers or the command line are written out (upstream redacts the
 * same nine header names).
 */
export const REDACTED = "<redacted>";

export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set([
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

export function isCredentialHeader(name: string): boolean {
  return CREDENTIAL_HEADERS.has(name.trim().toLowerCase());
}

/** Header pairs with credential values replaced. */
export function redactHeaderPairs<T>(pairs: readonly [string, T][]): [string, T | string][] {
  return pairs.map(([name, value]) => [name, isCredentialHeader(name) ? REDACTED : value]);
}

const API_KEY_FLAGS = new Set(["--api-key"]);
const HEADER_FLAGS = new Set(["--header", "-H"]);

/** The command line's arguments with --api-key's value and credential -H values replaced. */
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
    } else out.push(arg);
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
