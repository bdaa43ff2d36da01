/**
 * The bus against real libzmq 4.3.5 (npm `zeromq`, run under Node because it crashes Bun): every
 * socket pair in both roles over tcp, ipc and abstract ipc, frame sizes on both sides of the
 * short/long header boundary, identities, subscription wire forms, and reconnects after the libzmq
 * process dies. The peer is tests/bus/libzmq-peer.cjs, driven over stdin/stdout JSON lines.
 *
 * This suite never skips: a missing `node` or `zeromq` package fails it (it runs in CI).
 */
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { type BusSocket, createSocket, type Message, type SocketOptions, type SocketType, setBusLogger } from "../../src/bus/index.ts";

// Bun 1.4.5 ignores `timeout` in bunfig.toml; a spawn plus 8 MiB each way can pass 5 s on 2 cores.
setDefaultTimeout(60_000);

// ---- frames: what both sides generate and compare ----

const PEER_SCRIPT = join(import.meta.dir, "libzmq-peer.cjs");
const NODE = Bun.which("node");
/** Same limit as the peer: bigger frames are compared by length and hash only. */
const HEX_LIMIT = 4096;
const MiB = 1024 * 1024;

type FrameSpec = string | { len: number; seed: number };
type FrameDigest = { len: number; sha256: string; hex?: string };
/** A frame as our side holds it and as the peer is told to build it. */
type Payload = { spec: FrameSpec; bytes: Uint8Array };

const encoder = new TextEncoder();

function toHex(bytes: Uint8Array | string): string {
  return Buffer.from(typeof bytes === "string" ? encoder.encode(bytes) : bytes).toString("hex");
}

/** Same generator as the peer's: not periodic at 256, so a shifted or dropped byte shows. */
function pattern(len: number, seed: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = (i * 7 + seed + Math.floor(i / 251)) & 0xff;
  return out;
}

function text(s: string): Payload {
  return { spec: toHex(s), bytes: encoder.encode(s) };
}

function generated(len: number, seed: number): Payload {
  return { spec: { len, seed }, bytes: pattern(len, seed) };
}

function digest(frame: Uint8Array): FrameDigest {
  const d: FrameDigest = { len: frame.length, sha256: createHash("sha256").update(frame).digest("hex") };
  if (frame.length <= HEX_LIMIT) d.hex = toHex(frame);
  return d;
}

const digests = (frames: readonly Uint8Array[]): FrameDigest[] => frames.map(digest);
const bytesOf = (payloads: readonly Payload[]): Uint8Array[] => payloads.map((p) => p.bytes);
const specsOf = (payloads: readonly Payload[]): FrameSpec[] => payloads.map((p) => p.spec);

/** 0 B, the largest short frame, the smallest long frame, and a big long frame (zmtp.md §4). */
const SIZES = [0, 255, 256, 8 * MiB];
const SIZED = SIZES.map((len) => generated(len, (len % 251) + 1));
/** Each size alone, then all of them in one multi-frame message. */
const SIZE_MESSAGES: Payload[][] = [...SIZED.map((p) => [p]), [text("head"), ...SIZED, text("tail")]];
/** A multi-frame reply with every size, for round trips. */
const MULTI: Payload[] = [text("reply"), ...SIZED];

// ---- the libzmq peer process ----

type PeerType = "PUSH" | "PULL" | "DEALER" | "ROUTER" | "PUB" | "SUB" | "XPUB" | "XSUB";
type PeerConfig = { type: PeerType; bind?: string; connect?: string; routingId?: string; subscribe?: string[] };
type PeerEvent = { event: "ready"; endpoint: string | null } | { event: "recv"; frames: FrameDigest[] } | { event: "error"; message: string };

const livePeers = new Set<LibzmqPeer>();

class LibzmqPeer {
  readonly config: PeerConfig;
  endpoint = "";
  #proc: Subprocess<"pipe", "pipe", "pipe">;
  #events: PeerEvent[] = [];
  #wake: (() => void) | undefined;
  #stderr = "";
  #exitCode: number | undefined;
  readonly exited: Promise<number>;

  private constructor(config: PeerConfig) {
    if (NODE === null) throw new Error("`node` is not on PATH: the libzmq interop suite needs Node to run npm `zeromq`");
    this.config = config;
    this.#proc = Bun.spawn([NODE, PEER_SCRIPT, JSON.stringify(config)], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
    this.exited = this.#proc.exited.then((code) => {
      this.#exitCode = code;
      this.#notify();
      return code;
    });
    void this.#readEvents();
    void this.#readStderr();
  }

  /** Spawns a peer and waits until it has bound or connected. */
  static async start(config: PeerConfig): Promise<LibzmqPeer> {
    const peer = new LibzmqPeer(config);
    livePeers.add(peer);
    // Waits here are generous: on a loaded 2-core machine Node alone can take seconds to load
    // the zeromq addon, and an 8 MiB round trip many seconds more. A healthy run never nears them.
    const ready = await peer.#take("ready", 30_000);
    peer.endpoint = (ready.event === "ready" && ready.endpoint) || config.bind || config.connect || "";
    return peer;
  }

  send(frames: readonly FrameSpec[]): void {
    this.#command({ op: "send", frames });
  }

  subscribe(topic: string): void {
    this.#command({ op: "subscribe", topic: toHex(topic) });
  }

  unsubscribe(topic: string): void {
    this.#command({ op: "unsubscribe", topic: toHex(topic) });
  }

  /** The next message the peer received. */
  async recv(timeoutMs = 30_000): Promise<FrameDigest[]> {
    const e = await this.#take("recv", timeoutMs);
    return e.event === "recv" ? e.frames : [];
  }

  /** Like recv, but undefined when nothing came within `timeoutMs`. */
  async poll(timeoutMs: number): Promise<FrameDigest[] | undefined> {
    return this.recv(timeoutMs).catch(timeoutToUndefined);
  }

  /** SIGKILL: the kernel closes its sockets, nothing is flushed or said goodbye. */
  async kill(): Promise<void> {
    livePeers.delete(this);
    this.#proc.kill("SIGKILL");
    await this.exited;
  }

  #command(cmd: object): void {
    this.#proc.stdin.write(`${JSON.stringify(cmd)}\n`);
    void this.#proc.stdin.flush();
  }

  async #take(kind: PeerEvent["event"], timeoutMs: number): Promise<PeerEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const error = this.#events.find((e) => e.event === "error");
      if (error?.event === "error") throw new Error(`libzmq peer ${this.#describe()} failed: ${error.message}`);
      const at = this.#events.findIndex((e) => e.event === kind);
      if (at >= 0) return this.#events.splice(at, 1)[0] as PeerEvent;
      if (this.#exitCode !== undefined) {
        throw new Error(`libzmq peer ${this.#describe()} exited with ${this.#exitCode} before "${kind}"; stderr:\n${this.#stderr}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new PeerTimeout(`no "${kind}" from libzmq peer ${this.#describe()} within ${timeoutMs} ms; stderr:\n${this.#stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => (clearTimeout(timer), resolve());
      });
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async #readEvents(): Promise<void> {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of this.#proc.stdout) {
      pending += decoder.decode(chunk, { stream: true });
      let nl = pending.indexOf("\n");
      while (nl >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (line !== "") this.#events.push(JSON.parse(line) as PeerEvent);
        nl = pending.indexOf("\n");
      }
      this.#notify();
    }
  }

  async #readStderr(): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of this.#proc.stderr) this.#stderr += decoder.decode(chunk, { stream: true });
  }

  #describe(): string {
    return JSON.stringify(this.config);
  }
}

class PeerTimeout extends Error {}

function timeoutToUndefined(error: unknown): undefined {
  if (error instanceof PeerTimeout) return undefined;
  throw error;
}

// ---- our side ----

const liveSockets = new Set<BusSocket>();

function open(type: SocketType, options: SocketOptions = {}): BusSocket {
  const socket = createSocket(type, { name: `bus-${type}`, ...options });
  liveSockets.add(socket);
  return socket;
}

/** Collects a socket's messages through onMessage, so a timed-out wait leaves no receiver behind. */
class Inbox {
  #queue: Message[] = [];
  #wake: (() => void) | undefined;

  constructor(socket: BusSocket) {
    socket.onMessage((msg) => {
      this.#queue.push(msg);
      const wake = this.#wake;
      this.#wake = undefined;
      wake?.();
    });
  }

  async next(timeoutMs = 30_000): Promise<Message> {
    const msg = await this.poll(timeoutMs);
    if (msg === undefined) throw new Error(`no message on our socket within ${timeoutMs} ms`);
    return msg;
  }

  async poll(timeoutMs: number): Promise<Message | undefined> {
    if (this.#queue.length === 0 && timeoutMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.#wake = () => (clearTimeout(timer), resolve());
      });
    }
    return this.#queue.shift();
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(10);
  }
}

// ---- endpoints and wiring ----

type Transport = "tcp" | "ipc" | "ipc-abstract";
type Side = "bus binds" | "libzmq binds";

let ipcDir = "";
let endpointSeq = 0;

/** A fresh endpoint for whoever binds; tcp uses an ephemeral port and reads back the real one. */
function bindAddress(transport: Transport, binder: "bus" | "libzmq"): string {
  endpointSeq++;
  if (transport === "tcp") return binder === "bus" ? "tcp://127.0.0.1:0" : "tcp://127.0.0.1:*";
  if (transport === "ipc") return `ipc://${join(ipcDir, `s${endpointSeq}.ipc`)}`;
  return `ipc://@aiperf-bus-interop-${process.pid}-${endpointSeq}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Binds one side, connects the other, and waits until our socket has finished the handshake. */
async function link(ours: BusSocket, peer: PeerConfig, transport: Transport, side: Side): Promise<LibzmqPeer> {
  let zmq: LibzmqPeer;
  if (side === "bus binds") {
    const endpoint = ours.bind(bindAddress(transport, "bus"));
    zmq = await LibzmqPeer.start({ ...peer, connect: endpoint });
  } else {
    zmq = await LibzmqPeer.start({ ...peer, bind: bindAddress(transport, "libzmq") });
    ours.connect(zmq.endpoint);
  }
  await ours.waitForPeers(1, 30_000);
  return zmq;
}

/** Repeats `probe` until `arrived` sees it: a subscription takes a while to reach the publisher. */
async function probeUntil(probe: () => void | Promise<void>, arrived: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await probe();
    if (await arrived()) return;
    if (Date.now() > deadline) throw new Error(`slow joiner: ${what} never arrived within ${timeoutMs} ms`);
  }
}

const startsWith = (frame: FrameDigest | undefined, prefix: string): boolean => frame?.hex?.startsWith(toHex(prefix)) ?? false;
const firstText = (msg: Message): string => new TextDecoder().decode(msg[0]);

/** The peer's next message whose first frame does not start with `skip` (leftover probes). */
async function peerRecvSkipping(peer: LibzmqPeer, skip: string): Promise<FrameDigest[]> {
  for (;;) {
    const frames = await peer.recv();
    if (!startsWith(frames[0], skip)) return frames;
  }
}

async function inboxSkipping(inbox: Inbox, skip: string): Promise<Message> {
  for (;;) {
    const msg = await inbox.next();
    if (!firstText(msg).startsWith(skip)) return msg;
  }
}

// ---- lifecycle ----

beforeAll(() => {
  ipcDir = mkdtempSync(join(tmpdir(), "bus-interop-"));
  // Disconnects are expected here (the reconnect tests kill peers); keep warnings, drop debug.
  setBusLogger({ warn: (m) => console.warn(`[bus] ${m}`), debug: () => {} });
});

afterEach(async () => {
  for (const socket of liveSockets) socket.close();
  liveSockets.clear();
  await Promise.all([...livePeers].map((p) => p.kill()));
});

afterAll(() => {
  rmSync(ipcDir, { recursive: true, force: true });
});

test("node and the zeromq package (libzmq 4.x) are available", () => {
  expect(NODE, "`node` must be on PATH for the interop suite").not.toBeNull();
  const run = Bun.spawnSync([NODE as string, "-e", 'process.stdout.write(require("zeromq").version)'], { cwd: import.meta.dir });
  expect(run.stderr.toString()).toBe("");
  expect(run.stdout.toString()).toMatch(/^4\.\d+\.\d+$/);
});

// ---- every pair, both roles, every transport ----

const COMBOS: [Transport, Side][] = (["tcp", "ipc", "ipc-abstract"] as const).flatMap((t) =>
  (["bus binds", "libzmq binds"] as const).map((s): [Transport, Side] => [t, s]),
);

describe.each(COMBOS)("%s, %s", (transport, side) => {
  test("our PUSH -> libzmq PULL: every frame size and a multi-frame message, byte-exact", async () => {
    const push = open("PUSH");
    const peer = await link(push, { type: "PULL" }, transport, side);
    for (const msg of SIZE_MESSAGES) await push.send(bytesOf(msg));
    for (const msg of SIZE_MESSAGES) expect(await peer.recv()).toEqual(digests(bytesOf(msg)));
  });

  test("libzmq PUSH -> our PULL: every frame size and a multi-frame message, byte-exact", async () => {
    const pull = open("PULL");
    const inbox = new Inbox(pull);
    const peer = await link(pull, { type: "PUSH" }, transport, side);
    for (const msg of SIZE_MESSAGES) peer.send(specsOf(msg));
    for (const msg of SIZE_MESSAGES) expect(digests(await inbox.next())).toEqual(digests(bytesOf(msg)));
  });

  test.each([["dealer-7"], [undefined]])("our DEALER (identity %p) <-> libzmq ROUTER: identity seen, replies routed back", async (identity) => {
    const dealer = open("DEALER", identity === undefined ? {} : { identity });
    const inbox = new Inbox(dealer);
    const peer = await link(dealer, { type: "ROUTER" }, transport, side);
    await dealer.send(["hello", "", "world"]);
    const [id, ...rest] = await peer.recv();
    if (identity !== undefined) expect(id?.hex).toBe(toHex(identity));
    else {
      // libzmq's auto id: 00 + a 32-bit counter (zmtp.md §8.2).
      expect(id?.len).toBe(5);
      expect(id?.hex?.slice(0, 2)).toBe("00");
    }
    expect(rest).toEqual(digests([encoder.encode("hello"), new Uint8Array(0), encoder.encode("world")]));
    peer.send([id?.hex as string, ...specsOf(MULTI)]);
    expect(digests(await inbox.next())).toEqual(digests(bytesOf(MULTI)));
    // A second request comes from the same routing id.
    await dealer.send("again");
    expect(await peer.recv()).toEqual([id as FrameDigest, digest(encoder.encode("again"))]);
  });

  test.each([["peer-d"], [undefined]])("libzmq DEALER (routingId %p) <-> our ROUTER: identity seen, replies routed back", async (routingId) => {
    const router = open("ROUTER");
    const inbox = new Inbox(router);
    const peer = await link(router, { type: "DEALER", ...(routingId === undefined ? {} : { routingId }) }, transport, side);
    peer.send([toHex("hello"), ""]);
    const [id, ...rest] = await inbox.next();
    if (routingId !== undefined) expect(toHex(id as Uint8Array)).toBe(toHex(routingId));
    else {
      expect(id?.length).toBe(5);
      expect(id?.[0]).toBe(0);
    }
    expect(digests(rest)).toEqual(digests([encoder.encode("hello"), new Uint8Array(0)]));
    await router.send([id as Uint8Array, ...bytesOf(MULTI)]);
    expect(await peer.recv()).toEqual(digests(bytesOf(MULTI)));
  });

  test("our PUB -> libzmq SUB: prefix matching, unsubscribe", async () => {
    const pub = open("PUB");
    const peer = await link(pub, { type: "SUB", subscribe: [toHex("ab")] }, transport, side);
    await probeUntil(
      () => pub.send("ab-probe"),
      async () => startsWith((await peer.poll(50))?.[0], "ab-probe"),
      "libzmq SUB's subscription",
    );
    for (const m of ["b", "a", "xab"]) await pub.send(m);
    await pub.send(["abc", "second frame is not matched"]);
    await pub.send("ab");
    expect(await peerRecvSkipping(peer, "ab-probe")).toEqual(digests(["abc", "second frame is not matched"].map((s) => encoder.encode(s))));
    expect(await peer.recv()).toEqual([digest(encoder.encode("ab"))]);

    // Commands go out in order, so once "zz" is live the "ab" cancel has been sent too.
    peer.subscribe("zz");
    peer.unsubscribe("ab");
    await probeUntil(
      () => pub.send("zz-probe"),
      async () => startsWith((await peer.poll(50))?.[0], "zz-probe"),
      "libzmq SUB's second subscription",
    );
    await pub.send("abc");
    await pub.send("zz-end");
    expect(await peerRecvSkipping(peer, "zz-probe")).toEqual([digest(encoder.encode("zz-end"))]);
  });

  test("libzmq PUB -> our SUB: prefix matching, unsubscribe", async () => {
    const sub = open("SUB");
    const inbox = new Inbox(sub);
    sub.subscribe("ab");
    const peer = await link(sub, { type: "PUB" }, transport, side);
    await probeUntil(
      () => peer.send([toHex("ab-probe")]),
      async () => (await inbox.poll(50)) !== undefined,
      "our SUB's subscription",
    );
    for (const m of ["b", "a", "xab"]) peer.send([toHex(m)]);
    peer.send([toHex("abc"), toHex("second frame is not matched")]);
    peer.send([toHex("ab")]);
    expect((await inboxSkipping(inbox, "ab-probe")).map((f) => new TextDecoder().decode(f))).toEqual(["abc", "second frame is not matched"]);
    expect(firstText(await inbox.next())).toBe("ab");

    sub.subscribe("zz");
    sub.unsubscribe("ab");
    await probeUntil(
      () => peer.send([toHex("zz-probe")]),
      async () => (await inbox.poll(50)) !== undefined,
      "our SUB's second subscription",
    );
    peer.send([toHex("abc")]);
    peer.send([toHex("zz-end")]);
    expect(firstText(await inboxSkipping(inbox, "zz-probe"))).toBe("zz-end");
  });

  test("libzmq XSUB -> our PUB: legacy 01|topic / 00|topic messages drive the filter", async () => {
    // XSUB does not filter locally (unlike SUB), so what arrives is exactly what our PUB sent.
    const pub = open("PUB");
    const peer = await link(pub, { type: "XSUB" }, transport, side);
    peer.send(["01" + toHex("ab")]);
    peer.send(["01" + toHex("zz")]);
    await probeUntil(
      () => pub.send("zz-probe"),
      async () => startsWith((await peer.poll(50))?.[0], "zz-probe"),
      "libzmq XSUB's subscriptions",
    );
    for (const m of ["b", "a", "abc", "zz-end"]) await pub.send(m);
    expect(await peerRecvSkipping(peer, "zz-probe")).toEqual([digest(encoder.encode("abc"))]);
    expect(await peer.recv()).toEqual([digest(encoder.encode("zz-end"))]);

    peer.send(["00" + toHex("ab")]);
    // Until the cancel lands each round delivers "ab-late" then "zz-mark"; a "zz-mark" with no
    // "ab-late" since the previous one proves it landed (a late round's marks may spill over).
    let sawAb = false;
    await probeUntil(
      async () => {
        await pub.send("ab-late");
        await pub.send("zz-mark");
      },
      async () => {
        for (;;) {
          const frames = await peer.poll(200);
          if (frames === undefined) return false;
          if (!startsWith(frames[0], "zz-mark")) sawAb = true;
          else if (sawAb) sawAb = false;
          else return true;
        }
      },
      "libzmq XSUB's cancel",
    );
    for (const m of ["abc", "zz-end"]) await pub.send(m);
    expect(await peerRecvSkipping(peer, "zz-mark")).toEqual([digest(encoder.encode("zz-end"))]);
  });

  test("our SUB -> libzmq XPUB: SUBSCRIBE and CANCEL reach libzmq, counted like libzmq SUB", async () => {
    const sub = open("SUB");
    const inbox = new Inbox(sub);
    const peer = await link(sub, { type: "XPUB" }, transport, side);
    sub.subscribe("ab");
    expect(await peer.recv()).toEqual([digest(encoder.encode("\x01ab"))]);
    // XPUB reports only the first subscribe and the last cancel; the "cd" marker proves nothing else came.
    sub.subscribe("ab");
    sub.unsubscribe("ab");
    sub.subscribe("cd");
    expect(await peer.recv()).toEqual([digest(encoder.encode("\x01cd"))]);
    sub.unsubscribe("ab");
    expect(await peer.recv()).toEqual([digest(encoder.encode("\x00ab"))]);
    // And the publisher's filter now holds only "cd".
    peer.send([toHex("abc")]);
    peer.send([toHex("cd-end")]);
    expect(firstText(await inbox.next())).toBe("cd-end");
  });
});

describe.each(["tcp", "ipc"] as const)("%s, several libzmq peers on one bound socket", (transport) => {
  test("our ROUTER tells a named and an anonymous libzmq DEALER apart and routes each reply home", async () => {
    const router = open("ROUTER");
    const inbox = new Inbox(router);
    const endpoint = router.bind(bindAddress(transport, "bus"));
    const named = await LibzmqPeer.start({ type: "DEALER", connect: endpoint, routingId: "named" });
    const anon = await LibzmqPeer.start({ type: "DEALER", connect: endpoint });
    await router.waitForPeers(2, 30_000);
    named.send([toHex("from-named")]);
    anon.send([toHex("from-anon")]);
    const ids = new Map<string, Uint8Array>();
    for (let i = 0; i < 2; i++) {
      const [id, body] = await inbox.next();
      ids.set(new TextDecoder().decode(body), id as Uint8Array);
    }
    expect(toHex(ids.get("from-named") as Uint8Array)).toBe(toHex("named"));
    expect(ids.get("from-anon")?.[0]).toBe(0);
    await router.send([ids.get("from-anon") as Uint8Array, "to-anon"]);
    await router.send([ids.get("from-named") as Uint8Array, "to-named"]);
    expect(await anon.recv()).toEqual([digest(encoder.encode("to-anon"))]);
    expect(await named.recv()).toEqual([digest(encoder.encode("to-named"))]);
  });
});

// ---- reconnect after the libzmq side restarts ----

type ReconnectCase = {
  name: string;
  ours: SocketType;
  options?: SocketOptions;
  peer: PeerType;
  /** One exchange over the live link; `round` tells the runs apart. */
  exchange(ours: BusSocket, inbox: Inbox, peer: LibzmqPeer, round: string): Promise<void>;
};

const RECONNECT_CASES: ReconnectCase[] = [
  {
    name: "our PUSH -> libzmq PULL",
    ours: "PUSH",
    peer: "PULL",
    async exchange(push, _inbox, peer, round) {
      await push.send([round, "x".repeat(300)]);
      expect(await peer.recv()).toEqual(digests([encoder.encode(round), encoder.encode("x".repeat(300))]));
    },
  },
  {
    name: "our DEALER -> libzmq ROUTER",
    ours: "DEALER",
    options: { identity: "dealer-r" },
    peer: "ROUTER",
    async exchange(dealer, inbox, peer, round) {
      await dealer.send(round);
      const [id, body] = await peer.recv();
      expect(id?.hex).toBe(toHex("dealer-r"));
      expect(body).toEqual(digest(encoder.encode(round)));
      peer.send([id?.hex as string, toHex(`re:${round}`)]);
      expect(firstText(await inbox.next())).toBe(`re:${round}`);
    },
  },
  {
    name: "our SUB -> libzmq XPUB (subscriptions replayed)",
    ours: "SUB",
    peer: "XPUB",
    async exchange(_sub, inbox, peer, round) {
      // Subscribed once, before the first connect: the new publisher must hear it again unasked.
      expect(await peer.recv()).toEqual([digest(encoder.encode("\x01ab"))]);
      peer.send([toHex(`ab-${round}`)]);
      expect(firstText(await inbox.next())).toBe(`ab-${round}`);
    },
  },
];

describe.each(["tcp", "ipc", "ipc-abstract"] as const)("%s, libzmq restarts", (transport) => {
  test.each(RECONNECT_CASES.map((c) => [c.name, c] as const))("%s: our socket redials and traffic resumes", async (_name, c) => {
    const ours = open(c.ours, c.options);
    const inbox = new Inbox(ours);
    if (c.ours === "SUB") ours.subscribe("ab");
    const first = await LibzmqPeer.start({ type: c.peer, bind: bindAddress(transport, "libzmq") });
    // Rebind exactly what libzmq resolved (the real tcp port), as a restarted service would.
    const endpoint = first.endpoint;
    ours.connect(endpoint);
    await ours.waitForPeers(1, 30_000);
    await c.exchange(ours, inbox, first, "before");

    await first.kill();
    await until(() => ours.peerCount === 0, "our socket to notice the dead peer");
    // A PUSH/DEALER send made while nobody is there waits for the reconnect instead of failing.
    const pending = c.ours === "PUSH" ? ours.send(["during", "x".repeat(300)]) : undefined;

    const second = await LibzmqPeer.start({ type: c.peer, bind: endpoint });
    await ours.waitForPeers(1, 30_000);
    if (pending !== undefined) {
      await pending;
      expect(await second.recv()).toEqual(digests([encoder.encode("during"), encoder.encode("x".repeat(300))]));
    }
    await c.exchange(ours, inbox, second, "after");
  });
});
