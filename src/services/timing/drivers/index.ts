/** The timing drivers by kind: phase-load.ts picks the kind of each phase, the run looks it up here. */
import type { DriverKind } from "../phase-load.ts";
import { burstDriver } from "./burst.ts";
import type { TimingDriver } from "./driver.ts";
import { fixedScheduleDriver } from "./fixed-schedule.ts";
import { rateDriver } from "./rate.ts";
import { userCentricDriver } from "./users.ts";

const DRIVERS: Record<DriverKind, TimingDriver> = {
  rate: rateDriver,
  burst: burstDriver,
  fixed: fixedScheduleDriver,
  users: userCentricDriver,
};

export function driverFor(kind: DriverKind): TimingDriver {
  return DRIVERS[kind];
}
