/**
 * The controller's payload builders (src/controller/role-payloads.ts): what each builds from a
 * resolved profile passes the receiving role's own validation, and goes on the wire with the keys
 * in the order it always had (the contracts changed types only, never bytes).
 */
import { expect, test } from "bun:test";
import * as v from "valibot";
import { parseProfileConfig, readProfileArgs } from "../../src/config/profile-flags.ts";
import { type ResolvedProfile, resolveProfile } from "../../src/config/resolve.ts";
import { exportPlanOf } from "../../src/config/export-options.ts";
import {
  cancelRequestsBroadcast,
  datasetConfigureRequest,
  preloadRequest,
  processorConfigureRequest,
  recordsConfigureRequest,
  recordsFinalizeRequest,
  workerConfigureRequest,
} from "../../src/controller/role-payloads.ts";
import { DatasetConfig } from "../../src/protocol/dataset-config.ts";
import { parseProcessorConfig, parseTokenizerPreload } from "../../src/protocol/record-processor-config.ts";
import { FinalizeRequest, RecordsConfig } from "../../src/protocol/records-config.ts";
import { parseWorkerConfig } from "../../src/protocol/worker-config.ts";

function resolve(...args: string[]): ResolvedProfile {
  const { input } = readProfileArgs(["-m", "m", "-u", "http://127.0.0.1:9", ...args]);
  return resolveProfile(parseProfileConfig(input), "aiperf profile", false, () => {});
}

const paths = { datasetPath: "/run/dataset.bin", inputsJsonPath: "/out/inputs.json", artifactDir: "/out", logFile: "/out/aiperf.log" };
const end = { expected: 10, inputConfig: { endpoint: { model_names: ["m"] } }, idleMs: 5000, incomplete: [], clientCheck: undefined, columns: 120 };

const PROFILES: string[][] = [
  [],
  [
    "--streaming",
    "--benchmark-duration",
    "5",
    "--benchmark-grace-period",
    "inf",
    "-H",
    "X-A:1",
    "--api-key",
    "k",
    "--transport",
    "raw",
    "--tokenizer-revision",
    "v2",
  ],
  [
    "--endpoint-type",
    "embeddings",
    "--export-level",
    "raw",
    "--goodput",
    "request_latency:100",
    "--session-header",
    "X-S",
    "--connection-reuse-strategy",
    "never",
  ],
];

test("every payload a profile run sends passes the receiving role's validation", () => {
  for (const args of PROFILES) {
    const cfg = resolve(...args);
    const plan = exportPlanOf(cfg);
    expect(() => v.parse(DatasetConfig, datasetConfigureRequest(cfg, paths)), args.join(" ")).not.toThrow();
    expect(() => parseTokenizerPreload(preloadRequest(cfg)), args.join(" ")).not.toThrow();
    expect(() => v.parse(RecordsConfig, recordsConfigureRequest(cfg, plan, paths)), args.join(" ")).not.toThrow();
    expect(() => parseProcessorConfig(processorConfigureRequest(cfg, plan, "ipc://r", paths.datasetPath, "builtin")), args.join(" ")).not.toThrow();
    expect(() => parseWorkerConfig(workerConfigureRequest(cfg, "ipc://c", ["ipc://p"], paths.datasetPath)), args.join(" ")).not.toThrow();
    expect(() => v.parse(FinalizeRequest, recordsFinalizeRequest(end)), args.join(" ")).not.toThrow();
  }
});

test("the options reach the payloads as the roles read them", () => {
  const cfg = resolve(...(PROFILES[1] as string[]));
  const worker = parseWorkerConfig(workerConfigureRequest(cfg, "ipc://c", ["ipc://p"], paths.datasetPath));
  expect(worker).toMatchObject({ transport: "raw", apiKey: "k", headers: [["X-A", "1"]], streaming: true, endpointPath: "/v1/chat/completions" });
  // JSON has no Infinity: an endless grace travels as the largest number.
  expect(recordsConfigureRequest(cfg, exportPlanOf(cfg), paths).duration).toEqual({ durationSec: 5, graceSec: Number.MAX_VALUE });
  // Only the dashboard shows the live view: the records service computes it for no one else.
  expect(recordsConfigureRequest(resolve("--ui", "dashboard"), exportPlanOf(cfg), paths).live).toBe(true);
  expect(recordsConfigureRequest(resolve("--ui", "none"), exportPlanOf(cfg), paths).live).toBe(false);
  expect(recordsConfigureRequest(resolve("--ui", "simple"), exportPlanOf(cfg), paths).live).toBe(false);
  expect(preloadRequest(cfg)).toEqual({ tokenizer: null, model: "m", revision: "v2" });
  expect(preloadRequest(resolve())).toEqual({ tokenizer: null, model: "m" });
  expect(recordsFinalizeRequest({ ...end, columns: undefined })).not.toHaveProperty("columns");
  expect(cancelRequestsBroadcast(["profiling"], "the run was interrupted")).toEqual({
    phases: ["profiling"],
    message: "Request was cancelled: the run was interrupted",
  });
});

test("keys go on the wire in the order they always had", () => {
  const cfg = resolve();
  expect(Object.keys(workerConfigureRequest(cfg, "ipc://c", ["ipc://p"], paths.datasetPath))).toEqual([
    "creditsEndpoint",
    "processorEndpoints",
    "datasetPath",
    "urls",
    "endpointPath",
    "endpointType",
    "streaming",
    "verbatimTurns",
    "apiKey",
    "headers",
    "requestTimeoutSeconds",
    "maxResponseBytes",
    "freshConnections",
    "transport",
  ]);
  expect(Object.keys(recordsConfigureRequest(cfg, exportPlanOf(cfg), paths))).toEqual([
    "artifactDir",
    "endpointType",
    "streaming",
    "goodput",
    "peerMetrics",
    "exports",
    "duration",
    "logFile",
    "live",
    "liveStartupCredits",
  ]);
  expect(Object.keys(processorConfigureRequest(cfg, exportPlanOf(cfg), "ipc://r", paths.datasetPath, "builtin"))).toEqual([
    "recordsEndpoint",
    "datasetPath",
    "endpointType",
    "streaming",
    "useServerTokenCount",
    "responseField",
    "tokenizer",
    "tokenizerRevision",
    "model",
    "captureText",
    "captureRaw",
  ]);
  expect(Object.keys(recordsFinalizeRequest(end))).toEqual(["expected", "inputConfig", "idleMs", "incomplete", "clientCheck", "columns"]);
  expect(Object.keys(datasetConfigureRequest(cfg, paths)).slice(0, 3)).toEqual(["model", "endpointType", "streaming"]);
  expect(Object.keys(datasetConfigureRequest(cfg, paths)).slice(-4)).toEqual(["synthetic", "upstream", "datasetPath", "inputsJsonPath"]);
});
