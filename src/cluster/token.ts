/** The run's cluster token: from AIPERF_CLUSTER_TOKEN, or made up by the controller and printed. */

export const TOKEN_ENV = "AIPERF_CLUSTER_TOKEN";

export function newClusterToken(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url");
}

/** Compares the whole length whatever differs, so timing does not reveal how much of a guess was right. */
export function sameToken(got: string | null | undefined, want: string): boolean {
  const a = new TextEncoder().encode(got ?? "");
  const b = new TextEncoder().encode(want);
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a[i] ?? 0) ^ (b[i] as number);
  return diff === 0;
}

/** "Bearer <token>" → token. */
export function bearer(header: string | null): string | undefined {
  return header?.startsWith("Bearer ") === true ? header.slice(7) : undefined;
}
