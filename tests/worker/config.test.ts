import { endpointFor } from "../../src/endpoints/registry.ts";
import { describe, expect, test } from "bun:test";
import { parseProcessorConfig } from "../../src/protocol/record-processor-config.ts";
import { parseWorkerConfig } from "../../src/protocol/worker-config.ts";

const worker = {
  creditsEndpoint: "ipc:///tmp/x/credits.ipc",
  processorEndpoints: ["ipc:///tmp/x/raw-0.ipc"],
  datasetPath: "/tmp/x/dataset.bin",
  urls: ["http://localhost:8000"],
  endpointPath: "/v1/chat/completions",
  streaming: true,
  requestTimeoutSeconds: 600,
};

describe("command payloads", () => {
  test("worker configure: headers default to none; bad values are refused", () => {
    expect(parseWorkerConfig(worker).headers).toEqual([]);
    expect(parseWorkerConfig({ ...worker, headers: [["A", "b"]], apiKey: "k" })).toMatchObject({ headers: [["A", "b"]], apiKey: "k" });
    expect(() => parseWorkerConfig({ ...worker, urls: [] })).toThrow();
    expect(() => parseWorkerConfig({ ...worker, processorEndpoints: [] })).toThrow();
    expect(() => parseWorkerConfig({ ...worker, requestTimeoutSeconds: -1 })).toThrow();
    expect(() => parseWorkerConfig({ ...worker, headers: [["only-a-name"]] })).toThrow();
  });

  test("record processor configure: an endpoint type is a name, looked up in the registry (plugins add names)", () => {
    const ok = { recordsEndpoint: "inproc://r", datasetPath: "/d", endpointType: "embeddings", streaming: false, tokenizer: "gpt2" };
    expect(parseProcessorConfig(ok).endpointType).toBe("embeddings");
    expect(() => parseProcessorConfig({ ...ok, endpointType: "" })).toThrow();
    expect(parseProcessorConfig({ ...ok, endpointType: "images" }).endpointType).toBe("images");
    expect(() => endpointFor("images")).toThrow('unknown endpoint type "images" (is the plugin that registers it loaded?)');
    expect(() => parseProcessorConfig({ ...ok, tokenizer: "" })).toThrow();
    // No --tokenizer: the model's own tokenizer is resolved.
    expect(parseProcessorConfig({ ...ok, tokenizer: undefined, model: "m" }).tokenizer).toBeUndefined();
  });
});
