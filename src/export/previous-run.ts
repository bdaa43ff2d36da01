/**
 * Two runs' files never share an artifact directory. Upstream writes into an existing directory
 * and overwrites by name, so whatever the new run does not write (server_metrics_export.* of
 * another server, gpu_telemetry_export.jsonl, a longer run's logs) stays next to the new results
 * and reads as part of them. Before a run starts, the files an earlier run wrote there are moved,
 * together, into `previous-<time of the earlier run>/` in the same directory: the new run starts
 * clean and nothing is deleted (a re-run by mistake loses no results; a rename costs nothing for
 * a multi-GB inputs.json). Files we do not write are left where they are.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { BenchError } from "../core/errors.ts";
import { formatLocalIso } from "./local-time.ts";

/** What a run writes in its artifact directory (the export names, inputs.json, logs/). */
const RUN_FILE = /^(?:profile_export.*|server_metrics_export\..+|gpu_telemetry_export\..+|inputs\.json.*|outputs\.json|logs)$/;

/**
 * Moves an earlier run's files out of `dir`; where they went and which, or null if there were none.
 * `exportNames`: this run's export file names (--profile-export-prefix), also ours to move.
 */
export function setAsidePreviousRun(dir: string, exportNames: readonly string[] = []): { movedTo: string; names: string[] } | null {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((name) => RUN_FILE.test(name) || exportNames.includes(name))
      .sort();
  } catch {
    return null; // no directory yet: nothing to set aside
  }
  if (names.length === 0) return null;
  // Named by when the earlier run last wrote, so several set-aside runs sort by time.
  const lastWrite = Math.max(...names.map((name) => statSync(join(dir, name)).mtimeMs));
  const base = `previous-${formatLocalIso(Math.floor(lastWrite) * 1e6)
    .replaceAll(":", "")
    .replace(/\..*$/, "")}`;
  let movedTo = join(dir, base);
  for (let n = 2; existsSync(movedTo); n++) movedTo = join(dir, `${base}-${n}`);
  try {
    mkdirSync(movedTo);
    for (const name of names) renameSync(join(dir, name), join(movedTo, name));
  } catch (error) {
    throw new BenchError(
      "CONFIG_INVALID",
      `The artifact directory ${dir} holds an earlier run's files and they cannot be moved to ${movedTo}: ${(error as Error).message}`,
      {
        hint: "Give another --artifact-dir, or move or delete those files",
      },
    );
  }
  return { movedTo, names };
}

/**
 * Where `path` is now if it was among the files moved (an earlier run's inputs.json replayed into
 * the same directory); undefined if it was not moved.
 */
export function movedPath(moved: { movedTo: string; names: string[] }, dir: string, path: string): string | undefined {
  const rel = relative(resolve(dir), resolve(path));
  const top = rel.split(sep)[0] ?? "";
  return rel !== "" && !rel.startsWith("..") && moved.names.includes(top) ? join(moved.movedTo, rel) : undefined;
}
