/**
 * The worker-node pieces on loopback: the clock estimate's arithmetic, the controller address,
 * the controller's gate (token refused and logged, /api/time, the dataset and its SHA-256) with
 * the node's real download and calibration against it, and the node's health endpoints.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConsolaInstance } from "consola";
import { estimateOffset } from "../../src/cluster/clock-sync.ts";
import { CreditClock, creditCorrection, tightest } from "../../src/cluster/credit-clock.ts";
import { DATASET_SHA256_HEADER, drifted, WIRE_PROTOCOL } from "../../src/cluster/messages.ts";
import { clockEpoch, correctClocks, monoNs, wallNs } from "../../src/core/clock.ts";
import { clusterPorts, parseControllerAddress } from "../../src/cluster/ports.ts";
import { ClusterGate } from "../../src/controller/cluster/gate.ts";
import { calibrateClock } from "../../src/node/calibrate.ts";
import { downloadDataset } from "../../src/node/dataset.ts";
import { serveHealth } from "../../src/node/health.ts";

const dir = mkdtempSync(join(tmpdir(), "aiperf-cluster-test-"));
const stops: (() => void)[] = [];
afterAll(() => {
  for (const stop of stops) stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A gate on a free loopback port expecting one node, its warnings collected; stopped after the tests. */
function startGate(token: string): { gate: ClusterGate; warnings: string[] } {
  const warnings: string[] = [];
  const log = { warn: (m: string) => warnings.push(m), info: () => {}, debug: () => {}, error: () => {} } as unknown as ConsolaInstance;
  const gate = new ClusterGate({
    host: "127.0.0.1",
    port: 0,
    basePort: 0,
    token,
    expected: 1,
    logLevel: "info",
    heartbeatMs: 1000,
    env: {},
    log,
    events: { changed: () => {}, lost: () => {}, childExit: () => {}, clock: () => {} },
  });
  stops.push(() => gate.close("test over"));
  return { gate, warnings };
}

test("the offset comes from the tightest round trip, half of it is the uncertainty", () => {
  const est = estimateOffset([
    { t0MonoNs: 1000, t3MonoNs: 1400, t0WallNs: 5000, controllerMonoNs: 100, controllerWallNs: 9000 },
    // Round trip 100 ns: the controller answered at 600 (its clock) while the node read 1050 (its midpoint).
    { t0MonoNs: 2000, t3MonoNs: 2100, t0WallNs: 6000, controllerMonoNs: 1600, controllerWallNs: 2050 },
  ]);
  expect(est).toEqual({ monoOffsetNs: 450, wallOffsetNs: 4000, uncertaintyNs: 50 });
  expect(estimateOffset([])).toBeUndefined();
});

test("a new measurement is applied only when it moved by more than both uncertainties", () => {
  const applied = { monoOffsetNs: 1_000_000, wallOffsetNs: 2_000_000, uncertaintyNs: 50_000 };
  expect(drifted(applied, { monoOffsetNs: 1_080_000, wallOffsetNs: 2_080_000, uncertaintyNs: 40_000 })).toBe(false);
  expect(drifted(applied, { monoOffsetNs: 1_000_000, wallOffsetNs: 2_200_000, uncertaintyNs: 40_000 })).toBe(true);
  expect(drifted(applied, { monoOffsetNs: 800_000, wallOffsetNs: 2_000_000, uncertaintyNs: 40_000 })).toBe(true);
});

test("the credit clock: a worker 3 ms ahead is found from the fastest trip each way, with its half-width; corrected only when the interval excludes zero", () => {
  const clock = new CreditClock();
  expect(clock.estimate()).toBeUndefined();
  // Forward delays read +3 ms, backward −3 ms; the quickest trips are 0.2 ms out and 0.1 ms back.
  const r = 3e6;
  for (let i = 0; i < 40; i++) clock.add(200_000 + i * 10_000 + r, 100_000 + i * 7_000 - r);
  const e = clock.estimate();
  expect(e).toEqual({ offsetNs: (200_000 + r - (100_000 - r)) / 2, uncertaintyNs: 150_000, samples: 40 });
  const applied = { monoOffsetNs: 10e6, wallOffsetNs: 20e6, uncertaintyNs: 500_000 };
  expect(creditCorrection(applied, e as NonNullable<typeof e>)).toEqual({ monoOffsetNs: 10e6 + 3.05e6, wallOffsetNs: 20e6 + 3.05e6, uncertaintyNs: 150_000 });
  // Within the uncertainty, or from too few trips: nothing to correct.
  expect(creditCorrection(applied, { offsetNs: 100_000, uncertaintyNs: 150_000, samples: 1000 })).toBeUndefined();
  expect(creditCorrection(applied, { offsetNs: 5e6, uncertaintyNs: 150_000, samples: 3 })).toBeUndefined();
  // A node's workers share its clock: the tightest estimate stands for it, with all samples.
  expect(
    tightest([
      { offsetNs: 1, uncertaintyNs: 9, samples: 2 },
      { offsetNs: 2, uncertaintyNs: 3, samples: 5 },
    ]),
  ).toEqual({ offsetNs: 2, uncertaintyNs: 3, samples: 7 });
  // Old extremes age out: after two full windows only the new trips count.
  for (let i = 0; i < 1100; i++) clock.add(1_000_000, 1_000_000);
  expect(clock.estimate()).toEqual({ offsetNs: 0, uncertaintyNs: 1_000_000, samples: 1140 });
  clock.reset();
  clock.add(400_000, 200_000);
  expect(clock.estimate()).toEqual({ offsetNs: 100_000, uncertaintyNs: 300_000, samples: 1141 });
});

test("a correction moves this process's clocks by exactly the offsets, and back", () => {
  const before = { mono: monoNs(), wall: wallNs() };
  const epoch = clockEpoch();
  correctClocks(5e9, -3e9);
  expect(clockEpoch()).toBe(epoch + 1);
  const moved = { mono: monoNs(), wall: wallNs() };
  correctClocks(0, 0);
  const after = { mono: monoNs(), wall: wallNs() };
  // Node clock minus controller clock is subtracted: +5 s ahead reads 5 s earlier.
  expect(moved.mono - before.mono).toBeGreaterThan(-5e9 - 1e8);
  expect(moved.mono - before.mono).toBeLessThan(-5e9 + 1e8);
  expect(moved.wall - before.wall).toBeGreaterThan(3e9 - 1e8);
  expect(moved.wall - before.wall).toBeLessThan(3e9 + 1e8);
  expect(after.mono - before.mono).toBeLessThan(1e8);
  expect(after.wall - before.wall).toBeLessThan(1e8);
});

test("--controller: tcp://HOST:PORT, HOST:PORT and [v6]:PORT; anything else says what it expects", () => {
  expect(parseControllerAddress("tcp://10.0.0.1:5661")).toEqual({ host: "10.0.0.1", port: 5661 });
  expect(parseControllerAddress("ctl.example:80")).toEqual({ host: "ctl.example", port: 80 });
  expect(parseControllerAddress("tcp://[fd00::1]:5661")).toEqual({ host: "fd00::1", port: 5661 });
  expect(parseControllerAddress("http://x:1")).toBe('"http://x:1" is not tcp://HOST:PORT');
  expect(parseControllerAddress("tcp://x:0")).toBe('"tcp://x:0" is not tcp://HOST:PORT');
  expect(clusterPorts(5661)).toEqual({ gate: 5661, control: 5662, events: 5663, credits: 5664, records: 5665 });
});

test("the gate: a wrong token is refused and logged once; the dataset is served with its SHA-256, downloaded and checked; the clock calibrates", async () => {
  const { gate, warnings } = startGate("right");
  const url = `http://127.0.0.1:${gate.port}`;
  for (let i = 0; i < 2; i++) expect((await fetch(`${url}/api/hello`, { headers: { Authorization: "Bearer wrong" } })).status).toBe(401);
  expect((await fetch(`${url}/api/dataset`)).status).toBe(401);
  expect(warnings.filter((w) => w.includes("/api/hello")).length).toBe(1);
  expect(warnings[0]).toContain("Refused a node from 127.0.0.1 (GET /api/hello): wrong or missing cluster token");
  const auth = { headers: { Authorization: "Bearer right" } };
  expect((await fetch(`${url}/api/hello`, auth)).status).toBe(200);
  expect((await fetch(`${url}/api/dataset`, auth)).status).toBe(503);

  const source = join(dir, "dataset.bin");
  const bytes = new Uint8Array(300_000).map((_, i) => (i * 31) % 251);
  writeFileSync(source, bytes);
  await gate.offerDataset(source);
  const sha256 = new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
  expect((await fetch(`${url}/api/dataset`, auth)).headers.get(DATASET_SHA256_HEADER)).toBe(sha256);
  const copy = join(dir, "copy.bin");
  await downloadDataset(url, "right", copy, { sha256, bytes: bytes.length });
  expect(new Uint8Array(readFileSync(copy))).toEqual(bytes);
  const other = "0".repeat(64);
  await expect(downloadDataset(url, "right", join(dir, "bad.bin"), { sha256: other, bytes: bytes.length })).rejects.toThrow(
    `expected ${bytes.length} bytes, SHA-256 ${other}`,
  );

  // Same host, same clocks: the offset found is within its own uncertainty of zero (plus slack for a busy box).
  const clock = await calibrateClock(url, 8);
  expect(Math.abs(clock.wallOffsetNs)).toBeLessThan(clock.uncertaintyNs + 2e6);
  expect(Math.abs(clock.monoOffsetNs)).toBeLessThan(clock.uncertaintyNs + 2e6);
});

test("the node's /healthz answers at once, /readyz once it is ready", async () => {
  const health = serveHealth(0, "127.0.0.1");
  stops.push(() => health.stop());
  const port = health.port;
  expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503);
  health.ready(true);
  expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
});

test("the gate turns away a node of another build (another wire protocol, or none): close 1008 saying why, logged once; the same build joins", async () => {
  const { gate, warnings } = startGate("t");
  /** Says hello with `protocol` (undefined: a build from before the field) and resolves with the first answer. */
  const hello = (protocol: number | undefined): Promise<{ close?: { code: number; reason: string }; welcome?: boolean }> =>
    new Promise((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${gate.port}/api/join`, { headers: { Authorization: "Bearer t" } } as unknown as string[]);
      ws.addEventListener("open", () =>
        ws.send(
          JSON.stringify({
            type: "hello",
            protocol,
            hostname: "h",
            controllerHost: "127.0.0.1",
            workers: 1,
            recordProcessors: 1,
            group: `g${protocol}`,
            pid: 1,
          }),
        ),
      );
      ws.addEventListener("message", (event) => {
        if (String(event.data).includes('"welcome"')) resolve({ welcome: true });
        ws.close();
      });
      ws.addEventListener("close", (event) => resolve({ close: { code: event.code, reason: event.reason } }));
    });
  const older = await hello(undefined);
  expect(older.close?.code).toBe(1008);
  expect(older.close?.reason).toBe(`another aiperf build (wire protocol 1 or older, the controller's ${WIRE_PROTOCOL}): run the controller's binary here`);
  const newer = await hello(WIRE_PROTOCOL + 1);
  expect(newer.close?.reason).toContain(`wire protocol ${WIRE_PROTOCOL + 1}, the controller's ${WIRE_PROTOCOL}`);
  expect(warnings.filter((w) => w.includes("runs another aiperf build")).length).toBe(2);
  expect(await hello(WIRE_PROTOCOL)).toEqual({ welcome: true });
});
