/**
 * URLs and headers of an inference request (aiperf-features §2.1), prepared once at configure so
 * the per-request work is one object spread and two assignments.
 */
import { toFormData } from "../../endpoints/audio-transcription.ts";
import { endpointFor } from "../../endpoints/registry.ts";
import type { WorkerConfig } from "../../protocol/worker-config.ts";

/** Upstream's rule: base without trailing "/", then "/", then the path without leading "/"; http:// if no scheme. */
export function buildUrl(base: string, path: string): string {
  const withScheme = base.startsWith("http") ? base : `http://${base}`;
  const trimmed = withScheme.replace(/\/+$/, "");
  const p = path.replace(/^\/+/, "");
  return p === "" ? trimmed : `${trimmed}/${p}`;
}

/** The endpoint type uploads multipart/form-data (audio_transcription). */
export function isMultipart(type: WorkerConfig["endpointType"]): boolean {
  return type !== undefined && endpointFor(type).multipart === true;
}

/** What fetch sends: the stored bytes, or for multipart types the form built from the stored JSON. */
export function sendable(multipart: boolean, stored: Uint8Array): Uint8Array | FormData {
  if (!multipart) return stored;
  const body: unknown = JSON.parse(new TextDecoder().decode(stored));
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new Error("The stored multipart body is not a JSON object");
  return toFormData(body as Record<string, unknown>);
}
