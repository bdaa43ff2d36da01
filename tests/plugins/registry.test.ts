/** The registries plugins share with the built-ins, and the shape check of a plugin's export. */
import { describe, expect, test } from "bun:test";
import { customDatasetTypes } from "../../src/dataset/loaders/formats.ts";
import { endpointFor, endpointTypes, registerEndpoint } from "../../src/endpoints/registry.ts";
import { ENDPOINT_TYPES } from "../../src/protocol/endpoint-types.ts";
import { CUSTOM_DATASET_TYPES } from "../../src/protocol/dataset-formats.ts";
import { checkPlugin } from "../../src/plugins/check.ts";

describe("registries", () => {
  test("every built-in endpoint type and dataset format is in its registry, marked built-in", () => {
    expect(
      endpointTypes()
        .map((t) => t.name)
        .sort(),
    ).toEqual([...ENDPOINT_TYPES].sort());
    expect(endpointTypes().every((t) => t.origin === "built-in")).toBe(true);
    expect(
      customDatasetTypes()
        .map((t) => t.name)
        .sort(),
    ).toEqual([...CUSTOM_DATASET_TYPES].sort());
  });

  test("a taken name is refused, naming who took it", () => {
    expect(() => registerEndpoint({ ...endpointFor("chat") }, "/p/mine.ts")).toThrow('endpoint type "chat" is already registered (by built-in)');
  });
});

describe("checkPlugin", () => {
  const endpoint = {
    name: "x_type",
    defaultPath: "/v1/x",
    category: "llm",
    streams: false,
    producesTokens: true,
    buildBody: () => ({}),
    parseResponse: () => ({ skip: "empty" }),
  };
  test("a well-formed plugin passes", () => {
    expect(checkPlugin({ endpoints: [endpoint] })).toBeUndefined();
    expect(checkPlugin({ metrics: [{ kind: "derived", tag: "t", header: "T", unit: "ratio", derive: () => 1 }] })).toBeUndefined();
  });
  test("each problem is named", () => {
    expect(checkPlugin(undefined)).toContain("its default export is not a plugin object");
    expect(checkPlugin({})).toContain("it adds nothing");
    expect(checkPlugin({ endpoints: {} })).toBe("endpoints must be a list");
    expect(checkPlugin({ endpoints: [{ ...endpoint, name: "X Type" }] })).toBe("an endpoint needs a lower snake case name");
    expect(checkPlugin({ endpoints: [{ ...endpoint, category: "video" }] })).toContain('endpoint "x_type": category must be one of');
    expect(checkPlugin({ endpoints: [{ ...endpoint, parseResponse: undefined }] })).toBe('endpoint "x_type": parseResponse must be a function');
    expect(checkPlugin({ datasetFormats: [{ name: "f" }] })).toContain('dataset format "f": load must be a function');
    expect(checkPlugin({ metrics: [{ kind: "record", tag: "t", header: "T", unit: "ratio" }] })).toContain('metric "t": kind "record" needs compute()');
    expect(checkPlugin({ transports: [{ name: "t" }] })).toBe('transport "t": capture must be a function');
  });
});
