import { describe, expect, test } from "bun:test";
import { ephemeralPorts, freePortRange, waitForListener } from "../../src/slurm/address.ts";

describe("the controller's ports", () => {
  test("five consecutive ports that are free: all five can be bound", () => {
    const first = freePortRange("127.0.0.1", 5);
    const held = [0, 1, 2, 3, 4].map((i) => Bun.listen({ hostname: "127.0.0.1", port: first + i, socket: { data() {} } }));
    try {
      expect(held.map((s) => s.port)).toEqual([first, first + 1, first + 2, first + 3, first + 4]);
    } finally {
      for (const s of held) s.stop(true);
    }
  });

  test("picked below the kernel's range for outgoing connections, where a connection cannot take one before the controller binds it", () => {
    const range = ephemeralPorts();
    // Linux always has the file; elsewhere the pick falls back to a port the kernel hands out.
    expect(range).toBeDefined();
    const [low] = range as [number, number];
    for (let i = 0; i < 20; i++) {
      const first = freePortRange("127.0.0.1", 5);
      expect(first).toBeGreaterThanOrEqual(10_000);
      expect(first + 4).toBeLessThan(low);
    }
    expect(ephemeralPorts(() => "32768\t60999\n")).toEqual([32768, 60999]);
    expect(ephemeralPorts(() => "garbage")).toBeUndefined();
    expect(
      ephemeralPorts(() => {
        throw new Error("no such file");
      }),
    ).toBeUndefined();
  });

  test("where the kernel's range leaves no room below it, or is unknown, a range from port 0 that can all be bound", () => {
    const [low] = ephemeralPorts() as [number, number];
    for (const range of [undefined, [10_003, 60_999] as [number, number]]) {
      const first = freePortRange("127.0.0.1", 5, () => range);
      // Handed out by the kernel for port 0, so inside this host's real range.
      expect(first).toBeGreaterThanOrEqual(low);
      const held = [0, 1, 2, 3, 4].map((i) => Bun.listen({ hostname: "127.0.0.1", port: first + i, socket: { data() {} } }));
      try {
        expect(held.map((s) => s.port)).toEqual([first, first + 1, first + 2, first + 3, first + 4]);
      } finally {
        for (const s of held) s.stop(true);
      }
    }
  });

  test("waiting for the controller: true once it listens, false when it ends first", async () => {
    const port = freePortRange("127.0.0.1", 1);
    const waiting = waitForListener("127.0.0.1", port, new Promise(() => {}));
    await Bun.sleep(300);
    const server = Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } });
    try {
      expect(await waiting).toBe(true);
    } finally {
      server.stop(true);
    }
    expect(await waitForListener("127.0.0.1", port, Bun.sleep(300))).toBe(false);
  });
});
