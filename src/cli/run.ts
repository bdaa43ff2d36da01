/** Runs the CLI and maps every outcome to an exit code: the one place errors become exit codes. */
import { type CommandDef, runCommand, runMain } from "citty";
import { BenchError, EXIT_CODES } from "../core/errors.ts";
import { didYouMean } from "../config/did-you-mean.ts";
import { displayText } from "../core/safe-text.ts";
import { root } from "./root.ts";

/** The commands a user types (for "did you mean"). */
const COMMANDS = ["profile", "config", "compare", "plot", "mock-server", "bus-demo", "kube", "help", "init", "validate", "expand"];

export async function runCli(args: string[]): Promise<number> {
  // `aiperf help [command]` is `aiperf [command] --help`.
  const rawArgs = args[0] === "help" ? [...args.slice(1), "--help"] : args;
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
    return report(error, rawArgs.includes("-vv") || rawArgs.includes("--extra-verbose"));
  }
}

/** Messages can quote input and server replies: printed through displayText (no raw controls, no URL credentials). */
function report(error: unknown, stack: boolean): number {
  if (error instanceof BenchError) {
    console.error(displayText(`Error: ${error.message}${error.hint === undefined ? "" : `\nHint: ${error.hint}`}`));
    return error.exitCode;
  }
  if (error instanceof Error && error.name === "CLIError") {
    // citty colours the command name in its messages: a pipe or a log must get plain text, and
    // the suggestion needs the plain word.
    const plain = error.message.replace(/\x1b\[[0-9;]*m/g, "");
    const unknown = /^Unknown command (.+)$/.exec(plain)?.[1];
    const near = unknown === undefined ? undefined : didYouMean(unknown, COMMANDS);
    const message = unknown === undefined ? plain : `Unknown command "${unknown}"${near === undefined ? "" : `; did you mean ${near}?`}`;
    console.error(displayText(`Error: ${message}\nRun "aiperf --help" for usage.`));
    return EXIT_CODES.USAGE;
  }
  // A bug, not a user error: its message, and the stack only when asked for.
  const message = error instanceof Error ? error.message : String(error);
  console.error(displayText(stack ? Bun.inspect(error) : `Error: ${message}\n(run with -vv for the details)`));
  return EXIT_CODES.FAILED;
}
