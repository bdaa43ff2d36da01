/**
 * The export flags' rules (upstream's artifacts config): outputs.json needs per-request export,
 * and a prefix is a file name, not a path.
 */
import { type ExportPlan, exportFileNames } from "../export/export-files.ts";
import { optionConflict } from "./conflict.ts";
import type { ProfileConfig } from "./profile-schema.ts";

type ExportFlags = Pick<ProfileConfig, "profileExportPrefix" | "exportLevel" | "exportOutputsJson" | "sliceDuration">;

/** --export-level raw turns outputs.json on unless --no-export-outputs-json (or =false) says otherwise. */
function wantsOutputsJson(cfg: ExportFlags): boolean {
  return cfg.exportOutputsJson ?? cfg.exportLevel === "raw";
}

export function checkExportOptions(cfg: ExportFlags): void {
  if (cfg.exportOutputsJson === true && cfg.exportLevel === "summary") {
    throw optionConflict(
      "--export-outputs-json needs per-request export, but --export-level is summary",
      "Use --export-level records (the default) or raw with --export-outputs-json",
    );
  }
  if (cfg.profileExportPrefix !== undefined && /[/\\]/.test(cfg.profileExportPrefix)) {
    throw optionConflict(
      `--profile-export-prefix "${cfg.profileExportPrefix}" is a file name prefix, not a path`,
      "Give the directory with --artifact-dir and only the name with --profile-export-prefix",
    );
  }
}

export function exportPlanOf(cfg: ExportFlags): ExportPlan {
  return {
    files: exportFileNames(cfg.profileExportPrefix),
    level: cfg.exportLevel,
    outputsJson: wantsOutputsJson(cfg) && cfg.exportLevel !== "summary",
    sliceDurationSec: cfg.sliceDuration ?? null,
  };
}
