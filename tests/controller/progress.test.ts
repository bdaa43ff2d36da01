import { expect, test } from "bun:test";
import { createProgressUi } from "../../src/controller/progress.ts";

function sink(isTTY = true): { out: NodeJS.WriteStream; text: () => string } {
  let text = "";
  const out = { isTTY, write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream;
  return { out, text: () => text };
}

test("simple draws one bar per stage and redraws them in place", async () => {
  const noColor = process.env.NO_COLOR;
  delete process.env.NO_COLOR;
  const s = sink();
  const ui = createProgressUi("simple", s.out);
  // Redraws are throttled to one per 100 ms; wait past it so each update draws.
  await Bun.sleep(110);
  ui.update("Warmup", 5, 10);
  await Bun.sleep(110);
  ui.update("Requests (Profiling)", 0, 100);
  ui.update("Requests (Profiling)", 100, 100);
  ui.finish();
  // Finished is finished: the command's finally calls it again after the tables are printed.
  const drawn = s.text();
  ui.finish();
  ui.update("Warmup", 6, 10);
  expect(s.text()).toBe(drawn);
  const plain = s.text().replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
  expect(plain).toContain("Warmup");
  expect(plain).toContain(" 50% 5/10");
  expect(plain).toContain("100% 100/100");
  // Later frames move the cursor up over the bars drawn before them.
  expect(s.text()).toContain("\x1b[1A");
  expect(s.text()).toContain("\x1b[2A");
  if (noColor !== undefined) process.env.NO_COLOR = noColor;
});

test("not a terminal: plain status lines (a new stage at once, then every interval), no escape codes", async () => {
  for (const kind of ["lines", "simple"] as const) {
    const s = sink(false);
    const ui = createProgressUi(kind, s.out, 50);
    ui.update("Requests (Profiling)", 0, 100);
    ui.update("Requests (Profiling)", 10, 100); // within the interval: no line
    await Bun.sleep(60);
    ui.update("Requests (Profiling)", 40, 100);
    ui.update("Requests (Profiling)", 50, 100); // within the interval: shown by finish()
    ui.finish();
    ui.finish(); // nothing new: no repeat
    const lines = s.text().trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toStartWith("aiperf: Requests (Profiling) 0/100 (0%) | ");
    expect(lines[1]).toStartWith("aiperf: Requests (Profiling) 40/100 (40%) | ");
    expect(lines[2]).toStartWith("aiperf: Requests (Profiling) 50/100 (50%) | ");
    expect(s.text()).not.toContain("\x1b");
  }
});

test("none writes nothing", () => {
  const s = sink();
  const ui = createProgressUi("none", s.out);
  ui.update("Warmup", 1, 2);
  ui.finish();
  expect(s.text()).toBe("");
});
