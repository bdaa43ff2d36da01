/**
 * The dashboard's screen as plain lines, from the model, for a terminal of `cols`×`rows`: 80×24
 * holds everything a person checks during a run; taller terminals get a throughput history and
 * more log lines, wider ones longer lines. Every line is cut to `cols` here, so the renderer never
 * writes past the edge (a wrapped line would scroll the screen and garble the next frame).
 */
import { type DashboardModel, fixed } from "./model.ts";
import type { LivePercentiles } from "../../protocol/live-stats.ts";

export type Line = { text: string; style?: "title" | "label" | "dim" | "warn"; optional?: boolean };

const SPARK = "▁▂▃▄▅▆▇█";

export function renderView(m: DashboardModel, cols: number, rows: number, nowMs: number, log: readonly string[]): Line[] {
  const phase = m.current();
  const elapsed = clock((nowMs - m.startMs) / 1000);
  const eta = m.etaSec(nowMs);
  const lines: Line[] = [];
  const spacer = (): void => void lines.push({ text: "", optional: true });

  lines.push({ text: ` AIPerf · ${m.stopping === undefined ? m.stage : `Stopping: ${m.stopping}`} · ${m.info.model} @ ${m.info.target}`, style: "title" });
  const inPhase =
    phase === undefined
      ? ""
      : ` · ${phase.phase} ${clock(((phase.endMs ?? nowMs) - phase.startMs) / 1000)}${phase.durationSec === undefined ? "" : ` of ${clock(phase.durationSec)}`}`;
  lines.push({ text: ` ${m.info.load} · elapsed ${elapsed}${inPhase} · ETA ${eta === undefined ? "-" : clock(eta)}` });
  lines.push({ text: bar(m, cols, nowMs) });
  spacer();

  const p = m.phases.get("profiling");
  const live = m.live;
  if (p === undefined)
    lines.push({
      text: ` Requests    ${m.phases.has("warmup") ? `warmup: sent ${m.phases.get("warmup")?.sent ?? 0}, done ${m.phases.get("warmup")?.completed ?? 0}` : "not started yet"}`,
      style: "label",
    });
  else
    lines.push({
      text: ` Requests    sent ${p.sent}  done ${p.completed}  in flight ${Math.max(0, p.sent - p.completed)}  failed ${live?.failed ?? 0}`,
      style: "label",
    });
  lines.push({
    text: ` Records     ${m.records.processed}${m.records.expected === undefined ? "" : ` of ${m.records.expected}`} processed${live === undefined ? "" : ` · ${live.ok} ok`}`,
  });
  const now = m.rates();
  const avg = m.averages(nowMs);
  lines.push({ text: ` Throughput  ${num(now.requests)} req/s now, ${num(avg.requests)} avg · ${num(now.tokens)} tok/s now, ${num(avg.tokens)} avg` });
  if (rows >= 30) lines.push({ text: ` History     ${spark(m.history, Math.max(10, cols - 14))}`, optional: true });
  spacer();

  const colW = cols >= 110 ? 14 : 10;
  const head = (label: string): string => ` ${label.padEnd(26)}${["p50", "p90", "p99"].map((h) => h.padStart(colW)).join("")}`;
  lines.push({ text: head(live === undefined ? "Recent requests (ms)" : `Last ${live.window} requests (ms)`), style: "label" });
  const row = (label: string, v: LivePercentiles | undefined): void =>
    void lines.push({
      text: `   ${label.padEnd(24)}${v === undefined ? "-".padStart(colW) : [v.p50, v.p90, v.p99].map((x) => fixed(x).padStart(colW)).join("")}`,
    });
  row("Time to first token", live?.ttftMs);
  row("Inter-token latency", live?.itlMs);
  row("Request latency", live?.latencyMs);
  row("Send lag", live?.sendLagMs);
  spacer();

  const errors = live?.errors ?? [];
  lines.push({
    text: ` Errors      ${errors.length === 0 ? "none" : errors.map(([kind, n]) => `${kind} ${n}`).join(" · ")}`,
    ...(errors.length > 0 ? { style: "warn" as const } : {}),
  });
  lines.push({ text: ` Health      ${health(m)}` });
  for (const t of telemetry(m, rows >= 30 ? 4 : 1)) lines.push({ text: t });
  const v = m.verdict();
  lines.push({
    text: ` Verdict     ${v.state === "waiting" ? "forming" : v.state === "ok" ? "forming: client keeps up" : "forming: AT RISK, client-bound"} (${v.why})`,
    ...(v.state === "at risk" ? { style: "warn" as const } : {}),
  });
  if (rows >= 30 && m.health.length > 0) {
    spacer();
    lines.push({ text: " Heartbeat lateness by service (ms past the 1 s interval)", style: "label", optional: true });
    const cells = m.health.map((h) => `${h.name} ${h.lateMs}`.padEnd(24));
    const perLine = Math.max(1, Math.floor((cols - 3) / 24));
    for (let i = 0; i < cells.length && i < perLine * 4; i += perLine) lines.push({ text: `   ${cells.slice(i, i + perLine).join("")}`, optional: true });
  }
  spacer();

  // The log gets what is left, at least two lines on 80×24; the footer takes the last row.
  const footer: Line = { text: " Ctrl-C: stop and write the results · the final tables follow this screen", style: "dim" };
  const room = rows - lines.length - 2;
  if (room >= 1) {
    lines.push({ text: " Log", style: "label", optional: true });
    const tail = log.slice(-room);
    for (const l of tail) lines.push({ text: `   ${l}`, style: "dim", optional: true });
  }
  while (lines.length > rows - 1) {
    // Too short a terminal: spacers and the log go first, from the bottom; then the rest is cut.
    const i = lines.findLastIndex((l) => l.optional === true);
    if (i < 0) break;
    lines.splice(i, 1);
  }
  const shown = lines.slice(0, rows - 1);
  while (shown.length < rows - 1) shown.push({ text: "" });
  shown.push(footer);
  return shown.map((l) => ({ ...l, text: cut(l.text, cols) }));
}

function bar(m: DashboardModel, cols: number, nowMs: number): string {
  const p = m.current();
  const f = m.fraction(nowMs);
  const label = p === undefined ? " Waiting for the first phase" : ` ${p.phase === "warmup" ? "Warmup   " : "Profiling"}`;
  const count =
    p === undefined
      ? ""
      : p.durationSec !== undefined
        ? ` ${clock(Math.min(p.durationSec, ((p.endMs ?? nowMs) - p.startMs) / 1000))}/${clock(p.durationSec)}`
        : ` ${p.completed}${p.total === undefined ? "" : `/${p.total}`}`;
  if (f === undefined) return `${label}${count}`;
  const pct = `${Math.floor(f * 100)}%`.padStart(5);
  const width = Math.max(10, cols - label.length - pct.length - count.length - 4);
  const full = Math.round(f * width);
  return `${label} ${"█".repeat(full)}${"░".repeat(width - full)}${pct}${count}`;
}

/** Heartbeat lateness per role (worst instance): a held event loop shows here within a second. */
function health(m: DashboardModel): string {
  if (m.health.length === 0) return "waiting for heartbeats";
  const worst = new Map<string, { n: number; ms: number }>();
  for (const h of m.health) {
    const role = h.name.slice(0, h.name.indexOf(":"));
    const w = worst.get(role) ?? { n: 0, ms: 0 };
    worst.set(role, { n: w.n + 1, ms: Math.max(w.ms, h.lateMs) });
  }
  // Workers first, then who parses the replies (record processors when asked for, else records).
  const order = ["worker", "record-processor", "records", "timing", "dataset", "server-metrics", "gpu-telemetry"];
  const short: Record<string, string> = { "record-processor": "rec-proc", "server-metrics": "metrics", "gpu-telemetry": "gpu" };
  const roles = [...worst].sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));
  return `loop lag (ms) ${roles.map(([role, w]) => `${short[role] ?? role}${w.n > 1 ? `×${w.n}` : ""} ${w.ms}`).join(" · ")}`;
}

/** Server gauges and GPU readings, one line on 80×24; an endpoint and a GPU a line when taller. */
function telemetry(m: DashboardModel, most: number): string[] {
  const server = (m.serverLive?.endpoints ?? []).map((e) => {
    const parts = [
      e.kvCachePct === undefined ? "" : `KV cache ${fixed(e.kvCachePct)} %`,
      e.running === undefined ? "" : `running ${e.running}`,
      e.waiting === undefined ? "" : `waiting ${e.waiting}`,
    ].filter((x) => x !== "");
    return parts.length === 0 ? "no load gauges" : parts.join(", ");
  });
  const gpus = (m.gpuLive?.gpus ?? []).map((g) => {
    const parts = [
      g.powerW === undefined ? "" : `${fixed(g.powerW)} W`,
      g.utilPct === undefined ? "" : `${fixed(g.utilPct)} %`,
      g.memUsedGb === undefined ? "" : `${fixed(g.memUsedGb)} GB`,
      g.tempC === undefined ? "" : `${g.tempC} °C`,
    ].filter((x) => x !== "");
    return `GPU${g.index} ${parts.join(" ")}`;
  });
  const serverText = !m.info.serverMetrics ? "server metrics off" : server.length === 0 ? "server metrics on" : `server ${server.join(" | ")}`;
  const gpuText = !m.info.gpuTelemetry ? "GPU telemetry off" : gpus.length === 0 ? "GPU telemetry: no GPU seen yet" : gpus.join(" · ");
  if (most === 1 || gpus.length === 0) return [` Telemetry   ${serverText} · ${gpuText}`];
  return [` Telemetry   ${serverText}`, ...gpus.slice(0, most - 1).map((g) => `             ${g}`)];
}

function spark(values: readonly number[], width: number): string {
  const tail = values.slice(-width);
  const top = Math.max(...tail, 0);
  if (tail.length === 0 || top <= 0) return "(req/s, one point a second)";
  return `${tail.map((v) => SPARK[Math.min(7, Math.floor((v / top) * 7.999))]).join("")} max ${num(top)} req/s`;
}

/** mm:ss, or h:mm:ss past an hour. */
function clock(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  const hh = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, "0");
  const ss = String(s % 60).padStart(2, "0");
  return hh > 0 ? `${hh}:${mm}:${ss}` : `${mm}:${ss}`;
}

function num(n: number | undefined): string {
  if (n === undefined) return "-";
  return n >= 1000 ? Math.round(n).toLocaleString("en-US") : n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

/** At most `cols` characters (code points: everything drawn here is one column wide). */
function cut(text: string, cols: number): string {
  const chars = [...text];
  return chars.length <= cols ? text : `${chars.slice(0, cols - 1).join("")}…`;
}
