/**
 * `aiperf plot` and `profile --auto-plot` on the compiled binary, and report.html opened in a real
 * headless Chromium with the network off: no console errors, every chart drawn with the series and
 * points its data holds, labels with units; screenshots go to test-output/report/ to be looked at.
 * Without Chromium (.ci/run installs Debian's) the browser tests are skipped, and counted so.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "puppeteer-core";
import { ROOT } from "../process/helpers.ts";
import { BINARY, type ProfileRun, runProfile, useMockServer } from "./support.ts";

const chromium = Bun.which("chromium") ?? Bun.which("chromium-browser") ?? Bun.which("google-chrome") ?? undefined;
const SHOTS = join(ROOT, "test-output", "report");

// 5 % of requests fail, so the errors view has data; the mock's DCGM endpoint gives GPU telemetry.
const mock = useMockServer(["--error-rate", "5", "--random-seed", "3", "--ttft", "15", "--itl", "3"]);
let single: ProfileRun;
let second: ProfileRun;
const temp = mkdtempSync(join(tmpdir(), "aiperf-report-"));

beforeAll(async () => {
  const common = ["--streaming", "--request-count", "60", "--osl", "24", "--isl", "32"];
  single = await runProfile(mock.url, [...common, "--concurrency", "2", "--auto-plot", "--gpu-telemetry", `${mock.url}/dcgm/metrics`], {
    AIPERF_GPU_COLLECTION_INTERVAL: "0.1",
  });
  second = await runProfile(mock.url, [...common, "--concurrency", "6"]);
}, 180_000);
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function plot(args: string[], env: Record<string, string> = {}): { code: number; out: string } {
  const r = Bun.spawnSync([BINARY, "plot", ...args], { env: { ...process.env, NO_COLOR: "1", ...env }, stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString() + r.stderr.toString() };
}

type Spec = { id: string; title: string; x: { label: string; unit: string }; y: { label: string; unit: string }; xs: number[]; series: { label: string }[] };
type Drawn = { id: string; series: number; points: number; xLabel: string; yLabel: string; seriesLabels: string[] };

/** The chart data inlined in a report. */
function specsOf(html: string): Spec[] {
  const json = /<script id="report-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html)?.[1];
  if (json === undefined) throw new Error("no inlined data in the report");
  return (JSON.parse(json) as { charts: Spec[] }).charts;
}

test("profile --auto-plot writes plots/report.html: one file, nothing fetched, every view of the run in its data", () => {
  expect(single.code).toBe(0);
  expect(single.out).toContain("plots");
  const html = readFileSync(join(single.dir, "plots", "report.html"), "utf8");
  // Self-contained: no reference to anything outside the file, and a policy that forbids fetching.
  expect(html.match(/<script[^>]+src=|<link[^>]+href=|<img[^>]+src=/gi)).toBeNull();
  // URLs in the file: the run's loopback server (its config), XML namespace names and uPlot's licence header; none is fetched.
  const urls = (html.match(/https?:\/\/[^\s"'<>)\\]*/g) ?? []).filter(
    (u) => !u.startsWith("http://127.0.0.1:") && !u.startsWith("http://www.w3.org/") && u !== "https://github.com/leeoniya/uPlot",
  );
  expect(urls).toEqual([]);
  expect(html).toContain("default-src 'none'");
  const ids = specsOf(html).map((c) => c.id);
  for (const id of [
    "timeline",
    "hist-time_to_first_token",
    "cdf-time_to_first_token",
    "hist-inter_token_latency",
    "cdf-inter_token_latency",
    "hist-request_latency",
    "cdf-request_latency",
    "throughput",
    "in-flight",
    "itl-position",
    "send-lag",
    "intended",
    "errors",
    "server-kv",
    "gpu-power",
    "gpu-util",
    "gpu-memory",
  ]) {
    expect(ids).toContain(id);
  }
  // Per-request views hold every record of the JSONL (60 here: far under the display limit).
  const timeline = specsOf(html).find((c) => c.id === "timeline")!;
  expect(timeline.xs.length).toBe(60);
  expect(html).toContain("Configuration (");
});

test("plot of a folder of runs compares them: Pareto and percentiles vs concurrency, each run labelled", () => {
  const parent = join(temp, "sweep");
  mkdirSync(parent);
  Bun.spawnSync(["cp", "-r", single.dir, join(parent, "c2")]);
  Bun.spawnSync(["cp", "-r", second.dir, join(parent, "c6")]);
  const r = plot([parent, "-o", join(temp, "cmp")]);
  expect(r.out).toContain("Plotted 2 runs");
  expect(r.code).toBe(0);
  const specs = specsOf(readFileSync(join(temp, "cmp", "report.html"), "utf8"));
  const pareto = specs.find((c) => c.id === "cmp-pareto")!;
  expect(pareto.series.map((s) => s.label).sort()).toEqual(["Pareto front", "c2", "c6"]);
  const ttft = specs.find((c) => c.id === "cmp-ttft")!;
  expect(ttft.x.label).toBe("Concurrency");
  expect(ttft.xs).toEqual([2, 6]);
  expect(ttft.series.map((s) => s.label)).toEqual(["p50 TTFT", "p90 TTFT", "p99 TTFT"]);
  // Each run's own views follow, prefixed per run.
  expect(specs.some((c) => c.id === "r1-timeline") && specs.some((c) => c.id === "r2-timeline")).toBe(true);
});

test("bad input: a missing directory, a directory without exports, an unknown option, a bad theme: exit 2, one message", () => {
  const missing = plot([join(temp, "nope")]);
  expect(missing.code).toBe(2);
  expect(missing.out).toContain("is not a directory");
  mkdirSync(join(temp, "empty"));
  const empty = plot([join(temp, "empty")]);
  expect(empty.code).toBe(2);
  expect(empty.out).toContain("holds no profile_export_aiperf.json");
  expect(existsSync(join(temp, "empty", "plots"))).toBe(false);
  const unknown = plot([single.dir, "--pgn"]);
  expect(unknown.code).toBe(2);
  expect(unknown.out).toContain("did you mean --png?");
  const theme = plot([single.dir, "--theme", "blue"]);
  expect(theme.code).toBe(2);
  expect(theme.out).toContain('Invalid value "blue" for --theme');
});

test("--png without a browser: exit 2 before anything is written, naming what to install", () => {
  const out = join(temp, "nopng");
  const r = plot([single.dir, "--png", "-o", out], { AIPERF_CHROMIUM: "/nonexistent/chromium", PATH: "/nonexistent" });
  expect(r.code).toBe(2);
  expect(r.out).toContain("--png needs Chromium or Chrome");
  expect(existsSync(out)).toBe(false);
});

describe.skipIf(chromium === undefined)("in headless Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    const puppeteer = (await import("puppeteer-core")).default;
    browser = await puppeteer.launch({ executablePath: chromium!, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(() => browser?.close());

  /** Opens a report offline; returns what the page drew and every console error and outside request. */
  async function open(path: string, shot: string, query = ""): Promise<{ drawn: Drawn[]; errors: string[]; requests: string[]; text: string }> {
    const page = await browser.newPage();
    try {
      await page.setOfflineMode(true);
      await page.setRequestInterception(true);
      const requests: string[] = [];
      const errors: string[] = [];
      page.on("request", (req) => {
        if (req.url().startsWith("file://")) return void req.continue();
        requests.push(req.url());
        void req.abort();
      });
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warn") errors.push(m.text());
      });
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.setViewport({ width: 1280, height: 900 });
      await page.goto(`file://${path}${query}`, { waitUntil: "load" });
      await page.waitForSelector("body[data-ready]", { timeout: 30_000 });
      // Evaluated in the page (strings: this project's TypeScript has no DOM types).
      const state = (await page.evaluate("window.__aiperfReport")) as { charts: Drawn[]; errors: string[] };
      await page.screenshot({ path: join(SHOTS, shot), fullPage: true });
      const text = (await page.evaluate("document.body.innerText")) as string;
      return { drawn: state.charts, errors: [...errors, ...state.errors], requests, text };
    } finally {
      await page.close();
    }
  }

  function expectDrawnAsSpecified(html: string, drawn: Drawn[]): void {
    const specs = specsOf(html);
    expect(drawn.map((d) => d.id)).toEqual(specs.map((s) => s.id));
    for (const spec of specs) {
      const d = drawn.find((x) => x.id === spec.id)!;
      expect({ id: d.id, series: d.series, points: d.points }).toEqual({ id: spec.id, series: spec.series.length, points: spec.xs.length });
      expect(d.points).toBeGreaterThan(0);
      // Axis labels carry their units.
      expect(d.xLabel).toBe(`${spec.x.label} (${spec.x.unit})`);
      expect(d.yLabel).toBe(`${spec.y.label} (${spec.y.unit})`);
      expect(d.seriesLabels).toEqual(spec.series.map((s) => s.label));
    }
  }

  test("the run's report: every chart drawn with its series and points, units on the axes, no console error, no request", async () => {
    const path = join(single.dir, "plots", "report.html");
    const { drawn, errors, requests, text } = await open(path, "single-run.png");
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expectDrawnAsSpecified(readFileSync(path, "utf8"), drawn);
    expect(drawn.find((d) => d.id === "timeline")!.yLabel).toBe("Latency (ms)");
    expect(drawn.find((d) => d.id === "throughput")!.seriesLabels).toEqual(["Requests/s", "Output tokens/s"]);
    expect(drawn.find((d) => d.id === "gpu-power")!.yLabel).toBe("GPU power (W)");
    expect(text).toMatch(/Valid run|Run invalid/);
    expect(text).toContain("time_to_first_token");
  }, 60_000);

  test("the comparison report and the dark theme draw cleanly too", async () => {
    const out = join(temp, "dark");
    expect(plot([single.dir, second.dir, "-o", out, "--theme", "dark"]).code).toBe(0);
    const path = join(out, "report.html");
    const { drawn, errors, requests, text } = await open(path, "comparison-dark.png");
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expectDrawnAsSpecified(readFileSync(path, "utf8"), drawn);
    expect(drawn.find((d) => d.id === "cmp-pareto")!.series).toBe(3);
    expect(text).toContain("Runs compared");
  }, 60_000);

  test("--png writes a PNG of each main chart, drawn by the browser with title and legend", () => {
    const out = join(temp, "png");
    const r = plot([single.dir, "--png", "-o", out], { AIPERF_CHROMIUM: chromium! });
    expect(r.code).toBe(0);
    const pngs = readdirSync(out)
      .filter((f) => f.endsWith(".png"))
      .sort();
    expect(pngs).toEqual(["cdf-request_latency.png", "gpu-power.png", "hist-time_to_first_token.png", "itl-position.png", "throughput.png", "timeline.png"]);
    for (const f of pngs) {
      const bytes = readFileSync(join(out, f));
      expect(bytes.subarray(1, 4).toString()).toBe("PNG");
      // IHDR: 2000 px wide (1000 at device scale 2), and taller than a blank strip.
      expect(bytes.readUInt32BE(16)).toBe(2000);
      expect(bytes.readUInt32BE(20)).toBeGreaterThan(600);
      expect(bytes.length).toBeGreaterThan(10_000);
    }
    Bun.spawnSync(["cp", join(out, "timeline.png"), join(SHOTS, "png-timeline.png")]);
  }, 120_000);
});
