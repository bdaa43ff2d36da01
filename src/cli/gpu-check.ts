/**
 * Hidden `aiperf gpu-check`: one NVML reading per local GPU through the reader the gpu-telemetry
 * service falls back to, then the energy counter's rise over ~1 s. Without libnvidia-ml it says so
 * and exits 0 (nothing to check). Hidden from help: a check for operators who were told of it.
 */
import { defineCommand } from "citty";

export const gpuCheckCommand = defineCommand({
  meta: { name: "gpu-check", hidden: true, description: "Read every local GPU once through NVML (a check of the NVML fallback)" },
  async run() {
    const { FIELDS } = await import("../services/gpu-telemetry/fields.ts");
    const { openNvml } = await import("../services/gpu-telemetry/nvml.ts");
    const reader = openNvml();
    if ("unavailable" in reader) {
      console.log(reader.unavailable);
      return;
    }
    try {
      console.log(`NVML: ${reader.gpuCount} GPU(s)`);
      for (const s of reader.read()) {
        console.log(`GPU ${s.gpuIndex}: ${s.gpuName} ${s.gpuUuid} on ${s.hostname}`);
        for (const def of FIELDS) {
          const value = s.values[def.field];
          if (value !== undefined) console.log(`  ${def.header.padEnd(24)} ${value.toFixed(def.field === "energy_consumption" ? 6 : 2)} ${def.unit}`);
        }
      }
      // Energy must be a rising counter: read again after a moment and show the difference.
      await Bun.sleep(500);
      const first = reader.read();
      await Bun.sleep(1000);
      for (const s of reader.read()) {
        const before = first.find((f) => f.gpuIndex === s.gpuIndex)?.values.energy_consumption;
        const after = s.values.energy_consumption;
        if (before !== undefined && after !== undefined) console.log(`GPU ${s.gpuIndex}: ${((after - before) * 1e6).toFixed(3)} J over ~1 s`);
      }
    } finally {
      reader.close();
    }
  },
});
