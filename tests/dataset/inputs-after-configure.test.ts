/**
 * The dataset role answers `configure` once dataset.bin is complete and writes a synthetic
 * dataset's inputs.json when asked `inputs` (controller/profile.ts, right after configure):
 * once `inputs` has answered, inputs.json is whole and lists every conversation; and a role told to
 * stop without being asked writes it before it ends.
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConsola } from "consola/core";
import { openDataset } from "../../src/protocol/dataset-file.ts";
import type { ServiceContext } from "../../src/runtime/context.ts";
import { run } from "../../src/services/dataset/index.ts";
import { datasetConfig } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "aiperf-inputs-after-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The role on a context of our own: its command handlers, called directly. */
function startRole(): { handlers: Map<string, (payload: unknown) => unknown>; stop: AbortController; done: Promise<void> } {
  const handlers = new Map<string, (payload: unknown) => unknown>();
  const stop = new AbortController();
  const ctx = {
    role: "dataset",
    id: "0",
    name: "dataset:0",
    config: {},
    log: createConsola({ level: 0 }),
    signal: stop.signal,
    handle: (name: string, handler: (payload: unknown) => unknown) => void handlers.set(name, handler),
    onBroadcast: () => {},
    emit: () => {},
    bindAddress: (name: string) => join(dir, name),
  } as unknown as ServiceContext<"dataset">;
  return { handlers, stop, done: run(ctx) };
}

test("configure answers with dataset.bin complete; after `inputs`, inputs.json holds every conversation", async () => {
  const role = startRole();
  const paths = { datasetPath: join(dir, "a.bin"), inputsJsonPath: join(dir, "a-inputs.json") };
  const configured = (await role.handlers.get("configure")?.(datasetConfig({ conversationNum: 40, isl: 64, ...paths }))) as { conversations: number };
  expect(configured.conversations).toBe(40);
  // What workers read is there already.
  expect(openDataset(paths.datasetPath).conversations).toBe(40);
  // The write is not part of configure's answer: it waits for `inputs`.
  expect(existsSync(paths.inputsJsonPath)).toBe(false);
  expect(await role.handlers.get("inputs")?.(undefined)).toEqual({ written: true });
  const inputs = JSON.parse(readFileSync(paths.inputsJsonPath, "utf8")) as { data: unknown[] };
  expect(inputs.data.length).toBe(40);
  role.stop.abort();
  await role.done;
}, 60_000);

test("told to stop right after configure (never asked for inputs), the role writes inputs.json whole before it ends", async () => {
  const role = startRole();
  const paths = { datasetPath: join(dir, "b.bin"), inputsJsonPath: join(dir, "b-inputs.json") };
  await role.handlers.get("configure")?.(datasetConfig({ conversationNum: 200, isl: 16, ...paths }));
  role.stop.abort();
  await role.done;
  const inputs = JSON.parse(readFileSync(paths.inputsJsonPath, "utf8")) as { data: unknown[] };
  expect(inputs.data.length).toBe(200);
}, 60_000);
