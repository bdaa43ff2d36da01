/**
 * The records service's live view (records_live) for real: an in-process records service fed
 * over its PULL socket. Only the dashboard shows the view, so the controller asks for it only
 * then (RecordsConfig.live); a records service told not to computes and sends none, and still
 * counts every record (records_progress).
 */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BusSocket, createSocket, setBusLogger } from "../../src/bus/index.ts";
import { inProcessLauncher } from "../../src/controller/launchers.ts";
import { Supervisor } from "../../src/controller/supervisor.ts";
import { encodeRecordBatch } from "../../src/protocol/record-batch.ts";
import { makeRecord } from "../metrics/fixtures.ts";
import { memoryLogger } from "../process/helpers.ts";

setBusLogger({ warn: () => {}, debug: () => {} });

let sup: Supervisor | undefined;
let push: BusSocket | undefined;
const dirs: string[] = [];
afterEach(async () => {
  push?.close();
  push = undefined;
  await sup?.shutdown("test over");
  sup = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs a records service configured with `live`, sends it 40 records in 4 batches 300 ms apart, and returns the events it emitted. */
async function feed(live: boolean | undefined): Promise<{ live: unknown[]; progress: { processed: number }[] }> {
  const dir = mkdtempSync(join(tmpdir(), "aiperf-records-live-"));
  dirs.push(dir);
  const { log } = memoryLogger();
  const s = new Supervisor({ launcher: inProcessLauncher(), log, logLevel: "warn" });
  sup = s;
  const events = { live: [] as unknown[], progress: [] as { processed: number }[] };
  s.on("records_live", (_from, p) => events.live.push(p));
  s.on("records_progress", (_from, p) => events.progress.push(p as { processed: number }));
  await s.start([{ role: "records", id: "0" }]);
  const { endpoint } = await s.command("records:0", "bind");
  const config = { artifactDir: dir, endpointType: "chat", streaming: true, goodput: null, duration: null, logFile: join(dir, "log") };
  await s.command("records:0", "configure", live === undefined ? config : { ...config, live });
  push = createSocket("PUSH", { name: "test processor" });
  push.connect(endpoint);
  for (let b = 0; b < 4; b++) {
    const records = Array.from({ length: 10 }, (_, i) => makeRecord((b * 10 + i) * 100, [5, 10, 15]));
    await push.send(encodeRecordBatch({ processor: "record-processor:0", records }));
    await Bun.sleep(300);
  }
  return events;
}

test("the dashboard's live view is sent when asked for (and by an older controller that does not say)", async () => {
  for (const live of [true, undefined]) {
    const events = await feed(live);
    expect(events.live.length).toBeGreaterThan(0);
    expect(events.live.at(-1)).toMatchObject({ records: expect.any(Number), ok: expect.any(Number) });
    await sup?.shutdown("next");
    sup = undefined;
    push?.close();
    push = undefined;
  }
});

test("no live view without a dashboard, and every record still counted", async () => {
  const events = await feed(false);
  expect(events.live).toEqual([]);
  expect(events.progress.length).toBeGreaterThan(0);
  expect(events.progress.at(-1)?.processed).toBeGreaterThanOrEqual(30);
});
