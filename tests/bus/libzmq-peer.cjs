"use strict";
/**
 * A real libzmq socket (npm `zeromq`, which only runs under Node) driven by the interop tests.
 *
 *   node libzmq-peer.cjs '{"type":"ROUTER","bind":"tcp://127.0.0.1:*","routingId":"r1"}'
 *
 * Config (argv[2], JSON): type (PUSH PULL DEALER ROUTER PUB SUB XPUB XSUB), exactly one of
 * bind / connect, optional routingId, optional subscribe (topics as hex, SUB only).
 *
 * Commands, one JSON object per stdin line:
 *   {"op":"send","frames":[F...]}      F = "hex" or {"len":N,"seed":S} (a generated pattern)
 *   {"op":"subscribe","topic":"hex"}   SUB only; "unsubscribe" likewise
 * Events, one JSON object per stdout line:
 *   {"event":"ready","endpoint":"..."} after bind/connect (endpoint = libzmq's last_endpoint)
 *   {"event":"recv","frames":[D...]}   D = {"len":N,"sha256":"...","hex":"..."} (hex only when small)
 *   {"event":"error","message":"..."}  then the process exits 1
 * The peer exits when stdin closes, so it never outlives the test that spawned it.
 */
const zmq = require("zeromq");
const { createHash } = require("node:crypto");
const readline = require("node:readline");

/** Frames up to this size are echoed as hex; bigger ones only by length and hash. */
const HEX_LIMIT = 4096;

const SOCKETS = {
  PUSH: zmq.Push,
  PULL: zmq.Pull,
  DEALER: zmq.Dealer,
  ROUTER: zmq.Router,
  PUB: zmq.Publisher,
  SUB: zmq.Subscriber,
  XPUB: zmq.XPublisher,
  XSUB: zmq.XSubscriber,
};
const RECEIVES = new Set(["PULL", "DEALER", "ROUTER", "SUB", "XPUB", "XSUB"]);

function emit(event) {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

function fail(error) {
  emit({ event: "error", message: String(error && error.stack ? error.stack : error) });
  process.exit(1);
}

/** Same generator as the test's `pattern()`: not periodic at 256, so a shifted byte shows. */
function pattern(len, seed) {
  const out = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; i++) out[i] = (i * 7 + seed + Math.floor(i / 251)) & 0xff;
  return out;
}

function toFrame(spec) {
  return typeof spec === "string" ? Buffer.from(spec, "hex") : pattern(spec.len, spec.seed);
}

function describeFrame(frame) {
  const d = { len: frame.length, sha256: createHash("sha256").update(frame).digest("hex") };
  if (frame.length <= HEX_LIMIT) d.hex = frame.toString("hex");
  return d;
}

async function main() {
  const config = JSON.parse(process.argv[2] || "{}");
  const Type = SOCKETS[config.type];
  if (Type === undefined) throw new Error(`unknown socket type ${config.type}`);
  const options = { linger: 0 };
  if (config.routingId !== undefined) options.routingId = config.routingId;
  const socket = new Type(options);

  if (config.bind !== undefined) await socket.bind(config.bind);
  else socket.connect(config.connect);
  for (const topic of config.subscribe || []) socket.subscribe(Buffer.from(topic, "hex"));

  // zeromq.js allows one send in flight per socket: queue them in order.
  let sending = Promise.resolve();
  const commands = readline.createInterface({ input: process.stdin });
  commands.on("line", (line) => {
    if (line.trim() === "") return;
    const cmd = JSON.parse(line);
    if (cmd.op === "send") {
      const frames = cmd.frames.map(toFrame);
      sending = sending.then(() => socket.send(frames)).catch(fail);
    } else if (cmd.op === "subscribe") socket.subscribe(Buffer.from(cmd.topic, "hex"));
    else if (cmd.op === "unsubscribe") socket.unsubscribe(Buffer.from(cmd.topic, "hex"));
    else fail(new Error(`unknown op ${cmd.op}`));
  });
  commands.on("close", () => {
    socket.close();
    process.exit(0);
  });

  emit({ event: "ready", endpoint: socket.lastEndpoint });
  if (RECEIVES.has(config.type)) {
    for await (const frames of socket) emit({ event: "recv", frames: frames.map(describeFrame) });
  }
}

process.on("unhandledRejection", fail);
main().catch(fail);
