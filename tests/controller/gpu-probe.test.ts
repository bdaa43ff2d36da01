import { afterAll, expect, test } from "bun:test";
import { gpuTelemetryHasTarget } from "../../src/controller/gpu-probe.ts";
import { locateNvml } from "../../src/core/system-library.ts";

// A real listener on loopback stands for a DCGM exporter; a port just closed for one that is absent.
const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
const closed = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
const closedPort = closed.port;
closed.stop(true);
afterAll(() => listener.stop(true));

const none = { gpuTelemetry: [] as string[], noGpuTelemetry: false };
/** No override: the system's own places are searched (this machine may or may not have NVML). */
const systemOnly = {};
const nvmlHere = "path" in locateNvml({ env: systemOnly });

test("--no-gpu-telemetry: nothing to start", async () => {
  expect(await gpuTelemetryHasTarget({ ...none, noGpuTelemetry: true }, {}, [`http://127.0.0.1:${listener.port}/metrics`])).toBe(false);
});

test("URLs the user named always start the collector, even when nothing answers", async () => {
  expect(await gpuTelemetryHasTarget({ gpuTelemetry: [`http://127.0.0.1:${closedPort}/metrics`], noGpuTelemetry: false }, systemOnly, [])).toBe(true);
});

test("the defaults: started when an exporter port accepts, not when every one refuses (and NVML is absent)", async () => {
  expect(await gpuTelemetryHasTarget(none, systemOnly, [`http://127.0.0.1:${closedPort}/metrics`, `http://127.0.0.1:${listener.port}/metrics`])).toBe(true);
  expect(await gpuTelemetryHasTarget(none, systemOnly, [`http://127.0.0.1:${closedPort}/metrics`])).toBe(nvmlHere);
});

test("NVML on the machine is a target without any exporter", async () => {
  // Any 64-bit ELF shared library of this machine stands in for libnvidia-ml (only its presence is checked here).
  const lib = ["/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6"].find(
    (p) => "path" in locateNvml({ env: { AIPERF_NVML_LIBRARY: p } }) && Bun.file(p).size > 0,
  );
  expect(lib).toBeDefined();
  expect(await gpuTelemetryHasTarget(none, { AIPERF_NVML_LIBRARY: lib as string }, [`http://127.0.0.1:${closedPort}/metrics`])).toBe(true);
});
