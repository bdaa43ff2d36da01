/** `aiperf bus-demo`: a hub and N worker services trade credits over the bus, then shut down. */
import { type ArgsDef, defineCommand } from "citty";
import * as v from "valibot";
import { setBusLogger } from "../bus/index.ts";
import { busDemoServices, runBusDemo } from "../controller/bus-demo.ts";
import { inProcessLauncher, processLauncher } from "../controller/launchers.ts";
import { stopOnSignals } from "../controller/signals.ts";
import { Supervisor } from "../controller/supervisor.ts";
import { createControllerLogger, LOG_LEVEL_NAMES } from "../core/log.ts";
import { readCommandFlags } from "./flags.ts";

const TRANSPORTS = ["ipc", "tcp", "inproc"] as const;

const Flags = v.object({
  workers: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(256)),
  // Bounded: the exchange's timeout grows with it and must stay a valid timer (< 2^31 ms).
  messages: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000_000_000)),
  window: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(900)),
  "message-bytes": v.pipe(v.number(), v.integer(), v.minValue(4), v.maxValue(1 << 20)),
  transport: v.picklist(TRANSPORTS),
  "in-process": v.boolean(),
  "log-level": v.picklist(LOG_LEVEL_NAMES),
  "artifact-dir": v.pipe(v.string(), v.minLength(1)),
});

/**
 * Names and defaults, for the help page and for readCommandFlags (run() reads the command line
 * strictly); Flags holds the rules. The choices are plain strings with a value hint: citty would
 * refuse a bad enum value itself, in its own words, before run() could name the rule.
 */
const ARGS = {
  workers: { type: "string", default: "8", description: "Worker services to start" },
  messages: { type: "string", default: "1000000", description: "Credits the hub sends (each comes back: twice as many messages)" },
  window: { type: "string", default: "128", description: "Credits outstanding per worker" },
  "message-bytes": { type: "string", default: "16", description: "Size of one credit" },
  transport: { type: "string", default: "ipc", valueHint: TRANSPORTS.join("|"), description: "Bus transport between services" },
  "in-process": { type: "boolean", default: false, description: "Run every service inside this process (implies --transport inproc)" },
  "log-level": { type: "string", default: "info", valueHint: LOG_LEVEL_NAMES.join("|"), description: "Log level" },
  "artifact-dir": { type: "string", default: "artifacts", description: "Where logs/aiperf.log is written" },
} satisfies ArgsDef;

export const busDemoCommand = defineCommand({
  meta: { name: "bus-demo", description: "Start a hub and N worker services that exchange credits over the bus, then shut them down" },
  args: ARGS,
  async run({ rawArgs }) {
    // An unknown flag or a bad value ends here (exit 2), before any service starts.
    const flags = readCommandFlags("bus-demo", ARGS, Flags, rawArgs);
    const log = createControllerLogger(flags["log-level"], `${flags["artifact-dir"]}/logs/aiperf.log`);
    setBusLogger({ warn: (m) => log.withTag("bus").warn(m), debug: (m) => log.withTag("bus").debug(m) });
    const inProcess = flags["in-process"] || flags.transport === "inproc";
    const supervisor = new Supervisor({
      launcher: inProcess ? inProcessLauncher() : processLauncher(),
      transport: inProcess ? "inproc" : flags.transport,
      log,
      logLevel: flags["log-level"],
    });
    const removeSignals = stopOnSignals(supervisor, log);
    try {
      const t0 = performance.now();
      await supervisor.start(busDemoServices(flags.workers));
      log.info(
        `${flags.workers + 1} services registered in ${(performance.now() - t0).toFixed(0)} ms (${inProcess ? "in this process" : "child processes"}, ${inProcess ? "inproc" : flags.transport})`,
      );
      const r = await runBusDemo(supervisor, { workers: flags.workers, messages: flags.messages, window: flags.window, messageBytes: flags["message-bytes"] });
      log.info(
        `Exchanged ${r.credits + r.returns} messages (${r.credits} credits out, ${r.returns} back) in ${r.seconds.toFixed(2)} s: ${Math.round(r.messagesPerSecond).toLocaleString("en-US")} msgs/s`,
      );
      log.info(`Credits per worker: ${r.workerCredits.join(", ")}`);
      for (const s of r.services) log.debug(`${s.name}: pid ${s.pid ?? process.pid}, loaded ${s.loaded.join(" ")}`);
    } finally {
      const t1 = performance.now();
      await supervisor.shutdown("demo finished");
      log.info(`All services stopped in ${(performance.now() - t1).toFixed(0)} ms`);
      removeSignals();
    }
  },
});
