/**
 * NVML's out-parameter structs as bytes, decoded without FFI so the layout is testable on a
 * machine with no GPU. NVML is little-endian x86_64/aarch64 C; layouts from nvml.h:
 *   nvmlUtilization_t { unsigned int gpu; unsigned int memory; }            8 bytes
 *   nvmlMemory_t      { unsigned long long total, free, used; }              24 bytes, bytes
 *   nvmlMemory_v2_t   { unsigned int version; (4 bytes padding)
 *                       unsigned long long total, reserved, free, used; }    40 bytes, bytes
 * v1's `used` counts the driver's reserved memory (0.64 GB on an idle H200 with driver 580, where
 * nvidia-smi and DCGM's FB_USED say 0 MiB); v2 reports it apart, so v2 is read where the driver has it.
 */

export const UTILIZATION_SIZE = 8;
export const MEMORY_SIZE = 24;
const MEMORY_V2_SIZE = 40;
/** NVML_STRUCT_VERSION(Memory, 2): sizeof(nvmlMemory_v2_t) | 2 << 24. */
export const MEMORY_V2_VERSION = (MEMORY_V2_SIZE | (2 << 24)) >>> 0;
/** NVML_DEVICE_NAME_V2_BUFFER_SIZE and NVML_DEVICE_UUID_V2_BUFFER_SIZE. */
export const NAME_BUFFER_SIZE = 96;
export const UUID_BUFFER_SIZE = 96;

function view(bytes: Uint8Array, size: number, what: string): DataView {
  if (bytes.byteLength < size) throw new RangeError(`${what} needs ${size} bytes, got ${bytes.byteLength}`);
  return new DataView(bytes.buffer, bytes.byteOffset, size);
}

export function decodeUtilization(bytes: Uint8Array): { gpu: number; memory: number } {
  const dv = view(bytes, UTILIZATION_SIZE, "nvmlUtilization_t");
  return { gpu: dv.getUint32(0, true), memory: dv.getUint32(4, true) };
}

/** Byte counts as doubles: exact up to 8 PiB, far beyond any GPU's memory. */
export function decodeMemory(bytes: Uint8Array): { total: number; free: number; used: number } {
  const dv = view(bytes, MEMORY_SIZE, "nvmlMemory_t");
  return { total: Number(dv.getBigUint64(0, true)), free: Number(dv.getBigUint64(8, true)), used: Number(dv.getBigUint64(16, true)) };
}

/** A buffer for nvmlDeviceGetMemoryInfo_v2 with its version field set, as NVML requires. */
export function memoryV2Buffer(): Uint8Array {
  const buf = new Uint8Array(MEMORY_V2_SIZE);
  new DataView(buf.buffer).setUint32(0, MEMORY_V2_VERSION, true);
  return buf;
}

/** nvmlMemory_v2_t: `used` here leaves out `reserved`, as nvidia-smi and DCGM show it. */
export function decodeMemoryV2(bytes: Uint8Array): { total: number; free: number; used: number; reserved: number } {
  const dv = view(bytes, MEMORY_V2_SIZE, "nvmlMemory_v2_t");
  const at = (offset: number) => Number(dv.getBigUint64(offset, true));
  return { total: at(8), reserved: at(16), free: at(24), used: at(32) };
}

/** A NUL-terminated C string in a fixed buffer (UTF-8; no NUL means the whole buffer). */
export function decodeCString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

export function decodeU32(bytes: Uint8Array): number {
  return view(bytes, 4, "unsigned int").getUint32(0, true);
}

export function decodeU64(bytes: Uint8Array): number {
  return Number(view(bytes, 8, "unsigned long long").getBigUint64(0, true));
}

export type NvmlRaw = {
  powerMw?: number;
  energyMj?: number;
  utilization?: { gpu: number; memory: number };
  memory?: { total: number; free: number; used: number };
  gpuTempC?: number;
  smClockMhz?: number;
  memClockMhz?: number;
};

/** NVML's units to the DCGM-derived display units the rest of the role uses (W, MJ, %, GB, MB, MHz, °C). */
export function nvmlValues(raw: NvmlRaw): Record<string, number> {
  const out: Record<string, number> = {};
  if (raw.powerMw !== undefined) out.gpu_power_usage = raw.powerMw / 1000;
  if (raw.energyMj !== undefined) out.energy_consumption = raw.energyMj * 1e-9;
  if (raw.utilization !== undefined) {
    out.gpu_utilization = raw.utilization.gpu;
    out.memory_copy_utilization = raw.utilization.memory;
  }
  if (raw.memory !== undefined) {
    out.gpu_memory_used = raw.memory.used / 1e9;
    out.gpu_memory_free = raw.memory.free / 1e6;
  }
  if (raw.gpuTempC !== undefined) out.gpu_temperature = raw.gpuTempC;
  if (raw.smClockMhz !== undefined) out.sm_clock_frequency = raw.smClockMhz;
  if (raw.memClockMhz !== undefined) out.memory_clock_frequency = raw.memClockMhz;
  return out;
}
