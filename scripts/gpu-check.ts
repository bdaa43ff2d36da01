/**
 * One NVML reading per local GPU, through the same reader the gpu-telemetry service falls back
 * to: `bun scripts/gpu-check.ts`. Without libnvidia-ml it says so and exits 0 (nothing to check).
 */
import { FIELDS } from "../src/services/gpu-telemetry/fields.ts";
import { openNvml } from "../src/services/gpu-telemetry/nvml.ts";

const reader = openNvml();
if ("unavailable" in reader) {
  console.log(reader.unavailable);
  process.exit(0);
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
