/**
 * What a finished run means for its caller: the one place that decides whether results are
 * complete and the run succeeded (the CLI turns the error into its exit code, the API into
 * `outcome`). The order matters: an incomplete run says so before any threshold is judged.
 */
import type { ResolvedProfile } from "../config/resolve.ts";
import { BenchError } from "../core/errors.ts";
import type { ProfileResult } from "./profile.ts";
import type { Supervisor } from "./supervisor.ts";

type Judged = Pick<ResolvedProfile, "failedRequestThreshold" | "failOnClientBottleneck">;
type Finished = Pick<ProfileResult, "incomplete" | "lost" | "received" | "validCount" | "errorCount" | "runValidity">;

/** The run's failure as the error the CLI exits with, or undefined when it succeeded. */
export function runFailure(result: Finished, cfg: Judged): BenchError | undefined {
  // A service died or froze mid-run: the results hold what arrived (exit 4).
  if (result.incomplete.length > 0)
    return new BenchError("SERVICE_DIED", `The results are incomplete: ${result.incomplete.join("; ")}`, {
      hint: "See the log above for the service's own last words",
    });
  if (result.lost > 0) {
    return new BenchError(
      "RESULTS_INCOMPLETE",
      `The results are incomplete: ${result.lost} of ${result.received + result.lost} records were lost between the workers and the records service`,
      {
        hint: "The log says which service fell behind or failed; rerun to get complete results",
      },
    );
  }
  const total = result.validCount + result.errorCount;
  if (total > 0 && result.validCount === 0) return new BenchError("COMMAND_FAILED", `Every request failed (${result.errorCount} of ${total})`);
  if (cfg.failedRequestThreshold !== undefined && total > 0 && result.errorCount / total > cfg.failedRequestThreshold) {
    return new BenchError("COMMAND_FAILED", `Failed requests ${result.errorCount}/${total} exceed --failed-request-threshold ${cfg.failedRequestThreshold}`);
  }
  if (cfg.failOnClientBottleneck && result.runValidity?.valid === false) {
    return new BenchError("COMMAND_FAILED", `--fail-on-client-bottleneck: the client was the bottleneck (${result.runValidity.reasons.join("; ")})`);
  }
  return undefined;
}

/** Rejects as soon as a service dies, so a broken run ends at once instead of at a timeout. */
export function failureOf(supervisor: Supervisor): Promise<never> {
  return new Promise((_, reject) => supervisor.onFailure(reject));
}
