/**
 * The records path's processes lower their own CPU priority (src/runtime/background-nice.ts):
 * every thread they have, and those they start later; the environment carries the amount (which
 * services get it: tests/controller/jit-env.test.ts).
 */
import { afterEach, expect, test } from "bun:test";
import { getPriority } from "node:os";
import { join } from "node:path";

const KEY = "AIPERF_BACKGROUND_NICE";
const before = process.env[KEY];
/** The children inherit this process's nice value (0 unless the suite itself runs niced). */
const base = getPriority();
afterEach(() => {
  if (before === undefined) delete process.env[KEY];
  else process.env[KEY] = before;
});

/** A child that applies the setting, starts a thread, and prints each thread's nice value. */
async function niceValues(env: Record<string, string>): Promise<number[]> {
  const module = join(import.meta.dir, "../../src/runtime/background-nice.ts");
  const script = `
    const { applyBackgroundNice } = await import(${JSON.stringify(module)});
    const { readdirSync, readFileSync } = await import("node:fs");
    applyBackgroundNice();
    const w = new Worker(URL.createObjectURL(new Blob(["postMessage(1)"])));
    await new Promise((r) => w.addEventListener("message", r));
    const nice = (t) => Number(readFileSync("/proc/self/task/" + t + "/stat", "utf8").split(") ")[1].split(" ")[16]);
    console.log(JSON.stringify(readdirSync("/proc/self/task").map(nice)));
    process.exit(0);`;
  const proc = Bun.spawn([process.execPath, "-e", script], { env: { ...process.env, ...env }, stdout: "pipe", stderr: "inherit" });
  const out = await new Response(proc.stdout).text();
  expect(await proc.exited).toBe(0);
  return JSON.parse(out) as number[];
}

test.if(process.platform === "linux")("every thread of the process, and one started after, runs at the nice value asked", async () => {
  const values = await niceValues({ [KEY]: "10" });
  expect(values.length).toBeGreaterThan(2);
  expect(new Set(values)).toEqual(new Set([Math.min(19, base + 10)]));
});

test.if(process.platform === "linux")("0 or no value leaves the priority alone", async () => {
  expect(new Set(await niceValues({ [KEY]: "0" }))).toEqual(new Set([base]));
  expect(new Set(await niceValues({}))).toEqual(new Set([base]));
});
