/**
 * Bad dataset input on the compiled binary: the run stops before any request, exit code 2, with
 * `file:line: what is wrong`; the mock server's request counter proves nothing reached it.
 */
import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProfile, useMockServer } from "./support.ts";

const server = useMockServer([], 180_000);

/** Requests the mock server has finished, summed over endpoints and outcomes (its /metrics). */
async function requestsServed(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith("aiperf_mock_requests_total{"))
    .reduce((n, line) => n + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
}

test("a trace line whose hash_ids do not fit stops the run before any request", async () => {
  const dir = mkdtempSync(join(tmpdir(), "aiperf-bad-trace-"));
  const trace = join(dir, "trace.jsonl");
  const good = '{"timestamp": 0, "input_length": 12, "output_length": 2, "hash_ids": [1, 2]}\n';
  writeFileSync(trace, `${good}${good}{"timestamp": 5, "input_length": 40, "output_length": 2, "hash_ids": [1, 2]}\n`);
  const bad = await runProfile(server.url, ["--input-file", trace, "--custom-dataset-type", "mooncake_trace", "--isl-block-size", "8", "--streaming"]);
  expect(bad.code).toBe(2);
  expect(bad.out).toContain(`${trace}:3: input_length 40 does not fit 2 hash_ids of --isl-block-size 8`);
  expect(existsSync(join(bad.dir, "profile_export.jsonl"))).toBe(false);
  expect(await requestsServed(server.url)).toBe(0);

  // The same trace without its bad line runs, and the counter sees its requests.
  writeFileSync(trace, `${good}${good}`);
  const ok = await runProfile(server.url, ["--input-file", trace, "--custom-dataset-type", "mooncake_trace", "--isl-block-size", "8", "--streaming"]);
  expect(ok.code).toBe(0);
  expect(await requestsServed(server.url)).toBe(2);
}, 120_000);
