import { expect, test } from "bun:test";
import { createMockDcgm } from "../../src/mock-server/dcgm.ts";
import { dcgmSamples } from "../../src/services/gpu-telemetry/dcgm-parse.ts";

const TEXT = `# HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).
# TYPE DCGM_FI_DEV_POWER_USAGE gauge
DCGM_FI_DEV_POWER_USAGE{gpu="1",UUID="GPU-b",device="nvidia1",modelName="NVIDIA A100 \\"SXM\\"",Hostname="node-1"} 250.5
DCGM_FI_DEV_POWER_USAGE{gpu="0",UUID="GPU-a",device="nvidia0",modelName="NVIDIA A100",Hostname="node-1"} 101.25
# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter
DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="0",UUID="GPU-a",modelName="NVIDIA A100",Hostname="node-1"} 2000000000
DCGM_FI_DEV_FB_USED{gpu="0",UUID="GPU-a"} 1000
DCGM_FI_DEV_FB_FREE{gpu="0",UUID="GPU-a"} 1000
DCGM_FI_DEV_SM_CLOCK{gpu="0",UUID="GPU-a"} 1410
DCGM_FI_DEV_XID_ERRORS{gpu="0",UUID="GPU-a"} 0
DCGM_FI_DEV_UNKNOWN_FIELD{gpu="0",UUID="GPU-a"} 7
DCGM_FI_DEV_GPU_TEMP{UUID="GPU-x"} 50
this line is garbage
`;

test("DCGM fields map to upstream's names in display units, one sample per GPU", () => {
  const samples = dcgmSamples(TEXT, "http://h:9400/metrics", 123);
  expect(samples.map((s) => s.gpuIndex)).toEqual([0, 1]);
  const [a, b] = samples as [(typeof samples)[0], (typeof samples)[0]];
  expect(a).toMatchObject({ source: "http://h:9400/metrics", timestampNs: 123, gpuUuid: "GPU-a", gpuName: "NVIDIA A100", hostname: "node-1" });
  expect(a.values.gpu_power_usage).toBe(101.25);
  expect(a.values.energy_consumption).toBeCloseTo(2, 12); // 2e9 mJ = 2 MJ
  expect(a.values.gpu_memory_used).toBeCloseTo(1.048576, 12); // 1000 MiB in GB
  expect(a.values.gpu_memory_free).toBeCloseTo(1048.576, 9); // 1000 MiB in MB
  expect(a.values.sm_clock_frequency).toBe(1410);
  expect(a.values.xid_errors).toBe(0);
  expect(Object.keys(a.values)).not.toContain("DCGM_FI_DEV_UNKNOWN_FIELD");
  expect(b.gpuName).toBe('NVIDIA A100 "SXM"');
  expect(b.values).toEqual({ gpu_power_usage: 250.5 });
});

test("the mock exporter's text parses into two GPUs with every field", () => {
  let now = 0;
  const dcgm = createMockDcgm("box", () => now);
  const idle = dcgmSamples(dcgm.render(), "mock", 0);
  expect(idle.length).toBe(2);
  expect(Object.keys(idle[0]?.values ?? {}).length).toBe(13);
  dcgm.requestStarted();
  dcgm.requestStarted();
  now = 1000;
  const busy = dcgmSamples(dcgm.render(), "mock", 1);
  // Power rises under load, and the energy counter grew by that power over the second.
  expect(busy[0]?.values.gpu_power_usage as number).toBeGreaterThan(idle[0]?.values.gpu_power_usage as number);
  const joules = ((busy[0]?.values.energy_consumption as number) - (idle[0]?.values.energy_consumption as number)) * 1e6;
  expect(joules).toBeCloseTo(busy[0]?.values.gpu_power_usage as number, 0);
  expect(busy[0]?.hostname).toBe("box");
});
