/** `aiperf profile --help`: every flag, its aliases and default, wrapped to the terminal. */
import { expect, test } from "bun:test";
import { renderProfileHelp } from "../../src/cli/profile-help.ts";
import { PROFILE_FLAGS } from "../../src/config/profile-flags.ts";

test("every flag and alias appears, defaults as (Default: x), and no line is wider than the terminal", () => {
  for (const columns of [80, 120]) {
    const help = renderProfileHelp(columns);
    for (const name of PROFILE_FLAGS.flatMap((f) => f.names)) expect(help).toContain(name);
    // Only a line holding one word longer than the text column (a path pattern) may overflow.
    const over = help.split("\n").filter((l) => l.length > columns && l.trim().includes(" "));
    expect(over).toEqual([]);
    expect(help).not.toMatch(/\(Default:\s*\n/);
  }
  const help = renderProfileHelp(100);
  expect(help).toMatch(/--isl <isl>\s+Mean input \(prompt\) tokens[\s\S]*?\(Default: 550\)/);
  expect(help).toMatch(/-u, --url <url>/);
  expect(help).toContain("--ui <dashboard|simple|none>");
  expect(help).toContain("--arrival-pattern <arrival_pattern>");
  // A long choice list moves out of the label into the text.
  expect(help).toMatch(/--endpoint-type <endpoint_type>[\s\S]*?\(one of: chat,\s+completions,/);
});
