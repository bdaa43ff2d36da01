import { expect, test } from "bun:test";
import { WorkerPool } from "../../src/services/timing/workers.ts";

test("an idle pool is used round-robin", () => {
  const pool = new WorkerPool(["a", "b", "c"]);
  expect(Array.from({ length: 6 }, () => pool.acquire())).toEqual(["a", "b", "c", "a", "b", "c"]);
});

test("the least-loaded worker wins; ties go round-robin from the last pick", () => {
  const pool = new WorkerPool(["a", "b", "c"]);
  pool.acquire(); // a
  pool.acquire(); // b
  pool.acquire(); // c
  pool.release("b");
  expect(pool.acquire()).toBe("b");
  pool.release("a");
  pool.release("c");
  // a and c both at 0; the last pick was b, so c comes first.
  expect(pool.acquire()).toBe("c");
  expect(pool.acquire()).toBe("a");
  expect([pool.load("a"), pool.load("b"), pool.load("c")]).toEqual([1, 1, 1]);
});

test("a removed worker is never picked, and an empty pool gives undefined", () => {
  const pool = new WorkerPool(["a", "b"]);
  pool.remove("a");
  expect([pool.acquire(), pool.acquire()]).toEqual(["b", "b"]);
  pool.remove("b");
  expect(pool.acquire()).toBeUndefined();
  expect(pool.size).toBe(0);
});
