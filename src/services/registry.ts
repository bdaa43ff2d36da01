/**
 * Every role a service process can run, imported only when started: a worker process never
 * evaluates controller, CLI or other roles' code.
 */
import type { RoleName } from "../protocol/contracts/index.ts";
import type { AnyRole, Role } from "../runtime/context.ts";

export const ROLES = {
  "demo-hub": () => import("./demo-hub/index.ts"),
  "demo-worker": () => import("./demo-worker/index.ts"),
  worker: () => import("./worker/index.ts"),
  "record-processor": () => import("./record-processor/index.ts"),
  timing: () => import("./timing/index.ts"),
  records: () => import("./records/index.ts"),
  dataset: () => import("./dataset/index.ts"),
  "gpu-telemetry": () => import("./gpu-telemetry/index.ts"),
  "server-metrics": () => import("./server-metrics/index.ts"),
} satisfies { [R in RoleName]: () => Promise<Role<R>> };

export function isRoleName(name: string): name is RoleName {
  return Object.hasOwn(ROLES, name);
}

/** The role's module, loaded now; undefined for a name that is no role. */
export function loadRole(name: string): Promise<AnyRole> | undefined {
  // Each role is checked against its own contract above; the runtime, which picks one by a name
  // read at run time, passes it the context as the wire gives it (runtime/context.ts WireContext).
  return isRoleName(name) ? (ROLES[name]() as Promise<unknown> as Promise<AnyRole>) : undefined;
}
