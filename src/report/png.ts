/**
 * PNGs of the main charts: each chart of report.html alone (`?only=<id>`), screenshot by a
 * headless Chromium or Chrome (the chart is drawn by the same code as in the page, so the PNG is
 * what the report shows). Drawing text and charts without a browser would mean a font rasterizer
 * of our own; upstream's PNG export (kaleido) needs Chrome too.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { ChartSpec } from "./chart-spec.ts";

const CANDIDATES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"];

/** AIPERF_CHROMIUM if set, else the first known browser name on PATH. */
export function findChromium(env: Record<string, string | undefined> = process.env): string | undefined {
  const given = env.AIPERF_CHROMIUM;
  if (given !== undefined && given !== "") return existsSync(given) ? given : Bun.which(given) ?? undefined;
  for (const name of CANDIDATES) {
    const found = Bun.which(name);
    if (found !== null) return found;
  }
  return undefined;
}

const WIDTH = 1000;
const HEIGHT = 520;

/** Screenshots every `main` chart into `outDir`/<id>.png, two browsers at a time; returns the paths written. */
export async function writePngs(browser: string, reportPath: string, charts: ChartSpec[], outDir: string): Promise<string[]> {
  const main = charts.filter((c) => c.main === true);
  const written: string[] = [];
  const failures: string[] = [];
  const queue = [...main];
  // Each browser needs a profile directory of its own; none is left behind.
  const profiles = mkdtempSync(join(tmpdir(), "aiperf-png-"));
  const worker = async (): Promise<void> => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
      const out = join(outDir, `${c.id}.png`);
      const url = `${pathToFileURL(reportPath).href}?only=${encodeURIComponent(c.id)}`;
      const proc = Bun.spawn(
        [
          browser,
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--hide-scrollbars",
          "--no-first-run",
          "--disable-extensions",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          // The page fetches nothing (its CSP forbids it); this keeps the browser itself offline too.
          "--proxy-server=127.0.0.1:9",
          "--host-resolver-rules=MAP * ~NOTFOUND",
          `--user-data-dir=${join(profiles, c.id)}`,
          `--window-size=${WIDTH},${HEIGHT}`,
          "--virtual-time-budget=3000",
          `--screenshot=${out}`,
          url,
        ],
        { stdout: "pipe", stderr: "pipe" },
      );
      const timer = setTimeout(() => proc.kill("SIGKILL"), 60_000);
      const [, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
      clearTimeout(timer);
      const code = await proc.exited;
      if (code === 0 && existsSync(out)) written.push(out);
      else failures.push(`${c.id}: ${browser} exited ${code}${err.trim() === "" ? "" : ` (${err.trim().split("\n").slice(-1)[0]})`}`);
    }
  };
  try {
    await Promise.all([worker(), worker()]);
  } finally {
    rmSync(profiles, { recursive: true, force: true });
  }
  if (failures.length > 0) throw new Error(`Could not draw ${failures.length} PNG(s): ${failures.join("; ")}`);
  return written.sort();
}
