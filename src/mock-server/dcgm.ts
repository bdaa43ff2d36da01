/**
 * A fake DCGM exporter (GET /dcgm/metrics): two GPUs whose power, utilisation and clocks follow
 * the mock's load (requests in flight) and whose energy counter integrates that power over time,
 * in dcgm-exporter's field names, labels and HELP/TYPE lines, so GPU telemetry can be tested
 * end to end without a GPU.
 */
import type { MockMetrics } from "./metrics.ts";

const GPUS = 2;
const IDLE_W = 65;
const PER_REQUEST_W = 40;
const MAX_W = 700;

interface MockDcgm {
  requestStarted(): void;
  requestFinished(): void;
  render(): string;
}

type FieldLine = { name: string; type: "gauge" | "counter"; help: string; value: (gpu: number) => number };

export function createMockDcgm(hostname = "mock-host", now: () => number = () => performance.now()): MockDcgm {
  let inFlight = 0;
  let lastMs = now();
  // mJ since "boot"; each GPU starts at a different realistic-looking total.
  const energyMj = Array.from({ length: GPUS }, (_, i) => 4.2e9 + i * 1.3e8);
  // Work spreads over both GPUs, the first a little busier (tensor-parallel ranks rarely match).
  const share = (gpu: number): number => inFlight * (gpu === 0 ? 0.55 : 0.45);
  const power = (gpu: number): number => Math.min(MAX_W, IDLE_W + PER_REQUEST_W * share(gpu));
  const util = (gpu: number): number => Math.min(100, Math.round(share(gpu) * 30));
  // Energy accrues at the power of the load that held since the last change (piecewise constant).
  const advance = (): void => {
    const t = now();
    const seconds = Math.max(0, (t - lastMs) / 1000);
    lastMs = t;
    for (let g = 0; g < GPUS; g++) energyMj[g] = (energyMj[g] as number) + power(g) * seconds * 1000;
  };
  const fields: FieldLine[] = [
    { name: "DCGM_FI_DEV_SM_CLOCK", type: "gauge", help: "SM clock frequency (in MHz).", value: () => (inFlight > 0 ? 1980 : 345) },
    { name: "DCGM_FI_DEV_MEM_CLOCK", type: "gauge", help: "Memory clock frequency (in MHz).", value: () => (inFlight > 0 ? 2619 : 1593) },
    { name: "DCGM_FI_DEV_MEMORY_TEMP", type: "gauge", help: "Memory temperature (in C).", value: (g) => 38 + Math.round(util(g) / 10) },
    { name: "DCGM_FI_DEV_GPU_TEMP", type: "gauge", help: "GPU temperature (in C).", value: (g) => 33 + Math.round(util(g) / 5) },
    { name: "DCGM_FI_DEV_POWER_USAGE", type: "gauge", help: "Power draw (in W).", value: (g) => Number(power(g).toFixed(3)) },
    {
      name: "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION",
      type: "counter",
      help: "Total energy consumption since boot (in mJ).",
      value: (g) => Math.round(energyMj[g] as number),
    },
    { name: "DCGM_FI_DEV_GPU_UTIL", type: "gauge", help: "GPU utilization (in %).", value: util },
    { name: "DCGM_FI_DEV_MEM_COPY_UTIL", type: "gauge", help: "Memory utilization (in %).", value: (g) => Math.round(util(g) * 0.4) },
    { name: "DCGM_FI_DEV_FB_FREE", type: "gauge", help: "Framebuffer memory free (in MiB).", value: (g) => 81559 - 71000 - g * 512 },
    { name: "DCGM_FI_DEV_FB_USED", type: "gauge", help: "Framebuffer memory used (in MiB).", value: (g) => 71000 + g * 512 },
    { name: "DCGM_FI_DEV_XID_ERRORS", type: "gauge", help: "Value of the last XID error encountered.", value: () => 0 },
    { name: "DCGM_FI_DEV_POWER_VIOLATION", type: "counter", help: "Throttling duration due to power constraints (in us).", value: () => 0 },
    { name: "DCGM_FI_DEV_THERMAL_VIOLATION", type: "counter", help: "Throttling duration due to thermal constraints (in us).", value: () => 0 },
  ];
  const labels = (g: number): string =>
    `gpu="${g}",UUID="GPU-00000000-0000-4000-8000-00000000000${g}",pci_bus_id="00000000:0${g + 7}:00.0",device="nvidia${g}",modelName="NVIDIA H100 80GB HBM3 (mock)",Hostname="${hostname}",DCGM_FI_DRIVER_VERSION="550.54.15"`;
  return {
    requestStarted() {
      advance();
      inFlight++;
    },
    requestFinished() {
      advance();
      inFlight = Math.max(0, inFlight - 1);
    },
    render() {
      advance();
      let out = "";
      for (const f of fields) {
        out += `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n`;
        for (let g = 0; g < GPUS; g++) out += `${f.name}{${labels(g)}} ${f.value(g)}\n`;
      }
      return out;
    },
  };
}

/** The mock's metrics, also telling the fake GPUs when load starts and ends. */
export function withDcgmLoad(metrics: MockMetrics, dcgm: MockDcgm): MockMetrics {
  return {
    ...metrics,
    requestStarted() {
      metrics.requestStarted();
      dcgm.requestStarted();
    },
    requestFinished(endpoint, status, seconds) {
      metrics.requestFinished(endpoint, status, seconds);
      dcgm.requestFinished();
    },
  };
}
