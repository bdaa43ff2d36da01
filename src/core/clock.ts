/**
 * Clocks. `monoNs()` is CLOCK_MONOTONIC in nanoseconds, the same in every process on a host, so an
 * intended send time set by timing can be compared with a worker's send time. It costs one
 * performance.now() (bun-runtime §0): the offset to CLOCK_MONOTONIC is calibrated once via FFI.
 * `wallNs()` is epoch nanoseconds with microsecond precision, for placing records in time.
 */
import { dlopen, FFIType, ptr } from "bun:ffi";
import { findSystemLibrary, loadedLibrary } from "./system-library.ts";

function calibrate(): number {
  try {
    // By absolute path: Bun's dlopen looks for a bare name in the working directory first. The
    // copy this process already runs on, else the system's.
    const path = loadedLibrary("libc.so.6") ?? findSystemLibrary("libc.so.6");
    if (path === undefined) throw new Error("no glibc");
    const libc = dlopen(path, { clock_gettime: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 } });
    const ts = new BigInt64Array(2);
    const at = ptr(ts);
    const mono = (): number => {
      libc.symbols.clock_gettime(1, at);
      return Number(ts[0]) * 1e9 + Number(ts[1]);
    };
    let best = Number.POSITIVE_INFINITY;
    let offset = 0;
    // Keep the tightest bracket: its midpoint pairs the two clocks best (first rounds warm the JIT).
    // 1,200 brackets (the first 200 only warm the JIT) find the tightest as well as 3,000 did; every process pays this at start-up.
    for (let i = 0; i < 1200; i++) {
      const a = mono();
      const p = performance.now() * 1e6;
      const b = mono();
      if (i >= 200 && b - a < best) {
        best = b - a;
        offset = (a + b) / 2 - p;
      }
    }
    libc.close();
    return offset;
  } catch {
    // No libc (not Linux/glibc): fall back to the wall clock, shared across processes but not monotonic.
    return performance.timeOrigin * 1e6;
  }
}

/**
 * On a worker node (node/), the node's measured offset to the controller's clocks is subtracted,
 * so every time this process stamps is on the controller's clocks. AIPERF_TEST_CLOCK_SKEW_MS
 * (tests only) moves both clocks of this process, as another host's clocks would be off, and
 * AIPERF_TEST_CLOCK_DRIFT_PPM (tests only) makes them run fast by that many parts per million,
 * counted from the epoch millisecond AIPERF_TEST_CLOCK_DRIFT_FROM_MS (so all of a host's processes
 * drift alike, as a host's clock would; default: this process's start).
 */
const envNs = (name: string, scale = 1): number => {
  const n = Number(process.env[name] ?? 0) * scale;
  return Number.isFinite(n) ? n : 0;
};
const TEST_SKEW_NS = envNs("AIPERF_TEST_CLOCK_SKEW_MS", 1e6);
/** Nanoseconds per performance.now() millisecond: 1e6 unless a test makes this host's clock drift. */
const DRIFT_PPM = envNs("AIPERF_TEST_CLOCK_DRIFT_PPM");
const NS_PER_MS = 1e6 + DRIFT_PPM;
const DRIFTED_NS = DRIFT_PPM * (performance.timeOrigin - (envNs("AIPERF_TEST_CLOCK_DRIFT_FROM_MS") || performance.timeOrigin));
const HOST_MONO_NS = calibrate() + TEST_SKEW_NS + DRIFTED_NS;
const HOST_WALL_NS = performance.timeOrigin * 1e6 + TEST_SKEW_NS + DRIFTED_NS;
let MONO_OFFSET_NS = HOST_MONO_NS - envNs("AIPERF_NODE_MONO_OFFSET_NS");
let WALL_OFFSET_NS = HOST_WALL_NS - envNs("AIPERF_NODE_WALL_OFFSET_NS");

let EPOCH = 0;

/** A worker node's newer offsets to the controller's clocks (node clock minus controller clock, ns). */
export function correctClocks(monoOffsetNs: number, wallOffsetNs: number): void {
  MONO_OFFSET_NS = HOST_MONO_NS - monoOffsetNs;
  WALL_OFFSET_NS = HOST_WALL_NS - wallOffsetNs;
  EPOCH++;
}

/** How many times correctClocks moved this process's clocks: stamps of different epochs do not compare. */
export function clockEpoch(): number {
  return EPOCH;
}

/** Host-wide monotonic nanoseconds (a double: exact to well under a microsecond for years of uptime). */
export function monoNs(): number {
  return performance.now() * NS_PER_MS + MONO_OFFSET_NS;
}

/** Epoch nanoseconds (microsecond precision). */
export function wallNs(): number {
  return performance.now() * NS_PER_MS + WALL_OFFSET_NS;
}
