import { expect, test } from "bun:test";
import { parseProfileConfig, readProfileArgs } from "../../src/config/profile-flags.ts";
import { DEFAULT_DCGM_URLS, gpuTelemetryConfig, normalizeDcgmUrl } from "../../src/controller/gpu-telemetry.ts";

test("exporter URLs get http:// and /metrics as upstream normalises them", () => {
  expect(normalizeDcgmUrl("localhost:9400")).toBe("http://localhost:9400/metrics");
  expect(normalizeDcgmUrl("http://node:9401/")).toBe("http://node:9401/metrics");
  expect(normalizeDcgmUrl("https://node/dcgm/metrics")).toBe("https://node/dcgm/metrics");
  expect(normalizeDcgmUrl("bad host:x")).toBe("http://bad host:x");
});

test("--gpu-telemetry takes a list; without it the two default ports are tried quietly", () => {
  const parse = (args: string[]) => parseProfileConfig(readProfileArgs(["-m", "x", ...args]).input);
  const named = parse(["--gpu-telemetry", "a:9400,b:9400", "--gpu-telemetry", "c:1/dcgm/metrics"]);
  expect(named.gpuTelemetry).toEqual(["a:9400", "b:9400", "c:1/dcgm/metrics"]);
  expect(gpuTelemetryConfig(named, "/out", {})).toEqual({
    urls: ["http://a:9400/metrics", "http://b:9400/metrics", "http://c:1/dcgm/metrics"],
    intervalMs: 333,
    artifactDir: "/out",
    useNvml: true,
    explicit: true,
  });
  const plain = parse([]);
  expect(plain.noGpuTelemetry).toBe(false);
  const cfg = gpuTelemetryConfig(plain, "/out", { AIPERF_GPU_COLLECTION_INTERVAL: "0.1" });
  expect(cfg.urls).toEqual(DEFAULT_DCGM_URLS);
  expect(cfg.explicit).toBe(false);
  expect(cfg.intervalMs).toBe(100);
  expect(parse(["--no-gpu-telemetry"]).noGpuTelemetry).toBe(true);
});
