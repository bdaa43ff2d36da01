/**
 * The control plane between the controller and its services: plain JSON messages with a literal
 * `type`, one per ZMTP frame. Services speak DEALER → controller ROUTER; broadcasts go out on the
 * controller's PUB with the message type plus "$" as topic (AIPerf's layout, zmtp.md §8.3).
 */
import * as v from "valibot";

const Payload = v.optional(v.unknown());

const Register = v.object({ type: v.literal("register"), role: v.string(), id: v.string(), pid: v.number(), loaded: v.array(v.string()) });
/** `busyMs`: the sender is about to block for up to that long (ServiceContext.busy). */
const Heartbeat = v.object({ type: v.literal("heartbeat"), id: v.string(), busyMs: v.optional(v.number()) });
const Reply = v.object({ type: v.literal("reply"), cid: v.number(), ok: v.boolean(), result: Payload, error: v.optional(v.string()) });
const ServiceEvent = v.object({ type: v.literal("event"), id: v.string(), name: v.string(), payload: Payload });
const Command = v.object({ type: v.literal("command"), cid: v.number(), name: v.string(), payload: Payload });
const Shutdown = v.object({ type: v.literal("shutdown"), reason: v.string() });
const Broadcast = v.object({ type: v.literal("broadcast"), name: v.string(), payload: Payload });

/** What a service sends to the controller. */
export const ToController = v.variant("type", [Register, Heartbeat, Reply, ServiceEvent]);
export type ToController = v.InferOutput<typeof ToController>;

/** What the controller sends to a service, directly or by broadcast. */
export const ToService = v.variant("type", [Command, Shutdown, Broadcast]);
export type ToService = v.InferOutput<typeof ToService>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeControl(msg: ToController | ToService): Uint8Array {
  return encoder.encode(JSON.stringify(msg));
}

/** Parses and validates a frame; returns a reason string for anything that is not a known message. */
export function decodeControl<T extends typeof ToController | typeof ToService>(schema: T, frame: Uint8Array | undefined): v.InferOutput<T> | string {
  if (frame === undefined) return "empty message";
  let data: unknown;
  try {
    data = JSON.parse(decoder.decode(frame));
  } catch {
    return "not JSON";
  }
  const parsed = v.safeParse(schema, data);
  return parsed.success ? parsed.output : `invalid message: ${parsed.issues[0]?.message ?? "unknown"}`;
}

/** PUB topic for a broadcast: the type and a "$" so "shutdown" never matches "shutdown_x". */
export function topicOf(msg: ToService): string {
  return `${msg.type === "broadcast" ? msg.name : msg.type}$`;
}
