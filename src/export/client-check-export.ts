/**
 * The arrival-fidelity block and the run-validity verdict as the records service writes them:
 * `arrival_fidelity` and `run_validity` in profile_export_aiperf.json, and a line or two under
 * the console tables (metrics/arrival-fidelity.ts, metrics/client-verdict.ts).
 */
import { type ArrivalCollector, arrivalFidelityLine } from "../metrics/arrival-fidelity.ts";
import { clientVerdict, type RunValidity, verdictLine } from "../metrics/client-verdict.ts";
import type { ClientCheckInput } from "../protocol/client-check.ts";

type ClientCheckReport = {
  /** JSON blocks, keyed by their name in the file. */
  blocks: Record<string, unknown>;
  /** Console text (each line ends with a newline); empty when there is nothing to say. */
  consoleText: string;
  runValidity?: RunValidity;
};

/** Nothing at all without `input` (an in-process caller that did not ask). */
export function clientCheckReport(collector: ArrivalCollector, input: ClientCheckInput | undefined, width = 100): ClientCheckReport {
  if (input === undefined) return { blocks: {}, consoleText: "" };
  const fidelity = collector.report(input.arrival);
  const latencyNs = input.closedLoop ? collector.latencyP50Ns() : undefined;
  const gapNs = input.closedLoop ? undefined : collector.medianIntendedGapNs();
  const validity = clientVerdict(
    collector.sendLagsNs(input.closedLoop ? (input.startupCredits ?? 0) : 0),
    input.workerLoopLag,
    {
      sendLagMs: input.sendLagBoundMs,
      loopLagMs: input.loopLagBoundMs,
      ...(latencyNs === undefined ? {} : { closedLoopLatencyNs: latencyNs }),
      ...(gapNs === undefined ? {} : { medianGapNs: gapNs }),
    },
    collector.succeeded,
  );
  const lines = [arrivalFidelityLine(fidelity, width), verdictLine(validity, width)].filter((l): l is string => l !== null);
  return {
    blocks: { ...(fidelity === null ? {} : { arrival_fidelity: fidelity }), run_validity: validity },
    consoleText: lines.length === 0 ? "" : `${lines.join("\n")}\n`,
    runValidity: validity,
  };
}
