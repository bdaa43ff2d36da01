/**
 * Every generated object is checked before it is printed or applied: the core objects by
 * kubernetes-models (the Kubernetes OpenAPI schema, precompiled in the package), the JobSet by
 * its CRD's own OpenAPI schema (jobset-v1alpha2.schema.json, vendored from kubernetes-sigs/jobset)
 * through ajv, plus its job templates as batch/v1 models. A failure here is a bug in this program,
 * not the user's input: it is reported as such (exit 1).
 */
import Ajv, { type ValidateFunction } from "ajv";
import { BenchError } from "../core/errors.ts";
import schema from "./jobset-v1alpha2.schema.json" with { type: "json" };
import type { RunObjects } from "./manifests.ts";

let compiled: ValidateFunction | undefined;

/** The JobSet CRD's schema check: a list of "path: message" lines, empty when valid. */
export function jobSetSchemaErrors(jobSet: unknown): string[] {
  if (compiled === undefined) {
    // strict off: the CRD schema carries Kubernetes' own keywords (x-kubernetes-*), which the API
    // server reads and JSON Schema does not. CEL rules (x-kubernetes-validations) are not checked here.
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
    ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
    ajv.addFormat("date-time", (s: string) => !Number.isNaN(Date.parse(s)));
    compiled = ajv.compile(schema);
  }
  if (compiled(jobSet)) return [];
  return (compiled.errors ?? []).map(
    (e) =>
      `${e.instancePath || "/"}: ${e.message ?? e.keyword}${e.keyword === "additionalProperties" ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : ""}`,
  );
}

/** Throws (exit 1) naming the object and the failed rule. */
export function validateObjects(objects: RunObjects): void {
  const models = [objects.secret, objects.serviceAccount, objects.role, objects.roleBinding, objects.configMap, objects.service, ...objects.jobTemplates];
  for (const model of models) {
    try {
      model.validate();
    } catch (error) {
      const json = model.toJSON() as { kind?: string; metadata?: { name?: string } };
      throw new BenchError(
        "COMMAND_FAILED",
        `Generated ${json.kind ?? "job template"} ${json.metadata?.name ?? ""} does not validate: ${(error as Error).message}`,
      );
    }
  }
  const errors = jobSetSchemaErrors(objects.jobSet);
  if (errors.length > 0)
    throw new BenchError("COMMAND_FAILED", `Generated JobSet ${objects.jobSet.metadata.name} does not match the JobSet CRD schema: ${errors.join("; ")}`);
}
