/** Runs the CLI and maps every outcome to an exit code: the one place errors become exit codes. */
import { runCommand, runMain, showUsage } from "citty";
import { BenchError, EXIT_CODES } from "../core/errors.ts";
import { didYouMean } from "../config/did-you-mean.ts";
import { root } from "./root.ts";

/** The commands a user types (for "did you mean"). */
const COMMANDS = ["profile", "mock-server", "bus-demo", "help"];

export async function runCli(args: string[]): Promise<number> {
  // `aiperf help [command]` is `aiperf [command] --help`.
  const rawArgs = args[0] === "help" ? [...args.slice(1), "--help"] : args;
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
    return report(error, rawArgs.includes("-vv") || rawArgs.includes("--extra-verbose"));
  }
}

function report(error: unknown, stack: boolean): number {
  if (error instanceof BenchError) {
    console.error(`Error: ${error.message}${error.hint === undefined ? "" : `\nHint: ${error.hint}`}`);
    return error.exitCode;
  }
  if (error instanceof Error && error.name === "CLIError") {
    // citty colours the command name; the suggestion needs the plain word.
    const unknown = /^Unknown command (.+)$/.exec(error.message.replace(/\x1b\[[0-9;]*m/g, ""))?.[1];
    const near = unknown === undefined ? undefined : didYouMean(unknown, COMMANDS);
    const message = unknown === undefined ? error.message : `Unknown command "${unknown}"${near === undefined ? "" : `; did you mean ${near}?`}`;
    console.error(`Error: ${message}\nRun "aiperf --help" for usage.`);
    return EXIT_CODES.USAGE;
  }
  // A bug, not a user error: its message, and the stack only when asked for.
  const message = error instanceof Error ? error.message : String(error);
  console.error(stack ? error : `Error: ${message}\n(run with -vv for the details)`);
  return EXIT_CODES.FAILED;
}
