/** Round trips to the controller's /api/time; the tightest gives this host's clock offsets (cluster/clock-sync.ts). */
import { type ClockSample, type ControllerTime, estimateOffset } from "../cluster/clock-sync.ts";
import type { ClockEstimate } from "../cluster/messages.ts";
import { monoNs, wallNs } from "../core/clock.ts";

/** Enough for one short round trip among them on a busy network; each costs one small request. */
const SAMPLES = 16;

export async function calibrateClock(gateUrl: string, samples = SAMPLES): Promise<ClockEstimate> {
  const taken: ClockSample[] = [];
  // The first request opens the connection (and warms the JIT): not counted.
  await fetch(`${gateUrl}/api/time`).then((r) => r.arrayBuffer());
  for (let i = 0; i < samples; i++) {
    const t0MonoNs = monoNs();
    const t0WallNs = wallNs();
    const answer = (await (await fetch(`${gateUrl}/api/time`)).json()) as ControllerTime;
    const t3MonoNs = monoNs();
    taken.push({ t0MonoNs, t0WallNs, t3MonoNs, controllerMonoNs: answer.monoNs, controllerWallNs: answer.wallNs });
  }
  const estimate = estimateOffset(taken);
  if (estimate === undefined) throw new Error("no clock sample");
  return estimate;
}
