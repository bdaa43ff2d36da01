import { afterAll, beforeAll, expect, test } from "bun:test";
import { createMockServer, type MockServer } from "../../src/mock-server/server.ts";
import { dcgmSamples } from "../../src/services/gpu-telemetry/dcgm-parse.ts";

let server: MockServer;
beforeAll(() => {
  server = createMockServer({ port: 0, ttft: 10, itl: 20, osl: 20 });
});
afterAll(() => server.stop());

async function scrape(): Promise<{ text: string; power: number; energy: number }> {
  const res = await fetch(`${server.url}/dcgm/metrics`);
  expect(res.headers.get("content-type")).toContain("text/plain");
  const text = await res.text();
  const gpu0 = dcgmSamples(text, "mock", 0)[0];
  return { text, power: gpu0?.values.gpu_power_usage as number, energy: gpu0?.values.energy_consumption as number };
}

test("GET /dcgm/metrics looks like dcgm-exporter and follows the load", async () => {
  const idle = await scrape();
  expect(idle.text).toContain("# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter");
  expect(idle.text).toMatch(/DCGM_FI_DEV_POWER_USAGE\{gpu="1",UUID="GPU-[^"]+",pci_bus_id="[^"]+",device="nvidia1",modelName="[^"]+",Hostname="[^"]+"/);
  // A streaming request (~400 ms) is in flight while we scrape again.
  const body = JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: "hi" }] });
  const pending = fetch(`${server.url}/v1/chat/completions`, { method: "POST", body, headers: { "content-type": "application/json" } }).then((r) => r.text());
  await Bun.sleep(150);
  const busy = await scrape();
  await pending;
  expect(busy.power).toBeGreaterThan(idle.power);
  expect(busy.energy).toBeGreaterThan(idle.energy);
  expect((await fetch(`${server.url}/dcgm/metrics`, { method: "POST" })).status).toBe(405);
});
