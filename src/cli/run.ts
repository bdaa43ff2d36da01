/** Runs the CLI and maps every outcome to an exit code: the one place errors become exit codes. */
import { runCommand, runMain, showUsage } from "citty";
import { BenchError, EXIT_CODES } from "../core/errors.ts";
import { displayText } from "../core/safe-text.ts";
import { root } from "./root.ts";

export async function runCli(rawArgs: string[]): Promise<number> {
  const wantsHelp = rawArgs.length === 0 || rawArgs.includes("--help") || rawArgs.includes("-h") || (rawArgs.length === 1 && rawArgs[0] === "--version");
  if (wantsHelp) {
    await runMain(root, {
      rawArgs,
      // profile has a hundred flags: its own two-column help instead of citty's right-aligned one.
      // Imported only here: a service child must not load command code (roles load lazily).
      showUsage: async (cmd, parent) => {
        const meta = typeof cmd.meta === "function" ? await cmd.meta() : await cmd.meta;
        if (meta?.name !== "profile") return showUsage(cmd, parent);
        const { renderProfileHelp } = await import("./profile-help.ts");
        process.stdout.write(renderProfileHelp());
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
    console.error(displayText(`Error: ${error.message}\nRun "aiperf --help" for usage.`));
    return EXIT_CODES.USAGE;
  }
  console.error(displayText(Bun.inspect(error)));
  return EXIT_CODES.FAILED;
}
