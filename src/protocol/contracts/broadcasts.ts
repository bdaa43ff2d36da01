/**
 * What the controller publishes to every service (PUB, topic = name + "$"). Each role's contract
 * picks the ones it listens to.
 */
import type { NodeClock } from "../../cluster/messages.ts";
import type { CancelRequests } from "../pipeline.ts";
import type { TimingPhaseStart } from "../timing-plan.ts";

export type Broadcasts = {
  /** The timing service's phase_start, passed on: the records and server-metrics windows start here. */
  phase_start: TimingPhaseStart;
  /** Cut the requests in flight of these phases (grace period over, interrupt, a service lost). */
  cancel_requests: CancelRequests;
  /** A worker node's clocks drifted from the controller's: its services stamp with these offsets from now on. */
  node_clock: NodeClock;
};
