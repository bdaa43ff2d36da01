import { expect, test } from "bun:test";
import {
  decodeCString,
  decodeMemory,
  decodeMemoryV2,
  decodeU32,
  decodeU64,
  decodeUtilization,
  MEMORY_V2_VERSION,
  memoryV2Buffer,
  nvmlValues,
} from "../../src/services/gpu-telemetry/nvml-structs.ts";
import { openNvml } from "../../src/services/gpu-telemetry/nvml.ts";

/** Little-endian bytes of each value, `size` bytes each, built by hand (no DataView writes). */
function le(values: (number | bigint)[], size: 4 | 8): Uint8Array {
  const out = new Uint8Array(values.length * size);
  values.forEach((v, i) => {
    let x = BigInt(v);
    for (let b = 0; b < size; b++) {
      out[i * size + b] = Number(x & 0xffn);
      x >>= 8n;
    }
  });
  return out;
}

test("nvmlUtilization_t is two uint32: gpu then memory", () => {
  expect(decodeUtilization(Uint8Array.from([87, 0, 0, 0, 12, 0, 0, 0]))).toEqual({ gpu: 87, memory: 12 });
  expect(() => decodeUtilization(new Uint8Array(7))).toThrow(RangeError);
});

test("nvmlMemory_t is three uint64: total, free, used", () => {
  const total = 85_899_345_920n; // 80 GiB: above 2^32, so the high word matters
  const bytes = le([total, 10_000_000_000n, 75_899_345_920n], 8);
  expect(decodeMemory(bytes)).toEqual({ total: 85_899_345_920, free: 10_000_000_000, used: 75_899_345_920 });
  // Decoding honours the view's offset into a larger buffer.
  const padded = new Uint8Array(32);
  padded.set(bytes, 8);
  expect(decodeMemory(padded.subarray(8)).used).toBe(75_899_345_920);
});

test("nvmlMemory_v2_t: version word, padding, then total, reserved, free, used", () => {
  // nvml.h: NVML_STRUCT_VERSION(Memory, 2) = sizeof(nvmlMemory_v2_t) | 2 << 24 = 40 | 0x02000000.
  expect(MEMORY_V2_VERSION).toBe(0x02000028);
  const buf = memoryV2Buffer();
  expect(Array.from(buf.subarray(0, 4))).toEqual([0x28, 0, 0, 0x02]);
  // What an idle H200 on driver 580 reported: 143,771 MiB total, 0.64 GB reserved, nothing used.
  const total = 143_771n * 1_048_576n;
  buf.set(le([total, 644_939_776n, total - 644_939_776n, 0n], 8), 8);
  expect(decodeMemoryV2(buf)).toEqual({ total: Number(total), reserved: 644_939_776, free: Number(total) - 644_939_776, used: 0 });
  expect(() => decodeMemoryV2(new Uint8Array(24))).toThrow(RangeError);
});

test("scalars and C strings", () => {
  expect(decodeU32(le([350_123], 4))).toBe(350_123);
  expect(decodeU64(le([123_456_789_012_345n], 8))).toBe(123_456_789_012_345);
  const name = new Uint8Array(96);
  name.set(new TextEncoder().encode("NVIDIA H200"));
  expect(decodeCString(name)).toBe("NVIDIA H200");
  expect(decodeCString(new TextEncoder().encode("no-nul"))).toBe("no-nul");
});

test("NVML units become the DCGM display units", () => {
  const v = nvmlValues({
    powerMw: 312_500,
    energyMj: 2_000_000_000,
    utilization: { gpu: 90, memory: 40 },
    memory: { total: 8e10, free: 5e9, used: 7.5e10 },
    gpuTempC: 61,
    smClockMhz: 1980,
    memClockMhz: 2619,
  });
  expect(v).toEqual({
    gpu_power_usage: 312.5,
    energy_consumption: 2,
    gpu_utilization: 90,
    memory_copy_utilization: 40,
    gpu_memory_used: 75,
    gpu_memory_free: 5000,
    gpu_temperature: 61,
    sm_clock_frequency: 1980,
    memory_clock_frequency: 2619,
  });
  expect(nvmlValues({})).toEqual({});
});

test("a missing NVML library is reported, not thrown", () => {
  const r = openNvml({ env: { AIPERF_NVML_LIBRARY: "/nonexistent/libnvidia-ml.so.1" } });
  expect("unavailable" in r && r.unavailable).toContain("NVML not available (/nonexistent/libnvidia-ml.so.1");
  const none = openNvml({ env: {}, ldCache: null, standardDirs: [] });
  expect("unavailable" in none && none.unavailable).toContain("not found in the loader cache");
});
