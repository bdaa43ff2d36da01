import { describe, expect, test } from "bun:test";
import { DUPLICATE_SIGNAL_MS, Interrupts } from "../../src/controller/interrupts.ts";

describe("the controller's count of interrupts", () => {
  test("a repeat within the debounce is the same interrupt delivered twice (timeout(1) signals the child, then the group)", () => {
    const i = new Interrupts();
    expect(i.receive("SIGTERM", 1000)).toBe("first");
    expect(i.receive("SIGTERM", 1000.05)).toBe("duplicate");
    expect(i.receive("SIGTERM", 1000 + DUPLICATE_SIGNAL_MS - 1)).toBe("duplicate");
    expect(i.exitCode).toBe(143);
  });

  test("a second signal after the debounce forces the exit, with the first signal's code", () => {
    const i = new Interrupts();
    expect(i.exitCode).toBeUndefined();
    expect(i.receive("SIGINT", 0)).toBe("first");
    expect(i.receive("SIGTERM", DUPLICATE_SIGNAL_MS)).toBe("force");
    expect(i.exitCode).toBe(130);
  });
});
