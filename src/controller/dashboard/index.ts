/**
 * `--ui dashboard`: the live terminal dashboard (the default on a terminal). One door:
 * `createDashboard` gives the ProgressUi the controller feeds; it redraws at 4 Hz from what the
 * events said, and closes (terminal restored, held log lines written) at finish().
 */
import { isClosedLoop } from "../../config/load-modes.ts";
import type { ResolvedProfile } from "../../config/resolve.ts";
import { redactUrl } from "../../core/redact.ts";
import { endpointPath } from "../../endpoints/registry.ts";
import { arrivalSpecOf } from "../../metrics/arrival-fidelity.ts";
import { serverMetricsUrls } from "../../server-metrics/urls.ts";
import type { ProgressUi } from "../progress.ts";
import { type DashboardInfo, DashboardModel } from "./model.ts";
import { openScreen } from "./screen.ts";
import { renderView } from "./view.ts";

export type { DashboardInfo } from "./model.ts";

/** Redraw period: steady, and no faster than a person reads. */
const FRAME_MS = 250;

/**
 * Whether the dashboard can draw on `out`: a terminal that takes cursor movement (not "dumb"),
 * and no NO_COLOR (escape codes of any kind are what it asks to be spared).
 */
export function dashboardPossible(out: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return out.isTTY === true && (env.NO_COLOR ?? "") === "" && env.TERM !== "dumb";
}

export function createDashboard(
  info: DashboardInfo,
  heartbeats: () => { name: string; lateMs: number }[],
  out: NodeJS.WriteStream = process.stderr,
): ProgressUi {
  const model = new DashboardModel(info, performance.now());
  const screen = openScreen(out);
  let closed = false;
  const draw = (): void => {
    if (closed) return;
    const now = performance.now();
    model.health = heartbeats();
    const { cols, rows } = screen.size();
    screen.draw(renderView(model, cols, rows, now, screen.log()));
  };
  const timer = setInterval(draw, FRAME_MS);
  draw();
  return {
    update() {},
    event(name, payload) {
      const now = performance.now();
      switch (name) {
        case "phase_start":
          return model.phaseStarted(payload, now);
        case "progress":
          return model.progress(payload, now);
        case "phase_complete":
          return model.phaseEnded(payload, now);
        case "records_progress":
          return model.recordsProgress(payload);
        case "records_live":
          return model.recordsLive(payload, now);
        case "server_metrics_live":
          model.serverLive = payload;
          return;
        case "gpu_live":
          model.gpuLive = payload;
          return;
        case "collectors":
          model.info.serverMetrics = payload.serverMetrics;
          model.info.gpuTelemetry = payload.gpu;
          return;
        case "stage":
          model.stage = payload;
          return;
        case "stopping":
          model.stopping = payload;
          return;
      }
    },
    finish() {
      if (closed) return;
      draw();
      closed = true;
      clearInterval(timer);
      screen.close();
    },
  };
}

/** The header's and the verdict's part of the configuration. */
export function dashboardInfo(cfg: ResolvedProfile): DashboardInfo {
  const path = cfg.endpoint ?? endpointPath(cfg.endpointType, cfg.streaming);
  const first = cfg.urls[0] === undefined ? "" : `${redactUrl(cfg.urls[0]).replace(/\/+$/, "")}${path}`;
  const load = cfg.fixedSchedule
    ? "fixed schedule"
    : cfg.requestRate !== undefined
      ? `rate ${cfg.requestRate}/s${cfg.concurrency === undefined ? "" : `, concurrency ≤ ${cfg.concurrency}`}`
      : `concurrency ${cfg.concurrency ?? 1}`;
  return {
    model: cfg.model.join(", "),
    target: cfg.urls.length > 1 ? `${first} (+${cfg.urls.length - 1})` : first,
    load,
    sendLagBoundMs: cfg.clientBottleneckSendLagMs,
    loopLagBoundMs: cfg.clientBottleneckLoopLagMs,
    closedLoop: isClosedLoop(cfg),
    ...gapOf(askedGapMs(cfg)),
    serverMetrics: serverMetricsUrls(cfg).length > 0,
    gpuTelemetry: !cfg.noGpuTelemetry,
  };
}

/**
 * The asked median gap between sends (ms) where the load says it: a constant rate's (and
 * user-centric sessions', spread evenly) is 1/rate, a random one's at most the exponential's
 * ln 2/rate. A schedule's is known only from its records (the final verdict).
 */
function askedGapMs(cfg: ResolvedProfile): number | undefined {
  if (cfg.userCentricRate !== undefined && cfg.userCentricRate > 0) return 1000 / cfg.userCentricRate;
  const spec = arrivalSpecOf(cfg);
  if (spec.kind === "constant") return 1000 / spec.rate;
  if (spec.kind === "poisson" || spec.kind === "gamma") return (1000 * Math.LN2) / spec.rate;
  return undefined;
}

const gapOf = (gapMs: number | undefined): { gapMs?: number } => (gapMs === undefined ? {} : { gapMs });
