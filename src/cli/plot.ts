/** `aiperf plot <artifact dir>… [-o DIR]`: report.html (and --png files) from finished runs, as upstream's `aiperf plot`. */
import { accessSync, constants, mkdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { type ArgsDef, defineCommand } from "citty";
import { invalidValue } from "../config/conflict.ts";
import { didYouMean } from "../config/did-you-mean.ts";
import { BenchError } from "../core/errors.ts";
import { VERSION } from "../core/version.ts";
import { ArtifactError, buildReport, expandRunDirs, findChromium, writePngs, writeReport } from "../report/index.ts";

const ARGS = {
  dirs: { type: "positional", required: false, description: "Artifact directories of runs, or folders of runs (Default: ./artifacts)" },
  paths: {
    type: "string",
    valueHint: "dir",
    description: "A run directory or folder of runs, as given without the flag; repeatable (upstream's spelling). Default: ./artifacts",
  },
  output: { type: "string", alias: ["o"], description: "Directory for report.html and the PNGs (Default: <first path>/plots)" },
  theme: { type: "string", default: "light", description: "Colours of the report: light or dark" },
  png: { type: "boolean", description: "Also write PNG files of the main charts (needs Chromium or Chrome: AIPERF_CHROMIUM=/path, or chromium on PATH)" },
} satisfies ArgsDef;

type PlotFlags = { paths: string[]; output: string | undefined; theme: "light" | "dark"; png: boolean };

export const plotCommand = defineCommand({
  meta: { name: "plot", description: "Turn artifact directories into one self-contained report.html (plots, comparison of runs)" },
  args: ARGS,
  async run({ rawArgs }) {
    const flags = readPlotFlags(rawArgs);
    await plot(flags.paths, flags);
  },
});

/** Shared with `profile --auto-plot`. Returns the files written. */
export async function plot(paths: string[], opts: { output?: string | undefined; theme?: "light" | "dark"; png?: boolean }): Promise<string[]> {
  // Every check that can refuse comes before anything is written.
  let dirs: string[];
  try {
    dirs = expandRunDirs(paths);
  } catch (error) {
    if (error instanceof ArtifactError)
      throw new BenchError("CONFIG_INVALID", `Cannot plot: ${error.message}`, {
        hint: "give the artifact directory of a finished run (it holds profile_export_aiperf.json), or a folder of such directories",
      });
    throw error;
  }
  const browser = opts.png === true ? findChromium() : undefined;
  if (opts.png === true && browser === undefined) {
    throw new BenchError("CONFIG_INVALID", "--png needs Chromium or Chrome to draw the PNGs, and neither was found", {
      hint: "install chromium (Debian: apt-get install chromium) or set AIPERF_CHROMIUM=/path/to/chrome; report.html itself needs no browser to be written",
    });
  }
  const outDir = resolve(opts.output ?? join(paths[0] ?? "artifacts", "plots"));
  try {
    mkdirSync(outDir, { recursive: true });
    accessSync(outDir, constants.W_OK);
  } catch (error) {
    throw new BenchError("CONFIG_INVALID", `Cannot write the report to ${outDir}: ${(error as { code?: string }).code ?? (error as Error).message}`, {
      hint: "give -o a directory you can write to",
    });
  }
  let report: ReturnType<typeof buildReport>;
  try {
    report = buildReport(dirs, { theme: opts.theme ?? "light", version: VERSION }, paths);
  } catch (error) {
    if (error instanceof ArtifactError)
      throw new BenchError("CONFIG_INVALID", `Cannot plot: ${error.message}`, {
        hint: "the run's export files are damaged: rerun it, or leave that directory out",
      });
    throw error;
  }
  const files = [writeReport(outDir, report)];
  if (browser !== undefined) {
    try {
      files.push(...(await writePngs(browser, files[0]!, report.charts, outDir)));
    } catch (error) {
      throw new BenchError("COMMAND_FAILED", `report.html was written to ${outDir}, but ${(error as Error).message}`, {
        hint: "check that the browser starts (run it with --headless --version), or set AIPERF_CHROMIUM to another one",
      });
    }
  }
  const bad = report.runs.reduce((n, r) => n + r.badLines, 0);
  if (bad > 0) console.warn(`Warning: ${bad} line(s) of the JSONL exports were not valid records and were skipped (the report says which run)`);
  const runs = report.runs.length;
  console.log(`Plotted ${runs} run${runs === 1 ? "" : "s"}, ${report.charts.length} charts. Files written to ${outDir}:`);
  for (const f of files) console.log(`  ${relative(outDir, f)}`);
  return files;
}

/** Paths (positional or --paths, repeatable) and the options, strictly: an unknown flag is an error (exit 2). */
function readPlotFlags(rawArgs: readonly string[]): PlotFlags {
  const flags: PlotFlags = { paths: [], output: undefined, theme: "light", png: false };
  const known = ["--paths", "--output", "-o", "--theme", "--png"];
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const next = rawArgs[i + 1];
      if (next === undefined || (next.startsWith("-") && next !== "-")) throw invalidValue(name, null, "a value is required");
      i++;
      return next;
    };
    if (!arg.startsWith("-") || arg === "-") flags.paths.push(arg);
    else if (name === "--paths") flags.paths.push(value());
    else if (name === "--output" || name === "-o") flags.output = value();
    else if (name === "--theme") {
      const t = value();
      if (t !== "light" && t !== "dark") throw invalidValue(name, t, "expected light or dark");
      flags.theme = t;
    } else if (name === "--png") {
      const t = eq > 0 ? arg.slice(eq + 1).toLowerCase() : "true";
      if (t !== "true" && t !== "false") throw invalidValue(name, arg.slice(eq + 1), "expected true or false (or the flag alone)");
      flags.png = t === "true";
    } else if (name === "--no-png") flags.png = false;
    else {
      const near = didYouMean(
        name,
        known.filter((k) => k.startsWith("--")),
      );
      throw new BenchError("CONFIG_INVALID", `Unknown option "${arg}"${near === undefined ? "" : `; did you mean ${near}?`}`, {
        hint: 'Run "aiperf plot --help" for the list of options',
      });
    }
  }
  if (flags.paths.length === 0) flags.paths.push("artifacts");
  return flags;
}
