/** Runs the CLI and maps every outcome to an exit code: the one place errors become exit codes. */
import { type CommandDef, runCommand, runMain } from "citty";
import { BenchError, EXIT_CODES } from "../core/errors.ts";
import { displayText } from "../core/safe-text.ts";
import { root } from "./root.ts";

export async function runCli(rawArgs: string[]): Promise<number> {
  const wantsHelp = rawArgs.length === 0 || rawArgs.includes("--help") || rawArgs.includes("-h") || (rawArgs.length === 1 && rawArgs[0] === "--version");
  if (wantsHelp) {
    await runMain(root, {
      rawArgs,
      // One plain help style for every command (cli/help.ts) instead of citty's coloured,
      // right-aligned one. Imported only here: a service child must not load command code.
      showUsage: async (cmd) => {
        const meta = typeof cmd.meta === "function" ? await cmd.meta() : await cmd.meta;
        if (meta?.name === "profile") {
          const { renderProfileHelp } = await import("./profile-help.ts");
          return void process.stdout.write(renderProfileHelp());
        }
        const { commandHelp, rootHelp } = await import("./help-pages.ts");
        process.stdout.write(cmd === root || meta?.name === "aiperf" ? await rootHelp(root) : await commandHelp(cmd as CommandDef, meta?.name ?? ""));
      },
    });
    return EXIT_CODES.OK;
  }
  try {
    await runCommand(root, { rawArgs });
    // A command that finished but wants a non-zero status (e.g. interrupted) sets process.exitCode.
    return typeof process.exitCode === "number" ? process.exitCode : EXIT_CODES.OK;
  } catch (error) {
    return report(error);
  }
}

/** Messages can quote input and server replies: printed through displayText (no raw controls, no URL credentials). */
function report(error: unknown): number {
  if (error instanceof BenchError) {
    console.error(displayText(`Error: ${error.message}${error.hint === undefined ? "" : `\nHint: ${error.hint}`}`));
    return error.exitCode;
  }
  if (error instanceof Error && error.name === "CLIError") {
    // citty colours the command name in its messages; a pipe or a log must get plain text.
    console.error(displayText(`Error: ${error.message.replace(/\x1b\[[0-9;]*m/g, "")}\nRun "aiperf --help" for usage.`));
    return EXIT_CODES.USAGE;
  }
  console.error(displayText(Bun.inspect(error)));
  return EXIT_CODES.FAILED;
}
