import { expect, test } from "bun:test";
import { createProgressUi } from "../../src/controller/progress.ts";

function sink(): { out: NodeJS.WriteStream; text: () => string } {
  let text = "";
  const out = { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream;
  return { out, text: () => text };
}

test("simple draws one bar per stage and redraws them in place", async () => {
  const s = sink();
  const ui = createProgressUi("simple", s.out);
  // Redraws are throttled to one per 100 ms; wait past it so each update draws.
  await Bun.sleep(110);
  ui.update("Warmup", 5, 10);
  await Bun.sleep(110);
  ui.update("Requests (Profiling)", 0, 100);
  ui.update("Requests (Profiling)", 100, 100);
  ui.finish();
  const plain = s.text().replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
  expect(plain).toContain("Warmup");
  expect(plain).toContain(" 50% 5/10");
  expect(plain).toContain("100% 100/100");
  // Later frames move the cursor up over the bars drawn before them.
  expect(s.text()).toContain("\x1b[1A");
  expect(s.text()).toContain("\x1b[2A");
});

test("none writes nothing", () => {
  const s = sink();
  const ui = createProgressUi("none", s.out);
  ui.update("Warmup", 1, 2);
  ui.finish();
  expect(s.text()).toBe("");
});
