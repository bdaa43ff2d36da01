/**
 * A node's clock offset to the controller from round trips (as NTP does): the node stamps its
 * clocks before asking and after the answer; the controller's stamp lies in between. The sample
 * with the shortest round trip bounds the offset tightest; half of it is the uncertainty.
 */
import type { ClockEstimate } from "./messages.ts";

/** One round trip: node clocks at send (t0) and receive (t3), the controller's at its answer. */
export type ClockSample = { t0MonoNs: number; t3MonoNs: number; t0WallNs: number; controllerMonoNs: number; controllerWallNs: number };

/** Node clock minus controller clock, for both clocks, from the tightest sample; undefined when there is none. */
export function estimateOffset(samples: readonly ClockSample[]): ClockEstimate | undefined {
  let best: ClockSample | undefined;
  for (const s of samples) if (best === undefined || s.t3MonoNs - s.t0MonoNs < best.t3MonoNs - best.t0MonoNs) best = s;
  if (best === undefined) return undefined;
  const half = (best.t3MonoNs - best.t0MonoNs) / 2;
  const midMono = best.t0MonoNs + half;
  // The wall clock is read beside the monotonic one; the midpoint is the same instant on it.
  const midWall = best.t0WallNs + half;
  return { monoOffsetNs: midMono - best.controllerMonoNs, wallOffsetNs: midWall - best.controllerWallNs, uncertaintyNs: half };
}

/** The controller's /api/time answer. */
export type ControllerTime = { monoNs: number; wallNs: number };
