/**
 * TypeScript ↔ TypeScript socket behaviour over real transports: every scenario runs over tcp,
 * ipc and inproc. Raw-peer scenarios (garbage, oversize frames, wrong Socket-Type, reconnect
 * backoff against a bare listener) need bytes on a wire, so they run over tcp and ipc only.
 * Expected behaviour is libzmq's (reference/zmtp.md §8), not whatever socket.ts happens to do.
 */
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Decoder } from "../../src/bus/decoder.ts";
import { encodeCommand, encodeGreeting, encodeMessage, encodePing, encodeReady, parseCommand, parseProperties, toSocketType } from "../../src/bus/frame.ts";
import { type BusSocket, createSocket, parseEndpoint, type Message, type SocketOptions, type SocketType, setBusLogger } from "../../src/bus/index.ts";
import { ascii, concat, toHex } from "./support.ts";

// bunfig.toml's [test] timeout is not applied by bun 1.4.5 (tests still stop at 5 s), so set it here.
setDefaultTimeout(60_000);

/**
 * How long to wait for something that should happen. Generous on purpose: a loaded 2-core CI box
 * can stall a process for seconds, and these waits only bound a failure, they never pass a test.
 */
const WAIT_MS = 15_000;

type Transport = "tcp" | "ipc" | "inproc";
const TRANSPORTS: Transport[] = ["tcp", "ipc", "inproc"];

const text = new TextDecoder();
const str = (b: Uint8Array | undefined) => (b === undefined ? "<none>" : text.decode(b));
const strs = (m: Message) => m.map(str);

let ipcDir = "";
let counter = 0;
const warnings: string[] = [];
const open: BusSocket[] = [];

beforeAll(() => {
  ipcDir = mkdtempSync(join(tmpdir(), "bus-socket-test-"));
  setBusLogger({ warn: (m) => warnings.push(m), debug: () => {} });
});

afterEach(async () => {
  for (const s of open.splice(0)) s.close();
  warnings.length = 0;
  // Let closes reach the peers before the next test starts.
  await Bun.sleep(20);
});

afterAll(() => {
  setBusLogger({ warn: (m) => console.warn(`[bus] ${m}`), debug: () => {} });
  rmSync(ipcDir, { recursive: true, force: true });
});

/** A fresh endpoint to bind (tcp port 0 is resolved by bind()). */
function freshEndpoint(transport: Transport): string {
  counter++;
  if (transport === "tcp") return "tcp://127.0.0.1:0";
  if (transport === "ipc") return `ipc://${join(ipcDir, `s${counter}.sock`)}`;
  return `inproc://socket-test-${process.pid}-${counter}`;
}

function sock(type: SocketType, options: SocketOptions = {}): BusSocket {
  const s = createSocket(type, options);
  open.push(s);
  return s;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: Timer | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  // If the timeout wins, the loser may still reject later (e.g. receive() on close): not unhandled.
  p.catch(() => {});
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function until(cond: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await Bun.sleep(5);
  }
}

async function receiveN(s: BusSocket, n: number, what: string, ms = WAIT_MS): Promise<Message[]> {
  const out: Message[] = [];
  for (let i = 0; i < n; i++) out.push(await withTimeout(s.receive(), ms, `${what} (message ${i + 1} of ${n})`));
  return out;
}

/** Resolves with true if the promise settles within `ms`, false otherwise. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  await Bun.sleep(ms);
  return settled;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function seqFrame(i: number, size = 8): Uint8Array {
  const f = new Uint8Array(Math.max(4, size));
  new DataView(f.buffer).setUint32(0, i);
  for (let k = 4; k < f.length; k++) f[k] = (i + k) & 0xff;
  return f;
}
const seqOf = (f: Uint8Array | undefined) => (f === undefined ? -1 : new DataView(f.buffer, f.byteOffset, f.byteLength).getUint32(0));

describe.each(TRANSPORTS)("%s", (transport) => {
  test("PUSH round-robins whole messages across several PULLs", async () => {
    const push = sock("PUSH");
    const ep = push.bind(freshEndpoint(transport));
    const pulls = [sock("PULL"), sock("PULL"), sock("PULL")];
    for (const p of pulls) p.connect(ep);
    await push.waitForPeers(3, WAIT_MS);
    for (const p of pulls) await p.waitForPeers(1, WAIT_MS);
    for (let i = 0; i < 30; i++) expect(push.trySend([`m${i}`, "tail"])).toBe(true);
    const got = await Promise.all(pulls.map((p, k) => receiveN(p, 10, `PULL ${k}`)));
    // Strict rotation: each PULL gets every third message, in order, with both frames.
    const residues = new Set<number>();
    for (const msgs of got) {
      const idx = msgs.map((m) => {
        expect(m.length).toBe(2);
        expect(str(m[1])).toBe("tail");
        return Number(str(m[0]).slice(1));
      });
      const r = (idx[0] as number) % 3;
      residues.add(r);
      expect(idx).toEqual(Array.from({ length: 10 }, (_, j) => r + 3 * j));
    }
    expect(residues.size).toBe(3);
  });

  test("PULL fair-queues several PUSHers: per-sender order, a flooding peer cannot starve the others", async () => {
    // The PULL holds back (small receive HWM, nobody reading yet) until every sender has queued,
    // and the flood (12.5 MiB) is far more than socket buffers plus the HWMs can hold, so it is
    // still in progress while the tricklers' messages wait to be read.
    const pull = sock("PULL", { receiveHighWaterMark: 20 });
    const ep = pull.bind(freshEndpoint(transport));
    const flooder = sock("PUSH", { sendHighWaterMark: 10 });
    const tricklers = [sock("PUSH"), sock("PUSH")];
    for (const p of [flooder, ...tricklers]) p.connect(ep);
    for (const p of [flooder, ...tricklers]) await p.waitForPeers(1, WAIT_MS);
    const FLOOD = 400;
    const TRICKLE = 5;
    let flooded = 0;
    const flooding = (async () => {
      for (; flooded < FLOOD; flooded++) await flooder.send(["flood", seqFrame(flooded, 32 * 1024)]);
    })();
    await until(() => flooded >= 20, "the flood to start");
    for (const [k, p] of tricklers.entries()) for (let i = 0; i < TRICKLE; i++) await p.send([`trickle${k}`, seqFrame(i)]);

    const total = FLOOD + TRICKLE * tricklers.length;
    const got = await receiveN(pull, total, "fair-queued messages");
    await flooding;
    const perSender = new Map<string, number[]>();
    for (const m of got) {
      expect(m.length).toBe(2);
      const list = perSender.get(str(m[0])) ?? [];
      list.push(seqOf(m[1]));
      perSender.set(str(m[0]), list);
    }
    expect(perSender.get("flood")).toEqual(Array.from({ length: FLOOD }, (_, i) => i));
    for (let k = 0; k < tricklers.length; k++) expect(perSender.get(`trickle${k}`)).toEqual(Array.from({ length: TRICKLE }, (_, i) => i));
    // Every trickled message is read while most of the flood is still to come.
    const lastTrickle = Math.max(...got.map((m, at) => (str(m[0]).startsWith("trickle") ? at : -1)));
    expect(lastTrickle).toBeLessThan(FLOOD / 2);
  });

  test("ROUTER gives anonymous peers 5-byte ids starting with 00, and uses peer-given ids", async () => {
    const router = sock("ROUTER");
    const ep = router.bind(freshEndpoint(transport));
    const anon1 = sock("DEALER");
    const anon2 = sock("DEALER");
    const named = sock("DEALER", { identity: "worker-1" });
    for (const d of [anon1, anon2, named]) {
      d.connect(ep);
      await d.waitForPeers(1, WAIT_MS);
    }
    await router.waitForPeers(3, WAIT_MS);
    await anon1.send("from-anon1");
    await anon2.send("from-anon2");
    await named.send(["from-named", "x"]);
    const got = await receiveN(router, 3, "router inbound");
    const byBody = new Map(got.map((m) => [str(m[1]), m]));
    const id1 = byBody.get("from-anon1")?.[0];
    const id2 = byBody.get("from-anon2")?.[0];
    for (const id of [id1, id2]) {
      expect(id?.length).toBe(5);
      expect(id?.[0]).toBe(0);
    }
    expect(toHex(id1 as Uint8Array)).not.toBe(toHex(id2 as Uint8Array));
    expect(strs(byBody.get("from-named") as Message)).toEqual(["worker-1", "from-named", "x"]);

    // Replies go to the peer the id names, with the id stripped.
    expect(router.trySend([id2 as Uint8Array, "to-anon2"])).toBe(true);
    expect(router.trySend(["worker-1", "to-named", "y"])).toBe(true);
    expect(router.trySend([id1 as Uint8Array, "to-anon1"])).toBe(true);
    expect(strs(await withTimeout(anon2.receive(), WAIT_MS, "anon2 reply"))).toEqual(["to-anon2"]);
    expect(strs(await withTimeout(named.receive(), WAIT_MS, "named reply"))).toEqual(["to-named", "y"]);
    expect(strs(await withTimeout(anon1.receive(), WAIT_MS, "anon1 reply"))).toEqual(["to-anon1"]);
  });

  test("ROUTER handover: a second DEALER with the same identity takes over", async () => {
    const router = sock("ROUTER", { routerHandover: true });
    const ep = router.bind(freshEndpoint(transport));
    // A long redial interval keeps the displaced DEALER from immediately taking the id back.
    const first = sock("DEALER", { identity: "dup", reconnectIntervalMs: 60_000, reconnectIntervalMaxMs: 60_000 });
    first.connect(ep);
    await first.waitForPeers(1, WAIT_MS);
    await first.send("from-first");
    expect(strs(await withTimeout(router.receive(), WAIT_MS, "first's message"))).toEqual(["dup", "from-first"]);

    const second = sock("DEALER", { identity: "dup" });
    second.connect(ep);
    await second.waitForPeers(1, WAIT_MS);
    // The router must route "dup" to the newcomer and drop the old connection.
    let n = 0;
    const reached = second.receive();
    const deadline = Date.now() + WAIT_MS;
    while (!(await settlesWithin(reached, 10))) {
      router.trySend(["dup", `probe-${n++}`]);
      if (Date.now() > deadline) throw new Error("the router never routed to the second DEALER");
    }
    await until(() => first.peerCount === 0, "the first DEALER to be dropped");
    await second.send("from-second");
    const next = await withTimeout(router.receive(), WAIT_MS, "second's message");
    expect(strs(next)).toEqual(["dup", "from-second"]);
    expect(router.peerCount).toBe(1);
  });

  test("ROUTER without handover refuses a duplicate identity and keeps the first peer", async () => {
    const router = sock("ROUTER");
    const ep = router.bind(freshEndpoint(transport));
    const first = sock("DEALER", { identity: "dup" });
    first.connect(ep);
    await first.waitForPeers(1, WAIT_MS);
    await router.waitForPeers(1, WAIT_MS);

    const second = sock("DEALER", { identity: "dup" });
    second.connect(ep);
    await until(() => warnings.some((w) => w.includes("already connected")), "the duplicate to be refused");
    second.trySend("from-second");
    await first.send("from-first");
    expect(strs(await withTimeout(router.receive(), WAIT_MS, "first's message"))).toEqual(["dup", "from-first"]);
    router.trySend(["dup", "to-dup"]);
    expect(strs(await withTimeout(first.receive(), WAIT_MS, "reply to the first"))).toEqual(["to-dup"]);
    // Nothing from or to the refused peer gets through.
    expect(await settlesWithin(second.receive(), 150)).toBe(false);
    expect(await settlesWithin(router.receive(), 50)).toBe(false);
    expect(router.peerCount).toBe(1);
  });

  test("routerMandatory throws on an unknown id; the default silently drops", async () => {
    const strict = sock("ROUTER", { routerMandatory: true });
    const loose = sock("ROUTER");
    const epStrict = strict.bind(freshEndpoint(transport));
    loose.bind(freshEndpoint(transport));
    expect(() => strict.trySend(["nobody", "x"])).toThrow(expect.objectContaining({ code: "HOST_UNREACHABLE" }));
    await expect(strict.send(["nobody", "x"])).rejects.toMatchObject({ code: "HOST_UNREACHABLE" });
    expect(loose.trySend(["nobody", "x"])).toBe(true);

    const dealer = sock("DEALER", { identity: "known", reconnectIntervalMs: 60_000, reconnectIntervalMaxMs: 60_000 });
    dealer.connect(epStrict);
    await strict.waitForPeers(1, WAIT_MS);
    expect(strict.trySend(["known", "hello"])).toBe(true);
    expect(strs(await withTimeout(dealer.receive(), WAIT_MS, "mandatory delivery"))).toEqual(["hello"]);
    // Once the peer is gone its id is unknown again.
    dealer.close();
    await until(() => strict.peerCount === 0, "the router to notice the DEALER left");
    expect(() => strict.trySend(["known", "again"])).toThrow(expect.objectContaining({ code: "HOST_UNREACHABLE" }));
  });

  test("PUB/SUB: byte-prefix matching on the first frame only", async () => {
    const pub = sock("PUB");
    const ep = pub.bind(freshEndpoint(transport));
    const news = sock("SUB");
    const all = sock("SUB");
    const nw = sock("SUB");
    news.subscribe("news.");
    all.subscribe("");
    nw.subscribe(new Uint8Array([0x6e, 0x65, 0x77])); // "new" as bytes
    const subs = [news, all, nw];
    for (const s of subs) s.connect(ep);
    await syncSubscribers(pub, subs, "news.probe");

    const got = subs.map(() => [] as string[]);
    subs.forEach((s, k) => s.onMessage((m) => got[k]?.push(m.map(str).join("|"))));
    for (const m of [["news.sport"], ["newsflash"], ["weather"], ["ne"], ["weather", "news.x"], ["news.", "body"], ["news.end"]]) pub.trySend(m);
    await until(() => got.every((g) => g.includes("news.end")), "the end marker on every SUB");
    const noProbes = (g: string[]) => g.filter((m) => m !== "news.probe");
    expect(noProbes(got[0] as string[])).toEqual(["news.sport", "news.|body", "news.end"]);
    expect(noProbes(got[1] as string[])).toEqual(["news.sport", "newsflash", "weather", "ne", "weather|news.x", "news.|body", "news.end"]);
    expect(noProbes(got[2] as string[])).toEqual(["news.sport", "newsflash", "news.|body", "news.end"]);
  });

  test("SUB counts subscriptions: two subscribes need two unsubscribes", async () => {
    const pub = sock("PUB");
    const ep = pub.bind(freshEndpoint(transport));
    const sub = sock("SUB");
    sub.subscribe("t");
    sub.subscribe("t");
    sub.subscribe("m");
    sub.connect(ep);
    await syncSubscribers(pub, [sub], "m-probe");
    const got: string[] = [];
    sub.onMessage((m) => got.push(str(m[0])));

    sub.unsubscribe("t");
    await Bun.sleep(30); // let any (wrong) CANCEL reach the publisher
    pub.trySend("t-1");
    pub.trySend("m-1");
    await until(() => got.includes("m-1"), "m-1");
    expect(got.filter((m) => m !== "m-probe")).toEqual(["t-1", "m-1"]);

    sub.unsubscribe("t");
    await Bun.sleep(30);
    pub.trySend("t-2");
    pub.trySend("m-2");
    await until(() => got.includes("m-2"), "m-2");
    expect(got.filter((m) => m !== "m-probe")).toEqual(["t-1", "m-1", "m-2"]);
  });

  test("SUB replays its subscriptions after reconnecting to a restarted PUB", async () => {
    const pub1 = sock("PUB");
    const ep = pub1.bind(freshEndpoint(transport));
    const sub = sock("SUB", { reconnectIntervalMs: 20, reconnectIntervalMaxMs: 20 });
    sub.connect(ep);
    await sub.waitForPeers(1, WAIT_MS);
    // Subscribed on a live connection, so only a replay can carry it to the next PUB.
    sub.subscribe("r.");
    await syncSubscribers(pub1, [sub], "r.probe1");
    pub1.close();
    await until(() => sub.peerCount === 0, "the SUB to see the PUB go");

    const pub2 = sock("PUB");
    expect(pub2.bind(ep)).toBe(ep);
    // Only a replayed SUBSCRIBE makes pub2 send anything at all.
    await syncSubscribers(pub2, [sub], "r.probe2");
    const got: string[] = [];
    sub.onMessage((m) => got.push(str(m[0])));
    pub2.trySend("x.unsubscribed");
    pub2.trySend("r.after");
    await until(() => got.includes("r.after"), "r.after");
    expect(got.filter((m) => !m.startsWith("r.probe"))).toEqual(["r.after"]);
  });

  test("high-water mark: a PULL that does not read makes PUSH wait; nothing is lost or reordered", async () => {
    const pull = sock("PULL", { receiveHighWaterMark: 5 });
    const ep = pull.bind(freshEndpoint(transport));
    const push = sock("PUSH", { sendHighWaterMark: 5 });
    push.connect(ep);
    await push.waitForPeers(1, WAIT_MS);
    const SIZE = 64 * 1024;
    // 256 MiB would be sent if nothing pushed back: the cap is the "memory stays bounded" check.
    const CAP = 4096;
    let accepted = 0;
    while (accepted < CAP && push.trySend(seqFrame(accepted, SIZE))) {
      accepted++;
      await turn();
    }
    expect(accepted).toBeLessThan(CAP);
    expect(accepted).toBeGreaterThan(0);
    // Still full a moment later (not a transient flush race) ...
    await Bun.sleep(50);
    while (push.trySend(seqFrame(accepted, SIZE))) accepted++;
    expect(accepted).toBeLessThan(CAP);
    // ... so send() waits rather than queueing more. Over TCP the kernel may still grow its socket
    // buffers and take a few more; a second of trying must stay far below the cap all the same.
    let blocked = push.send(seqFrame(accepted, SIZE));
    const deadline = performance.now() + 1000;
    while (performance.now() < deadline && (await settlesWithin(blocked, 100))) {
      accepted++;
      blocked = push.send(seqFrame(accepted, SIZE));
    }
    expect(accepted).toBeLessThan(CAP / 8);

    // Once the receiver reads, everything arrives, in order, including the blocked message.
    const total = accepted + 1;
    const seqs: number[] = [];
    for (let i = 0; i < total; i++) {
      const m = await withTimeout(pull.receive(), WAIT_MS, `message ${i} of ${total}`);
      expect(m.length).toBe(1);
      expect(m[0]?.length).toBe(SIZE);
      seqs.push(seqOf(m[0]));
    }
    await withTimeout(blocked, WAIT_MS, "the blocked send");
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(await settlesWithin(pull.receive(), 100)).toBe(false);
  });

  test("reconnects after the binding side closes and rebinds the same endpoint", async () => {
    const pull1 = sock("PULL");
    const ep = pull1.bind(freshEndpoint(transport));
    const push = sock("PUSH", { reconnectIntervalMs: 20, reconnectIntervalMaxMs: 200 });
    push.connect(ep);
    await push.send("one");
    expect(strs(await withTimeout(pull1.receive(), WAIT_MS, "one"))).toEqual(["one"]);
    pull1.close();
    await until(() => push.peerCount === 0, "the PUSH to see the PULL go");
    // No peer: trySend refuses and send() waits for the reconnect instead of dropping.
    expect(push.trySend("dropped?")).toBe(false);
    const waiting = push.send("two");
    await Bun.sleep(300);
    expect(await settlesWithin(waiting, 0)).toBe(false);

    const pull2 = sock("PULL");
    expect(pull2.bind(ep)).toBe(ep);
    await withTimeout(waiting, WAIT_MS, "send() to resume after the rebind");
    expect(strs(await withTimeout(pull2.receive(), WAIT_MS, "two"))).toEqual(["two"]);
    expect(await settlesWithin(pull2.receive(), 50)).toBe(false);
  });

  test("multi-frame messages arrive whole, never split or mixed, even with large frames", async () => {
    const pull = sock("PULL");
    const ep = pull.bind(freshEndpoint(transport));
    const pushers = [sock("PUSH"), sock("PUSH")];
    for (const p of pushers) p.connect(ep);
    for (const p of pushers) await p.waitForPeers(1, WAIT_MS);
    const N = 40;
    const frameSizes = (i: number) => [0, 70_000 + i * 997, 300, 1 + (i % 7)];
    for (let i = 0; i < N; i++) {
      for (const [k, p] of pushers.entries()) {
        const frames = frameSizes(i).map((size, f) => {
          const b = new Uint8Array(size).fill((k * 64 + f * 8 + i) & 0xff);
          if (size >= 4) new DataView(b.buffer).setUint32(0, i);
          return b;
        });
        await p.send(frames);
      }
    }
    const got = await receiveN(pull, 2 * N, "multi-frame messages");
    const seen = new Set<string>();
    for (const m of got) {
      expect(m.length).toBe(4);
      const i = seqOf(m[1]);
      // Sender 0 and 1 stamp frame 1 with values 64 apart, which tells them apart.
      const k = m[1]?.[4] === ((8 + i) & 0xff) ? 0 : 1;
      expect(m.map((f) => f.length)).toEqual(frameSizes(i));
      m.forEach((f, fi) => {
        // Every byte past the sequence number carries the same sender/frame/message stamp.
        const stamp = (k * 64 + fi * 8 + i) & 0xff;
        for (let b = f.length >= 4 ? 4 : 0; b < f.length; b++) if (f[b] !== stamp) throw new Error(`message ${i} frame ${fi} byte ${b} is corrupt`);
      });
      seen.add(`${k}:${i}`);
    }
    expect(seen.size).toBe(2 * N);
  });

  test("sendGathered: the last frame is its parts joined; big messages in a row arrive intact, in order", async () => {
    const pull = sock("PULL", { receiveHighWaterMark: 2 });
    const ep = pull.bind(freshEndpoint(transport));
    const push = sock("PUSH", { sendHighWaterMark: 2 });
    push.connect(ep);
    await push.waitForPeers(1, WAIT_MS);
    // Larger than a socket's buffer (a partial write leaves a backlog, and the parts not yet
    // staged wait behind it) and than the eager flush (1 MiB), mixed with small ones, with one
    // whose tail has no parts and one with a part larger than the write buffer, read as they come
    // by a PULL that holds at most 2 (a small one after a big one waits behind its parts).
    const sizes = [3 << 20, 10, 1_500_000, 200_000, 3 << 20, 0, 70_000, 2 << 20, 5, 900_000];
    const receiving = receiveN(pull, sizes.length, "gathered messages");
    // Part k of message i is filled with (i + 7k) & 0xff: a part left out, repeated or misplaced
    // shows. The last message is one 300 kB part between small ones.
    const partsOf = (i: number, size: number): Uint8Array[] => {
      const lengths: number[] = [];
      if (i === sizes.length - 1) lengths.push(1000, 300_000, size - 301_000);
      else for (let at = 0, k = 1; at < size; at += k * 997, k++) lengths.push(Math.min(k * 997, size - at));
      return lengths.map((n, k) => new Uint8Array(n).fill((i + 7 * k) & 0xff));
    };
    const expected = sizes.map((size, i) => concat(...partsOf(i, size)));
    for (const [i, size] of sizes.entries()) {
      const wait = push.sendGathered([Uint8Array.of(i), ascii("mid")], partsOf(i, size));
      if (wait !== undefined) await withTimeout(wait, WAIT_MS, `send ${i}`);
    }
    const got = await receiving;
    got.forEach((m, i) => {
      expect(m.length).toBe(3);
      expect(m[0]?.[0]).toBe(i);
      expect(new TextDecoder().decode(m[1])).toBe("mid");
      const body = m[2] as Uint8Array;
      const want = expected[i] as Uint8Array;
      expect(body.length).toBe(want.length);
      for (let b = 0; b < body.length; b++) if (body[b] !== want[b]) throw new Error(`message ${i} byte ${b} is ${body[b]}, not ${want[b]}`);
    });
    // Only PUSH and DEALER may send this way (a ROUTER routes on its first frame).
    expect(() => sock("PULL").sendGathered([ascii("x")], [])).toThrow(/sendGathered/);
  });

  // ---- raw peers: bytes on a wire, so defined only for tcp and ipc (inproc has no wire) ----
  const wireTest = (name: string, fn: () => Promise<void>): void => {
    if (transport !== "inproc") test(name, fn);
  };

  wireTest("reconnect backs off: doubling waits up to the max", async () => {
    const accepts: number[] = [];
    const ep = freshEndpoint(transport);
    // A bare listener that hangs up on every connection: each one counts as a failed attempt.
    const server = rawListen(ep, { open: (s) => (accepts.push(performance.now()), s.end()) });
    try {
      const push = sock("PUSH", { reconnectIntervalMs: 20, reconnectIntervalMaxMs: 320 });
      push.connect(server.endpoint);
      await until(() => accepts.length >= 8, "eight connection attempts", 2 * WAIT_MS);
      // The client starts waiting only after the hang-up, which follows the accept, so every gap
      // is at least the wait before the next dial: 20, 40, 80, 160, 320, 320, 320 ms. A loaded
      // machine can only stretch the gaps, so only the lower bounds are tight.
      const gaps = accepts.slice(1).map((t, i) => t - (accepts[i] as number));
      const waits = [20, 40, 80, 160, 320, 320, 320];
      gaps.forEach((g, i) => expect(g).toBeGreaterThanOrEqual((waits[i] as number) - 5));
      // Capped: without the max the seventh wait alone would be 1280 ms.
      expect(gaps[6] as number).toBeLessThan(1280);
    } finally {
      server.stop();
    }
  });

  wireTest("bad raw peers are dropped with a logged reason; a good peer keeps working", async () => {
    const router = sock("ROUTER", { maxMessageSize: 4096, handshakeTimeoutMs: 400 });
    const ep = router.bind(freshEndpoint(transport));
    const good = sock("DEALER", { identity: "good" });
    good.connect(ep);
    await router.waitForPeers(1, WAIT_MS);
    const roundTrip = async (tag: string) => {
      await good.send(tag);
      const m = await withTimeout(router.receive(), WAIT_MS, `good peer's ${tag}`);
      expect(strs(m)).toEqual(["good", tag]);
      router.trySend(["good", `re-${tag}`]);
      expect(strs(await withTimeout(good.receive(), WAIT_MS, `reply ${tag}`))).toEqual([`re-${tag}`]);
    };
    await roundTrip("before");

    // 1. Garbage: an HTTP request is not a ZMTP greeting.
    const http = await rawConnect(ep);
    http.write(ascii(`GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: test\r\nAccept: */*\r\nX-Pad: ${"p".repeat(40)}\r\n\r\n`));
    await withTimeout(http.closed, WAIT_MS, "the garbage peer to be dropped");
    expect(warnings.some((w) => w.includes("dropping peer") && w.includes("signature"))).toBe(true);
    // We sent our greeting at once (never waiting for theirs), and nothing after it.
    expect(http.bytes().length).toBe(64);

    // 2. A frame over maxMessageSize, announced by a LONG header after a proper handshake.
    const big = await rawConnect(ep);
    big.write(concat(encodeGreeting(), encodeReady("DEALER", ascii("big"))));
    await until(() => big.bytes().length >= 64 + 2 + 0x29, "the router's greeting and READY");
    big.write(new Uint8Array([0x02, 0, 0, 0, 0, 0x10, 0, 0, 0])); // 1 MiB frame, no body yet
    await withTimeout(big.closed, WAIT_MS, "the oversize peer to be dropped");
    expect(warnings.some((w) => w.includes("dropping peer") && w.includes("exceeds"))).toBe(true);

    // 3. Wrong Socket-Type: a PUSH cannot talk to a ROUTER. It gets an ERROR command, then a close.
    const push = await rawConnect(ep);
    push.write(concat(encodeGreeting(), encodeReady("PUSH")));
    await withTimeout(push.closed, WAIT_MS, "the wrong-type peer to be dropped");
    const frames = decodeStream(push.bytes());
    expect(frames.greeting).toBe(true);
    expect(frames.commands.map((c) => c.name)).toEqual(["READY", "ERROR"]);
    expect(toSocketType(parseProperties(frames.commands[0]?.data ?? new Uint8Array(0))?.get("socket-type"))).toBe("ROUTER");
    const error = frames.commands[1]?.data ?? new Uint8Array(0);
    expect(error[0]).toBe(error.length - 1); // reason-len(1) reason
    expect(str(error.subarray(1)).length).toBeGreaterThan(0);
    expect(warnings.some((w) => w.includes("dropping peer") && w.includes("PUSH"))).toBe(true);

    // 4. Message frames before READY are a protocol error too.
    const early = await rawConnect(ep);
    early.write(concat(encodeGreeting(), encodeMessage([ascii("too early")])));
    await withTimeout(early.closed, WAIT_MS, "the early-message peer to be dropped");
    expect(warnings.some((w) => w.includes("dropping peer") && w.includes("before READY"))).toBe(true);

    // 5. A peer that never finishes the handshake is dropped by the handshake timer.
    const silent = await rawConnect(ep);
    silent.write(ascii("hi"));
    await withTimeout(silent.closed, WAIT_MS, "the silent peer to time out");
    expect(warnings.some((w) => w.includes("dropping peer") && w.includes("timed out"))).toBe(true);

    // None of that reached the application or disturbed the good peer.
    expect(router.peerCount).toBe(1);
    await roundTrip("after");
    expect(await settlesWithin(router.receive(), 50)).toBe(false);
  });

  for (const minor of [1, 0]) {
    wireTest(`SUB on the wire to a ZMTP 3.${minor} PUB: every subscribe goes out, a cancel only when the count hits zero`, async () => {
      // A raw publisher that records what the SUB writes, per connection.
      const received: Uint8Array[][] = [];
      const sockets: RawSocket[] = [];
      const greeting = encodeGreeting();
      greeting[11] = minor; // libzmq <= 4.3.2 announces 3.0 and needs the legacy message form
      const server = rawListen(freshEndpoint(transport), {
        open(s) {
          sockets.push(s);
          received.push([]);
          s.write(concat(greeting, encodeReady("PUB")));
        },
        data(s, d) {
          received[sockets.indexOf(s)]?.push(d);
        },
      });
      try {
        const sub = sock("SUB", { reconnectIntervalMs: 20, reconnectIntervalMaxMs: 20 });
        sub.connect(server.endpoint);
        await sub.waitForPeers(1, WAIT_MS);
        // Subscription changes as the publisher sees them, oldest first.
        const changes = (conn: number) => {
          const stream = decodeStream(concat(...(received[conn] ?? [])));
          if (minor >= 1) {
            expect(stream.messages).toEqual([]);
            return stream.commands.filter((c) => c.name !== "READY").map((c) => `${c.name} ${str(c.data)}`);
          }
          // The legacy form only: no SUBSCRIBE/CANCEL commands to a 3.0 peer (trap §11.6).
          expect(stream.commands.filter((c) => c.name !== "READY")).toEqual([]);
          return stream.messages.map((m) => {
            expect(m.length).toBe(1);
            return `${m[0]?.[0] === 1 ? "SUBSCRIBE" : "CANCEL"} ${str(m[0]?.subarray(1))}`;
          });
        };
        sub.subscribe("t");
        sub.subscribe("t");
        sub.unsubscribe("t");
        sub.subscribe("z");
        await until(() => changes(0).includes("SUBSCRIBE z"), "SUBSCRIBE z");
        expect(changes(0)).toEqual(["SUBSCRIBE t", "SUBSCRIBE t", "SUBSCRIBE z"]);
        sub.unsubscribe("t");
        sub.subscribe("y");
        await until(() => changes(0).includes("SUBSCRIBE y"), "SUBSCRIBE y");
        expect(changes(0)).toEqual(["SUBSCRIBE t", "SUBSCRIBE t", "SUBSCRIBE z", "CANCEL t", "SUBSCRIBE y"]);

        // After a reconnect the new connection gets the live set, once each (trap §11.7).
        sockets[0]?.end();
        await until(() => changes(1).length >= 2, "the replay on the new connection");
        await Bun.sleep(20);
        expect(changes(1).sort()).toEqual(["SUBSCRIBE y", "SUBSCRIBE z"]);
      } finally {
        server.stop();
      }
    });
  }

  wireTest("answers PING with a PONG echoing at most 16 bytes of context, and ignores unknown commands", async () => {
    const pull = sock("PULL");
    const ep = pull.bind(freshEndpoint(transport));
    const raw = await rawConnect(ep);
    raw.write(concat(encodeGreeting(), encodeReady("PUSH")));
    await pull.waitForPeers(1, WAIT_MS);
    raw.write(encodeCommand("X-UNKNOWN", ascii("ignored")));
    raw.write(encodePing(50, ascii("ctx1")));
    raw.write(encodePing(10, ascii("0123456789abcdefXYZ")));
    raw.write(encodeMessage([ascii("still-up")]));
    expect(strs(await withTimeout(pull.receive(), WAIT_MS, "a message after the commands"))).toEqual(["still-up"]);
    const pongs = () =>
      decodeStream(raw.bytes())
        .commands.filter((c) => c.name === "PONG")
        .map((c) => str(c.data));
    await until(() => pongs().length >= 2, "two PONGs");
    expect(pongs()).toEqual(["ctx1", "0123456789abcdef"]);
    raw.end();
  });

  wireTest("PUB filters at the publisher and honours SUBSCRIBE, CANCEL and legacy subscriptions", async () => {
    const pub = sock("PUB");
    const ep = pub.bind(freshEndpoint(transport));
    const raw = await rawConnect(ep);
    raw.write(concat(encodeGreeting(), encodeReady("SUB")));
    await pub.waitForPeers(1, WAIT_MS);
    raw.write(encodeCommand("SUBSCRIBE", ascii("a")));
    // Legacy form (libzmq XSUB app path, ZMTP 3.0 peers): 01|topic as a message.
    raw.write(encodeMessage([ascii("\x01b")]));
    const messagesSeen = () => decodeStream(raw.bytes()).messages.map((m) => m.map(str).join("|"));
    // Publish until both subscriptions are in force (they race the first publishes).
    await until(() => {
      pub.trySend("a-probe");
      pub.trySend("b-probe");
      const seen = messagesSeen();
      return seen.includes("a-probe") && seen.includes("b-probe");
    }, "both subscriptions to reach the PUB");
    for (const m of ["c-1", "a-1", "b-1"]) pub.trySend(m);
    raw.write(encodeCommand("CANCEL", ascii("a")));
    raw.write(encodeMessage([ascii("\x00b")]));
    raw.write(encodeCommand("SUBSCRIBE", ascii("z")));
    await until(() => {
      pub.trySend("z-probe");
      return messagesSeen().includes("z-probe");
    }, "the z subscription");
    for (const m of ["a-2", "b-2", "z-end"]) pub.trySend(m);
    await until(() => messagesSeen().includes("z-end"), "z-end");
    const seen = messagesSeen().filter((m) => !m.endsWith("-probe"));
    // c-1 never matched; a-2 and b-2 came after the cancels, which the PUB processed in order.
    expect(seen).toEqual(["a-1", "b-1", "z-end"]);
    raw.end();
  });
});

/** Publishes `probe` until every SUB has received it (the slow-joiner gap, zmtp.md §8.3). */
async function syncSubscribers(pub: BusSocket, subs: BusSocket[], probe: string): Promise<void> {
  const done = subs.map(() => false);
  const pending = subs.map((s, k) =>
    (async () => {
      for (;;) {
        const m = await s.receive();
        if (str(m[0]) === probe) {
          done[k] = true;
          return;
        }
      }
    })(),
  );
  // On a timeout the receive loops end with the sockets' close; that is not an unhandled error.
  for (const p of pending) p.catch(() => {});
  await until(() => {
    pub.trySend(probe);
    return done.every(Boolean);
  }, `every SUB to receive ${probe}`);
  await Promise.all(pending);
}

// ---- raw wire peers ----

type RawPeer = { write(b: Uint8Array): void; end(): void; bytes(): Uint8Array; closed: Promise<void> };

type RawSocket = { write(b: Uint8Array): number; end(): void };

/** Dials a bound tcp/ipc endpoint with a plain Bun socket that records what it receives. */
async function rawConnect(endpoint: string): Promise<RawPeer> {
  const ep = parseEndpoint(endpoint);
  const received: Uint8Array[] = [];
  let onClose = () => {};
  const closed = new Promise<void>((resolve) => (onClose = resolve));
  const handler = {
    data: (_s: unknown, d: Uint8Array) => void received.push(new Uint8Array(d)),
    close: () => onClose(),
    error: () => onClose(),
  };
  const socket: RawSocket =
    ep.kind === "tcp"
      ? await Bun.connect({ hostname: ep.hostname, port: ep.port, socket: handler })
      : await Bun.connect({ unix: (ep as { path: string }).path, socket: handler });
  return {
    write: (b) => void socket.write(b),
    end: () => socket.end(),
    bytes: () => concat(...received),
    closed,
  };
}

/** A bare listener on a tcp/ipc endpoint (no ZMTP), for watching how a connecting socket dials. */
function rawListen(endpoint: string, handlers: { open(s: RawSocket): void; data?(s: RawSocket, d: Uint8Array): void }): { endpoint: string; stop(): void } {
  const ep = parseEndpoint(endpoint);
  const socket = { open: handlers.open, data: (s: RawSocket, d: Uint8Array) => handlers.data?.(s, new Uint8Array(d)) };
  if (ep.kind === "tcp") {
    const server = Bun.listen({ hostname: ep.hostname, port: ep.port, socket });
    return { endpoint: `tcp://${ep.hostname}:${server.port}`, stop: () => server.stop(true) };
  }
  const server = Bun.listen({ unix: (ep as { path: string }).path, socket });
  return { endpoint, stop: () => server.stop(true) };
}

/** Splits what a raw peer received into our greeting, commands and messages. */
function decodeStream(bytes: Uint8Array): { greeting: boolean; commands: { name: string; data: Uint8Array }[]; messages: Message[] } {
  const out = { greeting: false, commands: [] as { name: string; data: Uint8Array }[], messages: [] as Message[] };
  let frames: Uint8Array[] = [];
  const decoder = new Decoder(
    {
      greeting(g) {
        out.greeting = g.length === 64 && g[0] === 0xff;
        return true;
      },
      frame(flags, body) {
        if (flags & 0x04) {
          const cmd = parseCommand(body);
          if (cmd !== undefined) out.commands.push(cmd);
          return true;
        }
        frames.push(body);
        if (!(flags & 0x01)) {
          out.messages.push(frames);
          frames = [];
        }
        return true;
      },
    },
    1 << 30,
  );
  const reason = decoder.feed(bytes);
  if (reason !== undefined) throw new Error(`our socket wrote a malformed stream: ${reason}`);
  return out;
}
