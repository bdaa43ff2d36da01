/** Hidden `__service '<spec json>'`: how the controller starts a role in a child process. */
import { defineCommand } from "citty";
import { SERVICE_COMMAND } from "../core/self.ts";

export const serviceCommand = defineCommand({
  meta: { name: SERVICE_COMMAND, hidden: true, description: "Run one service (started by the controller, not by users)" },
  args: { spec: { type: "positional", required: true, description: "Service spec as JSON" } },
  async run({ args }) {
    const [{ runServiceProcess }, { loadRole }] = await Promise.all([import("../runtime/service-process.ts"), import("../services/registry.ts")]);
    await runServiceProcess(args.spec, loadRole);
  },
});
