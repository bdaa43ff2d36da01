/**
 * The headers of an inference request (aiperf-features §2.1), planned once (at a worker's configure,
 * or for the controller's pre-flight probes) so the per-request work is one spread and two assignments.
 */
import { VERSION } from "../core/version.ts";
import type { WorkerConfig } from "../protocol/worker-config.ts";
import { endpointFor } from "./registry.ts";

export type HeaderPlan = {
  /** Built-in headers, sent first. */
  base: Record<string, string>;
  /** User headers, applied last so they win. */
  user: Record<string, string>;
  /** The header naming the session (--session-header), lower-cased. */
  session: string;
};

/** Names are lower-cased: HTTP names are case-insensitive, and a plain object must not hold two spellings. */
export function planHeaders(
  config: Pick<WorkerConfig, "streaming" | "apiKey" | "headers"> & {
    endpointType?: WorkerConfig["endpointType"];
    sessionHeader?: string | undefined;
    multipart?: boolean | undefined;
  },
): HeaderPlan {
  const base: Record<string, string> = {
    "user-agent": `aiperf/${VERSION}`,
    "content-type": "application/json",
    accept: config.streaming ? "text/event-stream" : "application/json",
    // Upstream suppresses Accept-Encoding, so servers answer uncompressed; fetch would otherwise
    // offer gzip/br/zstd and a compressing proxy would regroup the stream's chunks.
    "accept-encoding": "identity",
  };
  const endpoint = config.endpointType === undefined ? undefined : endpointFor(config.endpointType);
  if (endpoint?.headers !== undefined) {
    // Some APIs add fixed headers (anthropic-version) with or without a key.
    for (const [name, value] of Object.entries(endpoint.headers(config.apiKey ?? ""))) base[name.toLowerCase()] = value;
  } else if (config.apiKey !== undefined && config.apiKey !== "") base.authorization = `Bearer ${config.apiKey}`;
  // A multipart body's content-type carries its boundary, which fetch writes from the FormData.
  if (config.multipart ?? endpoint?.multipart === true) delete base["content-type"];
  const user: Record<string, string> = {};
  for (const [name, value] of config.headers) user[name.trim().toLowerCase()] = value;
  return { base, user, session: (config.sessionHeader ?? "x-correlation-id").trim().toLowerCase() };
}

/** The header set of one request. */
export function requestHeaders(plan: HeaderPlan, requestId: string, correlationId: string): Record<string, string> {
  const h = { ...plan.base };
  h["x-request-id"] = requestId;
  h[plan.session] = correlationId;
  return Object.assign(h, plan.user);
}
