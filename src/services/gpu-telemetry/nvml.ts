/**
 * Local GPUs through libnvidia-ml (bun:ffi), for machines without a DCGM exporter. Each call fills
 * a byte buffer that nvml-structs.ts decodes. Any failing query leaves that field out; a missing
 * library or a failed nvmlInit makes `openNvml` return the reason instead of a reader. The library
 * is opened by absolute path only (core/system-library.ts): a bare name could load a copy planted
 * in the working directory.
 */
import { dlopen, FFIType, type Pointer } from "bun:ffi";
import { hostname } from "node:os";
import { wallNs } from "../../core/clock.ts";
import { type LibrarySearch, locateNvml } from "../../core/system-library.ts";
import type { GpuSample } from "./fields.ts";
import {
  decodeCString,
  decodeMemory,
  decodeMemoryV2,
  decodeU32,
  decodeU64,
  decodeUtilization,
  MEMORY_SIZE,
  memoryV2Buffer,
  NAME_BUFFER_SIZE,
  type NvmlRaw,
  nvmlValues,
  UTILIZATION_SIZE,
  UUID_BUFFER_SIZE,
} from "./nvml-structs.ts";

export const NVML_SOURCE = "nvml://localhost";

const { i32, u32, ptr } = FFIType;
const SYMBOLS = {
  nvmlInit_v2: { args: [], returns: i32 },
  nvmlShutdown: { args: [], returns: i32 },
  nvmlDeviceGetCount_v2: { args: [ptr], returns: i32 },
  nvmlDeviceGetHandleByIndex_v2: { args: [u32, ptr], returns: i32 },
  nvmlDeviceGetName: { args: [ptr, ptr, u32], returns: i32 },
  nvmlDeviceGetUUID: { args: [ptr, ptr, u32], returns: i32 },
  nvmlDeviceGetPowerUsage: { args: [ptr, ptr], returns: i32 },
  nvmlDeviceGetTotalEnergyConsumption: { args: [ptr, ptr], returns: i32 },
  nvmlDeviceGetUtilizationRates: { args: [ptr, ptr], returns: i32 },
  nvmlDeviceGetMemoryInfo: { args: [ptr, ptr], returns: i32 },
  nvmlDeviceGetTemperature: { args: [ptr, u32, ptr], returns: i32 },
  nvmlDeviceGetClockInfo: { args: [ptr, u32, ptr], returns: i32 },
} as const;
/** Drivers since R510 have it; opened apart because a missing symbol fails the whole dlopen. */
const MEMORY_V2 = { nvmlDeviceGetMemoryInfo_v2: { args: [ptr, ptr], returns: i32 } } as const;

// nvml.h enum values.
const NVML_TEMPERATURE_GPU = 0;
const NVML_CLOCK_SM = 1;
const NVML_CLOCK_MEM = 2;

export type NvmlReader = { gpuCount: number; read(): GpuSample[]; close(): void };

type Device = { index: number; handle: Pointer; name: string; uuid: string };

export function openNvml(search: LibrarySearch = {}): NvmlReader | { unavailable: string } {
  const located = locateNvml(search);
  if ("unavailable" in located) return { unavailable: `NVML not available (${located.unavailable})` };
  const library = located.path;
  let lib: ReturnType<typeof dlopen<typeof SYMBOLS>>;
  try {
    lib = dlopen(library, SYMBOLS);
  } catch (error) {
    return { unavailable: `NVML not available (${library}: ${(error as Error).message})` };
  }
  const f = lib.symbols;
  let memV2: ReturnType<typeof dlopen<typeof MEMORY_V2>> | undefined;
  try {
    memV2 = dlopen(library, MEMORY_V2);
  } catch {
    memV2 = undefined;
  }
  const rc = f.nvmlInit_v2();
  if (rc !== 0) {
    lib.close();
    memV2?.close();
    return { unavailable: `NVML not available (nvmlInit_v2 returned ${rc})` };
  }
  /** Calls `call` with a fresh buffer of `size` bytes; the buffer when NVML said success. */
  const query = (size: number, call: (buf: Uint8Array) => number): Uint8Array | undefined => {
    const buf = new Uint8Array(size);
    return call(buf) === 0 ? buf : undefined;
  };
  const countBuf = query(4, (b) => f.nvmlDeviceGetCount_v2(b));
  const count = countBuf === undefined ? 0 : decodeU32(countBuf);
  const devices: Device[] = [];
  for (let index = 0; index < count; index++) {
    const handleBuf = query(8, (b) => f.nvmlDeviceGetHandleByIndex_v2(index, b));
    if (handleBuf === undefined) continue;
    // nvmlDevice_t is an opaque pointer; a 48-bit address is exact as a double.
    const handle = decodeU64(handleBuf) as Pointer;
    const name = query(NAME_BUFFER_SIZE, (b) => f.nvmlDeviceGetName(handle, b, NAME_BUFFER_SIZE));
    const uuid = query(UUID_BUFFER_SIZE, (b) => f.nvmlDeviceGetUUID(handle, b, UUID_BUFFER_SIZE));
    devices.push({ index, handle, name: name === undefined ? "" : decodeCString(name), uuid: uuid === undefined ? "" : decodeCString(uuid) });
  }
  const readMemory = (h: Pointer): NvmlRaw["memory"] => {
    if (memV2 !== undefined) {
      const buf = memoryV2Buffer();
      if (memV2.symbols.nvmlDeviceGetMemoryInfo_v2(h, buf) === 0) return decodeMemoryV2(buf);
    }
    const mem = query(MEMORY_SIZE, (b) => f.nvmlDeviceGetMemoryInfo(h, b));
    return mem === undefined ? undefined : decodeMemory(mem);
  };
  const host = hostname();
  return {
    gpuCount: devices.length,
    read() {
      const timestampNs = wallNs();
      return devices.map((d) => {
        const h = d.handle;
        const raw: NvmlRaw = {};
        const power = query(4, (b) => f.nvmlDeviceGetPowerUsage(h, b));
        if (power !== undefined) raw.powerMw = decodeU32(power);
        const energy = query(8, (b) => f.nvmlDeviceGetTotalEnergyConsumption(h, b));
        if (energy !== undefined) raw.energyMj = decodeU64(energy);
        const util = query(UTILIZATION_SIZE, (b) => f.nvmlDeviceGetUtilizationRates(h, b));
        if (util !== undefined) raw.utilization = decodeUtilization(util);
        const memory = readMemory(h);
        if (memory !== undefined) raw.memory = memory;
        const temp = query(4, (b) => f.nvmlDeviceGetTemperature(h, NVML_TEMPERATURE_GPU, b));
        if (temp !== undefined) raw.gpuTempC = decodeU32(temp);
        const sm = query(4, (b) => f.nvmlDeviceGetClockInfo(h, NVML_CLOCK_SM, b));
        if (sm !== undefined) raw.smClockMhz = decodeU32(sm);
        const memClock = query(4, (b) => f.nvmlDeviceGetClockInfo(h, NVML_CLOCK_MEM, b));
        if (memClock !== undefined) raw.memClockMhz = decodeU32(memClock);
        return { source: NVML_SOURCE, timestampNs, gpuIndex: d.index, gpuUuid: d.uuid, gpuName: d.name, hostname: host, values: nvmlValues(raw) };
      });
    },
    close() {
      f.nvmlShutdown();
      lib.close();
      memV2?.close();
    },
  };
}
