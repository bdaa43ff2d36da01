/** Artifact directory naming (reference/aiperf-features.md §6.1). */
import { describe, expect, test } from "bun:test";
import { artifactDirName, resolveArtifactDir } from "../../src/export/index.ts";

describe("artifact directory", () => {
  test("the documented example", () => {
    expect(artifactDirName({ modelNames: ["Qwen/Qwen3-0.6B"], endpointType: "chat", concurrency: 10 })).toBe("Qwen_Qwen3-0.6B-openai-chat-concurrency10");
  });

  test("rate printed as a Python float; concurrency and rate together", () => {
    expect(artifactDirName({ modelNames: ["m"], endpointType: "completions", requestRate: 5 })).toBe("m-openai-completions-request_rate5.0");
    expect(artifactDirName({ modelNames: ["m"], endpointType: "chat", concurrency: 10, requestRate: 2.5 })).toBe("m-openai-chat-concurrency10-request_rate2.5");
  });

  test("several models → first + _multi; every slash replaced; fixed schedule", () => {
    expect(artifactDirName({ modelNames: ["org/team/model", "other"], endpointType: "embeddings", fixedSchedule: true, concurrency: 4 })).toBe(
      "org_team_model_multi-openai-embeddings-fixed_schedule",
    );
  });

  test("explicit --artifact-dir is used as is; otherwise the run subdirectory", () => {
    const base = { modelNames: ["m"], endpointType: "chat", concurrency: 1 };
    expect(resolveArtifactDir({ ...base, artifactDirExplicit: false })).toBe("artifacts/m-openai-chat-concurrency1");
    expect(resolveArtifactDir({ ...base, artifactDir: "/out", artifactDirExplicit: false })).toBe("/out/m-openai-chat-concurrency1");
    expect(resolveArtifactDir({ ...base, artifactDir: "/out", artifactDirExplicit: true })).toBe("/out");
  });

  test("needs a model", () => {
    expect(() => artifactDirName({ modelNames: [], endpointType: "chat" })).toThrow();
  });
});
