/** The command tree. Subcommands load lazily, so a service child evaluates only what it runs. */
import { defineCommand } from "citty";
import { VERSION } from "../core/version.ts";

export const root = defineCommand({
  meta: { name: "aiperf", version: VERSION, description: "Benchmark LLM inference servers (AIPerf for Bun)" },
  subCommands: {
    profile: () => import("./profile.ts").then((m) => m.profileCommand),
    "bus-demo": () => import("./bus-demo.ts").then((m) => m.busDemoCommand),
    "mock-server": () => import("./mock-server.ts").then((m) => m.mockServerCommand),
    config: () => import("./config.ts").then((m) => m.configCommand),
    compare: () => import("./compare.ts").then((m) => m.compareCommand),
    plot: () => import("./plot.ts").then((m) => m.plotCommand),
    kube: () => import("./kube.ts").then((m) => m.kubeCommand),
    plugins: () => import("./plugins.ts").then((m) => m.pluginsCommand),
    slurm: () => import("./slurm.ts").then((m) => m.slurmCommand),
    "gpu-check": () => import("./gpu-check.ts").then((m) => m.gpuCheckCommand),
    service: () => import("./node-service.ts").then((m) => m.nodeServiceCommand),
    __service: () => import("./service.ts").then((m) => m.serviceCommand),
  },
});
