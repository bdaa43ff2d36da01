/**
 * PNGs of the main charts, drawn by the report's own code in a headless Chromium or Chrome: one
 * browser run (`--dump-dom` of report.html?png=1) composes every main chart with its title and
 * legend on a canvas and lists them as base64; we decode and write them. Drawing text without a
 * browser would need a font rasterizer of our own; upstream's PNG export (kaleido) needs Chrome too.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { ChartSpec } from "./chart-spec.ts";

const CANDIDATES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"];

/** AIPERF_CHROMIUM if set, else the first known browser name on PATH. */
export function findChromium(env: Record<string, string | undefined> = process.env): string | undefined {
  const given = env.AIPERF_CHROMIUM;
  if (given !== undefined && given !== "") return existsSync(given) ? given : (Bun.which(given) ?? undefined);
  for (const name of CANDIDATES) {
    const found = Bun.which(name);
    if (found !== null) return found;
  }
  return undefined;
}

/** Writes `outDir`/<id>.png for every main chart of the report; returns the paths written. */
export async function writePngs(browser: string, reportPath: string, charts: ChartSpec[], outDir: string): Promise<string[]> {
  const wanted = new Set(charts.filter((c) => c.main === true).map((c) => c.id));
  if (wanted.size === 0) return [];
  // The browser needs a profile directory; none is left behind.
  const profile = mkdtempSync(join(tmpdir(), "aiperf-png-"));
  let dom: string;
  let code: number;
  let err: string;
  try {
    const proc = Bun.spawn(
      [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        // The page fetches nothing (its CSP forbids it); these keep the browser itself offline too.
        "--proxy-server=127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        `--user-data-dir=${profile}`,
        "--force-device-scale-factor=2",
        "--window-size=1100,800",
        "--virtual-time-budget=10000",
        "--dump-dom",
        `${pathToFileURL(reportPath).href}?png=1`,
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    const timer = setTimeout(() => proc.kill("SIGKILL"), 120_000);
    [dom, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    clearTimeout(timer);
    code = await proc.exited;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
  const block = /<pre id="png-out">([\s\S]*?)<\/pre>/.exec(dom)?.[1];
  if (block === undefined)
    throw new Error(`${browser} exited ${code} without drawing the charts${err.trim() === "" ? "" : ` (${err.trim().split("\n").slice(-1)[0]})`}`);
  const written: string[] = [];
  const failures: string[] = [];
  for (const line of block.split("\n")) {
    const [id, data, ...rest] = line.trim().split(" ");
    if (id === undefined || id === "" || !wanted.has(id)) continue;
    if (data === "ERROR" || data === undefined) {
      failures.push(`${id}: ${rest.join(" ")}`);
      continue;
    }
    const path = join(outDir, `${id}.png`);
    writeFileSync(path, Buffer.from(data, "base64"));
    written.push(path);
  }
  if (failures.length > 0) throw new Error(`could not draw ${failures.length} PNG(s): ${failures.join("; ")}`);
  return written.sort();
}
