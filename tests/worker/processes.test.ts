/**
 * The two roles as real child processes under the supervisor, over ipc: the roles load through
 * the registry, and intended send times hold across processes (the host-wide monotonic clock).
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSocket, type Message, setBusLogger } from "../../src/bus/index.ts";
import { processLauncher } from "../../src/controller/launchers.ts";
import { Supervisor } from "../../src/controller/supervisor.ts";
import { monoNs } from "../../src/core/clock.ts";
import { writeDatasetFile } from "../../src/protocol/dataset-file.ts";
import { type Credit, encodeJson } from "../../src/protocol/pipeline.ts";
import { decodeRecordBatch } from "../../src/protocol/record-batch.ts";
import type { RequestRecord } from "../../src/records/record.ts";
import { resolveTokenizer } from "../../src/tokenizer/index.ts";
import { memoryLogger } from "../process/helpers.ts";
import { body, startServer } from "./support.ts";

setBusLogger({ warn: () => {}, debug: () => {} });

const dir = mkdtempSync(join(tmpdir(), "aiperf-worker-proc-"));
const srv = startServer();
const { log } = memoryLogger();
const sup = new Supervisor({ launcher: processLauncher(), log, logLevel: "warn" });
const router = createSocket("ROUTER", { name: "test credits", routerMandatory: true });
const pull = createSocket("PULL", { name: "test records" });

afterAll(async () => {
  await sup.shutdown("test over");
  router.close();
  pull.close();
  await srv.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("worker and record processor in child processes: credits in, parsed records out", { timeout: 30_000 }, async () => {
  const datasetPath = join(dir, "dataset.bin");
  writeDatasetFile(datasetPath, [{ id: "s", turns: [{ body: body({ mode: "stream", n: 4, gapMs: 5 }), inputTokens: 7 }] }]);
  const creditsEndpoint = router.bind(`ipc://${join(dir, "credits.ipc")}`);
  const recordsEndpoint = pull.bind(`ipc://${join(dir, "records.ipc")}`);
  const records: RequestRecord[] = [];
  pull.onMessage((msg: Message) => records.push(...decodeRecordBatch(msg).records));
  let returned = 0;
  router.onMessage(() => returned++);

  await sup.start([
    { role: "record-processor", id: "0" },
    { role: "worker", id: "0" },
  ]);
  const { endpoint } = await sup.command("record-processor:0", "bind");
  await sup.command("record-processor:0", "configure", { recordsEndpoint, datasetPath, endpointType: "chat", streaming: true, tokenizer: "builtin" });
  await sup.command("worker:0", "configure", {
    creditsEndpoint,
    processorEndpoints: [endpoint],
    datasetPath,
    urls: [srv.url],
    endpointPath: "v1/chat/completions",
    streaming: true,
    requestTimeoutSeconds: 30,
  });

  const intended: number[] = [];
  for (let i = 0; i < 5; i++) {
    const intendedNs = monoNs() + 30e6 + i * 10e6;
    intended.push(intendedNs);
    const credit: Credit = { id: i, phase: "profiling", num: i, conversation: 0, turn: 0, intendedNs, cancelAfterNs: null, correlationId: `c${i}` };
    await router.send(["worker:0", encodeJson(credit)]);
  }
  const until = Date.now() + 10_000;
  while ((records.length < 5 || returned < 5) && Date.now() < until) await Bun.sleep(10);
  expect(records.length).toBe(5);
  // The processor counted with the real (builtin) tokenizer, over the joined content.
  const osl = (await resolveTokenizer("builtin")).count("tok0 tok1 tok2 tok3 ");
  expect(returned).toBe(5);
  for (const r of records.sort((a, b) => a.sessionNum - b.sessionNum)) {
    expect(r.error).toBeNull();
    // Sent no earlier than intended, on the clock the two processes share.
    expect(r.startNs).toBeGreaterThanOrEqual(intended[r.sessionNum] as number);
    expect([r.responseNs.length, r.outputTokens, r.inputTokens, r.workerId]).toEqual([4, osl, 7, "worker:0"]);
  }
});
