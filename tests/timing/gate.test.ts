/** The load gates' ceilings (src/services/timing/gate.ts): who waits, who wakes, and when. */
import { expect, test } from "bun:test";
import { LoadGates } from "../../src/services/timing/gate.ts";

const settled = async (p: Promise<void>): Promise<boolean> => {
  let done = false;
  void p.then(() => (done = true));
  await Bun.sleep(0);
  return done;
};

/** Gates whose concurrency ceiling of 1 is taken. */
const full = (): LoadGates => {
  const gates = new LoadGates();
  gates.concurrency.setLimit(1);
  gates.concurrency.take();
  return gates;
};

test("a full ceiling holds waiters until a slot is released; then every waiter wakes to check again", async () => {
  const gates = full();
  const stop = new AbortController();
  const a = gates.whenOpen(stop.signal);
  const b = gates.whenOpen(stop.signal);
  expect(await settled(a)).toBe(false);
  gates.concurrency.release();
  expect(await settled(a)).toBe(true);
  expect(await settled(b)).toBe(true);
  expect(gates.isOpen()).toBe(true);
});

test("an abort wakes only the waiters of that signal; one listener per signal however many waits", async () => {
  const gates = full();
  const first = new AbortController();
  const second = new AbortController();
  let listeners = 0;
  const add = first.signal.addEventListener.bind(first.signal);
  first.signal.addEventListener = ((...args: Parameters<typeof add>) => {
    listeners++;
    add(...args);
  }) as typeof add;
  const waits = Array.from({ length: 100 }, () => gates.whenOpen(first.signal));
  const other = gates.whenOpen(second.signal);
  expect(listeners).toBe(1);
  first.abort();
  for (const w of waits) expect(await settled(w)).toBe(true);
  expect(await settled(other)).toBe(false);
  gates.concurrency.release();
  expect(await settled(other)).toBe(true);
});

test("a raised ceiling wakes the waiters; an aborted signal never waits", async () => {
  const gates = full();
  const stop = new AbortController();
  const w = gates.whenOpen(stop.signal);
  gates.concurrency.setLimit(2);
  expect(await settled(w)).toBe(true);
  gates.concurrency.setLimit(1);
  stop.abort();
  expect(await settled(gates.whenOpen(stop.signal))).toBe(true);
});
