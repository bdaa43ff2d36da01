import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatWithOptions } from "node:util";
import { message } from "../../src/core/child-log.ts";
import { createControllerLogger, forwardChildLine } from "../../src/core/log.ts";

const dir = mkdtempSync(join(tmpdir(), "aiperf-log-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A controller logger whose console output is kept instead of printed. */
function logger(name: string): { log: ReturnType<typeof createControllerLogger>; console: string[]; file: string } {
  const file = join(dir, name, "aiperf.log");
  const log = createControllerLogger("debug", file);
  const console: string[] = [];
  const sink = { write: (s: string) => console.push(s), columns: 100 } as unknown as NodeJS.WriteStream;
  log.options.stdout = sink;
  log.options.stderr = sink;
  return { log, console, file };
}

const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

describe("the controller's logger shows outside bytes escaped and URL credentials redacted", () => {
  test("a message, on the console and in the log file", () => {
    const { log, console, file } = logger("plain");
    log.withTag("bus").warn(`peer "\x1b]0;pwned\x07" at http://user:s3cret@127.0.0.1:1/v1?api_key=s3cret`);
    const printed = console.join("");
    const logged = readFileSync(file, "utf8");
    for (const text of [printed, logged]) {
      expect(text).toContain('peer "\\x1b]0;pwned\\x07" at http://<redacted>@127.0.0.1:1/v1?api_key=<redacted>');
      expect(text).not.toMatch(RAW);
      expect(text).not.toContain("s3cret");
    }
  });

  test("a child's lines: structured (escapes survive JSON) or stray stderr, and malformed ones do not throw", () => {
    const { log, console, file } = logger("child");
    forwardChildLine(log, JSON.stringify({ l: 1, y: "warn", g: "worker:0", m: "body \x1b[2J\x9b done", d: Date.now() }), "worker:0");
    forwardChildLine(log, "stray \x1b[31mred\r", "worker:1");
    forwardChildLine(log, JSON.stringify({ y: "constructor", g: "\x1btag", m: "odd entry", d: "not a date" }), "worker:2");
    const logged = readFileSync(file, "utf8");
    expect(logged).toContain("[worker:0] body \\x1b[2J\\x9b done");
    expect(logged).toContain("[worker:1] stray \\x1b[31mred\\x0d");
    expect(logged).toContain("[\\x1btag] odd entry");
    expect(logged).not.toMatch(RAW);
    expect(console.join("")).not.toMatch(RAW);
  });
});

describe("a child's log text", () => {
  test("is what node:util formats, whether or not the plain-string shortcut is taken", () => {
    const cases: unknown[][] = [
      ["a"],
      ["a", "b"],
      [],
      [""],
      ["a", ""],
      ["multi\nline", "x"],
      ["x %s y", 3],
      ["100%", "done"],
      ["%d", 4],
      ["a", 3],
      [new Error("boom")],
      [{ k: [1, 2] }],
    ];
    for (const args of cases) {
      const want = formatWithOptions({ colors: false, breakLength: Number.POSITIVE_INFINITY }, ...args);
      expect(message({ args } as never)).toBe(want);
    }
  });
});
