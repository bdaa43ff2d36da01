#!/usr/bin/env bun
/**
 * The one entry of the `aiperf` binary, for users, for the service children it starts and for
 * its worker threads (the inputs.json writer), which load this same entry (core/self.ts).
 */
if (Bun.isMainThread) {
  // `aiperf --version` loads nothing else: a script asking for it should not wait for the CLI.
  if (process.argv.length === 3 && process.argv[2] === "--version") {
    const { VERSION } = await import("./core/version.ts");
    process.stdout.write(`${VERSION}\n`);
    process.exit(0);
  }
  // `profile` and service children handle interrupts themselves; until their handlers are in
  // place (loading takes a moment), a signal is held rather than fatal (core/early-signals.ts).
  const command = process.argv[2];
  if (command === "profile" || command === "__service") (await import("./core/early-signals.ts")).holdSignals();
  const { runCli } = await import("./cli/run.ts");
  process.exit(await runCli(process.argv.slice(2)));
} else {
  await import("./services/dataset/inputs-thread.worker.ts");
}

export {};
