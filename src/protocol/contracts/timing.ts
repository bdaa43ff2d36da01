/** Role "timing": paces credits out to the workers, phase by phase. */
import type { CreditClockEstimate } from "../../cluster/credit-clock.ts";
import type { Command, None } from "./contract.ts";
import type { TimingBindResult, TimingEvents, TimingPlanInput, TimingResult } from "../timing-plan.ts";

export type TimingContract = {
  commands: {
    /** Binds the credits ROUTER workers connect to. */
    bind: Command<undefined, TimingBindResult>;
    /** Runs the phases; answers when the last one ended. */
    run: Command<TimingPlanInput, TimingResult>;
    /** Ends a run early; `inFlight`: credits still out. */
    cancel: Command<undefined, { cancelled: boolean; inFlight: number }>;
    /** Credits sent and not yet returned, by worker: what a lost worker node had in flight. */
    in_flight: Command<undefined, Record<string, number>>;
    /** Each worker's clock as its credits see it (cluster/credit-clock.ts): the offset its own correction missed. */
    credit_clock: Command<undefined, Record<string, CreditClockEstimate>>;
  };
  events: TimingEvents;
  broadcasts: None;
};
