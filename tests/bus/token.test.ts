/**
 * The cluster token on real TCP sockets: a peer with the same token talks, a peer with another
 * token or none is refused during the handshake, logged and never redialled; IPC peers are local
 * and not asked for it.
 */
import { afterAll, afterEach, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BusSocket, createSocket, setBusLogger } from "../../src/bus/index.ts";

setDefaultTimeout(60_000);

const warnings: string[] = [];
const open: BusSocket[] = [];
let ipcDir = "";

beforeAll(() => {
  ipcDir = mkdtempSync(join(tmpdir(), "bus-token-test-"));
  setBusLogger({ warn: (m) => warnings.push(m), debug: () => {} });
});
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  warnings.length = 0;
});
afterAll(() => rmSync(ipcDir, { recursive: true, force: true }));

function pair(pullToken: string | undefined, pushToken: string | undefined, endpoint = "tcp://127.0.0.1:0"): { pull: BusSocket; push: BusSocket } {
  const pull = createSocket("PULL", { token: pullToken ?? "", name: "pull" });
  const push = createSocket("PUSH", { token: pushToken ?? "", name: "push" });
  open.push(pull, push);
  push.connect(pull.bind(endpoint));
  return { pull, push };
}

async function delivered(pull: BusSocket, push: BusSocket): Promise<boolean> {
  void push.send("hello").catch(() => {});
  const got = pull.receive().then((m) => new TextDecoder().decode(m[0]));
  const late = Bun.sleep(1500).then(() => undefined);
  return (await Promise.race([got, late])) === "hello";
}

test("same token over TCP: messages flow", async () => {
  const { pull, push } = pair("s3cret", "s3cret");
  expect(await delivered(pull, push)).toBe(true);
  expect(warnings.filter((w) => w.includes("token"))).toEqual([]);
});

test("wrong token over TCP: refused, logged on both sides, nothing delivered", async () => {
  const { pull, push } = pair("s3cret", "guess");
  expect(await delivered(pull, push)).toBe(false);
  expect(warnings.some((w) => w.includes("pull") && w.includes("wrong or missing cluster token"))).toBe(true);
  expect(pull.peerCount).toBe(0);
});

test("no token from the peer over TCP: refused", async () => {
  const { pull, push } = pair("s3cret", undefined);
  expect(await delivered(pull, push)).toBe(false);
  expect(warnings.some((w) => w.includes("wrong or missing cluster token"))).toBe(true);
});

test("IPC peers are not asked for the token", async () => {
  const { pull, push } = pair("s3cret", undefined, `ipc://${ipcDir}/a.ipc`);
  expect(await delivered(pull, push)).toBe(true);
});
