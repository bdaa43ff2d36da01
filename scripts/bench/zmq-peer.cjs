// libzmq (zeromq npm, Node only) side of scripts/bench/bus.ts: one role per process.
// Protocol with the orchestrator: "ready <endpoint>" once bound/connected, then one "result <json>".
// CommonJS because the zeromq addon must load under Node, not Bun.
"use strict";
const zmq = require("zeromq");

function arg(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

const role = arg("role", "");
const endpoint = arg("endpoint", "");
const count = Number(arg("count", "1000000"));
const size = Number(arg("size", "100"));
const hwm = Number(arg("hwm", "1000"));
const warmup = Number(arg("warmup", "1000"));

function say(line) {
  process.stdout.write(`${line}\n`);
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function pull() {
  const sock = new zmq.Pull({ receiveHighWaterMark: hwm });
  await sock.bind(endpoint);
  say(`ready ${sock.lastEndpoint}`);
  // receive() resolves synchronously while messages are queued (up to 512 in a row), so an
  // awaited loop is the fastest way the binding offers to drain a socket.
  const [first] = await sock.receive();
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let bytes = first.length;
  for (let i = 1; i < count; i++) {
    const [m] = await sock.receive();
    bytes += m.length;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  // cpu counts libzmq's I/O thread too: it is part of what receiving costs.
  say(`result ${JSON.stringify({ count, bytes, seconds, rate: (count - 1) / seconds, cpu_us: cpu.user + cpu.system })}`);
  sock.close();
}

async function push() {
  const sock = new zmq.Push({ sendHighWaterMark: hwm });
  sock.connect(endpoint);
  say(`ready ${endpoint}`);
  const msg = Buffer.alloc(size, 0x61);
  // Only one send may be in flight, but send() completes synchronously while the pipe has room
  // (up to 512 in a row), and a send that could not go at once throws EBUSY at the next call.
  // So we send without awaiting and wait only when refused: ~5-10% less CPU per message than
  // `await sock.send()` in a loop, which is the fastest this binding allows.
  let pending;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < count; ) {
    try {
      pending = sock.send(msg);
      i++;
    } catch (error) {
      if (error.code !== "EBUSY") throw error;
      await pending;
    }
  }
  const cpu = process.cpuUsage(cpu0);
  say(`sent ${JSON.stringify({ count, cpu_us: cpu.user + cpu.system })}`);
  // Stay up with the socket open until the orchestrator ends us: exiting now could drop what
  // libzmq's I/O thread has not written yet.
  await new Promise(() => setInterval(() => {}, 1 << 30));
}

async function echo() {
  const sock = new zmq.Router({ sendHighWaterMark: hwm, receiveHighWaterMark: hwm });
  await sock.bind(endpoint);
  say(`ready ${sock.lastEndpoint}`);
  for (;;) {
    const msg = await sock.receive();
    await sock.send(msg);
  }
}

async function ping() {
  const sock = new zmq.Dealer({ sendHighWaterMark: hwm, receiveHighWaterMark: hwm });
  sock.connect(endpoint);
  say(`ready ${endpoint}`);
  const msg = Buffer.alloc(size, 0x61);
  const samples = new Float64Array(count);
  for (let i = -warmup; i < count; i++) {
    const t0 = process.hrtime.bigint();
    await sock.send(msg);
    await sock.receive();
    if (i >= 0) samples[i] = Number(process.hrtime.bigint() - t0) / 1e3;
  }
  samples.sort();
  say(`result ${JSON.stringify({ count, p50: percentile(samples, 50), p90: percentile(samples, 90), p99: percentile(samples, 99) })}`);
  sock.close();
}

const roles = { pull, push, echo, ping };
const run = roles[role];
if (run === undefined) {
  process.stderr.write(`zmq-peer: unknown --role "${role}" (pull, push, echo, ping)\n`);
  process.exit(2);
}
run().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`zmq-peer ${role}: ${error && error.stack ? error.stack : error}\n`);
    process.exit(1);
  },
);
