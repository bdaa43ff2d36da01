/**
 * The GPU telemetry fields we record, named as upstream names them, with their display units and
 * the DCGM exporter field each comes from. Values are stored in display units.
 */

export type GpuField =
  | "gpu_power_usage"
  | "energy_consumption"
  | "gpu_utilization"
  | "memory_copy_utilization"
  | "gpu_memory_used"
  | "gpu_memory_free"
  | "sm_clock_frequency"
  | "memory_clock_frequency"
  | "gpu_temperature"
  | "memory_temperature"
  | "xid_errors"
  | "power_violation"
  | "thermal_violation";

export type FieldDef = { field: GpuField; dcgm: string; header: string; unit: string /** display value = raw × scale */; scale: number };

// DCGM reports framebuffer memory in MiB and energy in mJ; 1 MiB = 1.048576 MB.
export const FIELDS: readonly FieldDef[] = [
  { field: "gpu_power_usage", dcgm: "DCGM_FI_DEV_POWER_USAGE", header: "GPU Power Usage", unit: "W", scale: 1 },
  { field: "energy_consumption", dcgm: "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", header: "Energy Consumption", unit: "MJ", scale: 1e-9 },
  { field: "gpu_utilization", dcgm: "DCGM_FI_DEV_GPU_UTIL", header: "GPU Utilization", unit: "%", scale: 1 },
  { field: "memory_copy_utilization", dcgm: "DCGM_FI_DEV_MEM_COPY_UTIL", header: "Memory Copy Utilization", unit: "%", scale: 1 },
  { field: "gpu_memory_used", dcgm: "DCGM_FI_DEV_FB_USED", header: "GPU Memory Used", unit: "GB", scale: 1.048576e-3 },
  { field: "gpu_memory_free", dcgm: "DCGM_FI_DEV_FB_FREE", header: "GPU Memory Free", unit: "MB", scale: 1.048576 },
  { field: "sm_clock_frequency", dcgm: "DCGM_FI_DEV_SM_CLOCK", header: "SM Clock Frequency", unit: "MHz", scale: 1 },
  { field: "memory_clock_frequency", dcgm: "DCGM_FI_DEV_MEM_CLOCK", header: "Memory Clock Frequency", unit: "MHz", scale: 1 },
  { field: "gpu_temperature", dcgm: "DCGM_FI_DEV_GPU_TEMP", header: "GPU Temperature", unit: "°C", scale: 1 },
  { field: "memory_temperature", dcgm: "DCGM_FI_DEV_MEMORY_TEMP", header: "Memory Temperature", unit: "°C", scale: 1 },
  { field: "xid_errors", dcgm: "DCGM_FI_DEV_XID_ERRORS", header: "XID Errors", unit: "count", scale: 1 },
  { field: "power_violation", dcgm: "DCGM_FI_DEV_POWER_VIOLATION", header: "Power Violation", unit: "us", scale: 1 },
  { field: "thermal_violation", dcgm: "DCGM_FI_DEV_THERMAL_VIOLATION", header: "Thermal Violation", unit: "us", scale: 1 },
];

export const BY_DCGM = new Map(FIELDS.map((f) => [f.dcgm, f] as const));

/** One GPU's reading at one instant, from one source (a DCGM URL or "nvml://localhost"). */
export type GpuSample = {
  source: string;
  timestampNs: number;
  gpuIndex: number;
  gpuUuid: string;
  gpuName: string;
  hostname: string;
  values: Partial<Record<GpuField, number>>;
};
