/** The API's options are the CLI's flags: one schema, so a flag without an option cannot ship. */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { optionNames } from "../../src/api/index.ts";
import { PROFILE_FLAGS } from "../../src/config/profile-flags.ts";
import { STUDY_FLAG_NAMES } from "../../src/study/options.ts";
import { ROOT } from "../process/helpers.ts";

/**
 * Flags of `profile --help` that are about the command line itself, not the run, with the
 * option that does their job in code.
 */
const CLI_ONLY: Record<string, string> = {
  "--verbose": "logLevel",
  "--extra-verbose": "logLevel",
  "--help": "(the TypeScript types and this README section)",
  "--config": "config",
};

/** Study flags: a study is many runs (the CLI's profile with these flags); profile() is one run. */
const STUDY_ONLY = new Set(STUDY_FLAG_NAMES);

/** Schema keys no flag sets by its own name: the flag reader derives them from another flag. */
const DERIVED: Record<string, string> = { modelWeights: "-m name=weight with --model-selection-strategy weighted" };

test("every flag `aiperf profile --help` lists has a profile() option", async () => {
  const proc = Bun.spawn([process.execPath, join(ROOT, "src", "main.ts"), "profile", "--help"], { stdout: "pipe", stderr: "pipe" });
  const help = await new Response(proc.stdout).text();
  expect(await proc.exited).toBe(0);
  // Option lines: "  -m, --model <model>   …" — the long name is the flag.
  const flags = [...help.matchAll(/^ {2}(?:-[a-zA-Z], )?(--[a-z0-9-]+)/gm)].map((m) => m[1] as string);
  expect(flags.length).toBeGreaterThan(50);
  const options = new Set(optionNames());
  const missing = flags.filter((flag) => {
    if (flag in CLI_ONLY || STUDY_ONLY.has(flag)) return false;
    const spec = PROFILE_FLAGS.find((f) => f.names.includes(flag));
    return spec === undefined || !options.has(spec.key);
  });
  expect(missing).toEqual([]);
});

test("every option but the run controls is a key of the CLI's schema", () => {
  const keys = new Set(PROFILE_FLAGS.map((f) => f.key as string));
  const controls = optionNames().filter((name) => !keys.has(name) && !(name in DERIVED));
  expect(controls.sort()).toEqual(["config", "console", "onProgress", "onRecord", "processes", "records", "signal"]);
});
