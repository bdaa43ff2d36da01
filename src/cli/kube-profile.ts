/** `aiperf profile --kubernetes …`: the run in a cluster (src/kube/run.ts), its progress on stderr, the controller's log on stdout. */
import { readKubeArgs, runOnKubernetes } from "../kube/index.ts";

export async function profileOnKubernetes(rawArgs: string[]): Promise<number> {
  const options = readKubeArgs(rawArgs, "profile --kubernetes");
  for (const w of options.warnings) process.stderr.write(`[kube] Warning: ${w}\n`);
  return runOnKubernetes(
    options,
    (line) => process.stderr.write(`[kube] ${line}\n`),
    (chunk) => process.stdout.write(chunk),
  );
}
