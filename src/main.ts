#!/usr/bin/env bun
/**
 * The one entry of the `aiperf` binary, for users, for the service children it starts and for
 * its worker threads (services hosted as threads of the controller, runtime/service-thread.ts,
 * and the inputs.json writer; runtime/thread-main.ts), which load this same entry (core/self.ts).
 */
import { VERSION } from "./core/version.ts";

if (Bun.isMainThread) {
  // `aiperf --version` loads nothing else: a script asking for it should not wait for the CLI.
  // console.log writes fd 1 directly; process.stdout would first build Node's stream machinery
  // (about as long again as the whole start of a hello world).
  if (process.argv.length === 3 && process.argv[2] === "--version") {
    console.log(VERSION);
    process.exit(0);
  }
  // `profile` and service children handle interrupts themselves; until their handlers are in
  // place (loading takes a moment), a signal is held rather than fatal (core/early-signals.ts).
  const command = process.argv[2];
  if (command === "profile" || command === "__service") (await import("./core/early-signals.ts")).holdSignals();
  // The dataset service's thread starts its runtime, code and tokenizer on the idle core while
  // this one loads the CLI (runtime/thread-prestart.ts); the supervisor takes it. Not for help,
  // or for runs launched elsewhere (Slurm, Kubernetes), whose dataset is not this process's.
  const args = process.argv.slice(3);
  if (command === "profile" && !args.some((a) => ["--help", "-h", "--slurm", "--kubernetes"].includes(a)))
    (await import("./runtime/thread-prestart.ts")).prestartServiceThread(
      "dataset",
      "0",
      !args.some((a) => a === "--tokenizer" || a.startsWith("--tokenizer=")),
    );
  // A service child (`__service '<spec>'`, the controller's own spawn) goes straight to its role:
  // the CLI's parser and command tree would be loaded by every child for one positional.
  if (command === "__service" && process.argv.length === 4) {
    const [{ runServiceProcess }, { loadRole }] = await Promise.all([import("./runtime/service-process.ts"), import("./services/registry.ts")]);
    await runServiceProcess(process.argv[3] as string, loadRole);
  }
  const { runCli } = await import("./cli/run.ts");
  process.exit(await runCli(process.argv.slice(2)));
} else {
  const { workerData } = await import("node:worker_threads");
  if (workerData?.prestart !== undefined) {
    const [{ runPrestartedThread }, { loadRole }] = await Promise.all([import("./runtime/thread-main.ts"), import("./services/registry.ts")]);
    await runPrestartedThread(workerData, loadRole);
  } else if (workerData?.service !== undefined) {
    const [{ runServiceThread }, { loadRole }] = await Promise.all([import("./runtime/thread-main.ts"), import("./services/registry.ts")]);
    await runServiceThread(workerData, loadRole);
  } else await import("./services/dataset/inputs-thread.worker.ts");
}

export {};
