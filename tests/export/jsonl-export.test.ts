/** profile_export.jsonl lines and the batched writer. */
import { describe, expect, test } from "bun:test";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildRecordLine, formatRecordLine, JsonlWriter } from "../../src/export/index.ts";
import { computeRecordMetrics, createMetricContext, displayValuesJson, METRICS, toDisplayValues } from "../../src/metrics/index.ts";
import type { RequestRecord } from "../../src/records/record.ts";
import { makeRecord, MS } from "../metrics/fixtures.ts";
import { variedRecords } from "../protocol/record-fixtures.ts";

const ctx = createMetricContext({ streaming: true, producesTokens: true });

describe("record line", () => {
  test("metadata in epoch ns, metrics in display units, error null", () => {
    // Sent at 1000 ms (wall = WALL0 + 1 s); headers at +2 ms; chunks at +50 and +100 ms; 5 tokens.
    const record = makeRecord(1000, [50, 100], { outputTokens: 5, sessionNum: 7, xRequestId: "r-7" });
    expect(formatRecordLine(record, computeRecordMetrics(record, ctx))).toBe(
      '{"metadata":{"session_num":7,"x_request_id":"r-7","x_correlation_id":"corr","conversation_id":"conv",' +
        '"turn_index":0,"request_start_ns":1760000001000000000,"request_ack_ns":1760000001002000000,' +
        '"request_end_ns":1760000001100000000,"worker_id":"worker_0","record_processor_id":"record_processor_0",' +
        '"benchmark_phase":"profiling","was_cancelled":false,"cancellation_time_ns":null},' +
        '"metrics":{"time_to_first_token":{"value":50,"unit":"ms"},"time_to_second_token":{"value":50,"unit":"ms"},' +
        '"request_latency":{"value":100,"unit":"ms"},"input_sequence_length":{"value":100,"unit":"tokens"},' +
        '"output_token_count":{"value":5,"unit":"tokens"},"output_sequence_length":{"value":5,"unit":"tokens"},' +
        '"inter_token_latency":{"value":12.5,"unit":"ms"},' +
        '"output_token_throughput_per_user":{"value":80,"unit":"tokens/sec/user"},' +
        '"inter_chunk_latency":{"value":[50],"unit":"ms"},' +
        // Newer upstream's per-request OSL / latency: 5 tokens / 0.1 s.
        '"e2e_output_token_throughput":{"value":50,"unit":"tokens/sec/user"}},"error":null}',
    );
  });

  test("wall times are exact to the ns: end − start = latency even where a double would round", () => {
    // 1.0001234567 s after WALL0 is not a multiple of 256 ns, so WALL0 + offset rounds as a double.
    const record = makeRecord(0, [3.3333], { wallStartNs: 1_760_000_001_000_123_456 });
    const line = JSON.parse(formatRecordLine(record, computeRecordMetrics(record, ctx)).replace(/(\d{16,})/g, '"$1"'));
    const start = BigInt(line.metadata.request_start_ns);
    const end = BigInt(line.metadata.request_end_ns);
    expect(start).toBe(BigInt(Math.round(1_760_000_001_000_123_456)));
    expect(end - start).toBe(BigInt(Math.round(3.3333 * MS)));
    expect(buildRecordLine(record, computeRecordMetrics(record, ctx)).metadata.request_end_ns).toBe(Number(end));
  });

  test("error records: only error ISL, the error object, end = failure time, cancellation in wall time", () => {
    const record = makeRecord(0, [], {
      error: { code: 499, type: "RequestCancellationError", message: "Request was cancelled after 0.500 seconds" },
      endNs: 500 * MS,
      wasCancelled: true,
      cancellationNs: 500 * MS,
      ackNs: null,
    });
    const line = buildRecordLine(record, computeRecordMetrics(record, ctx));
    expect(line.metrics).toEqual({ error_isl: { value: 100, unit: "tokens" } });
    expect(line.error).toEqual({ code: 499, type: "RequestCancellationError", message: "Request was cancelled after 0.500 seconds" });
    expect(line.metadata.request_ack_ns).toBeNull();
    expect(line.metadata.request_end_ns).toBe(record.wallStartNs + 500 * MS);
    expect(line.metadata.cancellation_time_ns).toBe(record.wallStartNs + 500 * MS);
    expect(line.metadata.was_cancelled).toBe(true);
  });

  test("an embeddings error has no metrics but still gets its line (upstream dropped it)", () => {
    const emb = createMetricContext({ streaming: false, producesTokens: false });
    const record = makeRecord(0, [], { error: { code: 503, type: "HTTPError", message: "busy" } });
    const line = JSON.parse(formatRecordLine(record, computeRecordMetrics(record, emb)));
    expect(line.metrics).toEqual({});
    expect(line.error).toEqual({ code: 503, type: "HTTPError", message: "busy" });
  });

  test("good_request_count appears per record (upstream does not flag it NO_INDIVIDUAL_RECORDS)", () => {
    const goodCtx = createMetricContext({ streaming: true, producesTokens: true, goodputSlos: { request_latency: 200 } });
    const record = makeRecord(0, [50, 100]);
    expect(buildRecordLine(record, computeRecordMetrics(record, goodCtx)).metrics.good_request_count).toEqual({
      value: 1,
      unit: "requests",
    });
  });
});

describe("record line text", () => {
  /** The line as stringify writes buildRecordLine's object, wall times put back exact: what formatRecordLine promises. */
  function reference(record: RequestRecord): string {
    const line = buildRecordLine(record, computeRecordMetrics(record, ctx));
    const exact = (mono: number | null): string | null =>
      mono === null ? null : String(BigInt(Math.round(record.wallStartNs)) + BigInt(Math.round(mono - record.startNs)));
    const walls: Record<string, string | null> = {
      request_start_ns: exact(record.startNs),
      request_ack_ns: exact(record.ackNs),
      request_end_ns: exact(record.responseNs[record.responseNs.length - 1] ?? record.endNs),
      cancellation_time_ns: exact(record.cancellationNs),
    };
    const marked = JSON.stringify(line, (key, value) => (key in walls && walls[key] !== null ? `@@${key}@@` : value));
    return marked.replace(/"@@(\w+)@@"/g, (_, key: string) => walls[key] as string);
  }

  test("the hand-written metadata is stringify's text, for every kind of record", () => {
    const records: RequestRecord[] = [
      ...variedRecords(),
      makeRecord(5, [1, 2], { xRequestId: 'quote " backslash \\ tab \t nul \u0000 é \u2028 😀', conversationId: "</script>", workerId: "" }),
      makeRecord(6, [1], { sessionNum: Number.NaN, turnIndex: -0, wallStartNs: 1_760_000_001_000_123_456 }),
    ];
    for (const record of records) expect(formatRecordLine(record, computeRecordMetrics(record, ctx))).toBe(reference(record));
  });

  test("the hand-written metrics are stringify's text of the display values: every metric, odd numbers, lists, both visibilities", () => {
    const odd = [0, -0, 1.5, -2.25, 1e21, 5e-324, 123456789.123, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1 / 3];
    const values: Record<string, number | number[]> = {};
    METRICS.forEach((def, i) => {
      values[def.tag] = i % 4 === 3 ? odd.slice(i % 5) : (odd[i % odd.length] as number);
    });
    values.inter_chunk_latency = [];
    for (const showInternal of [false, true]) expect(displayValuesJson(values, showInternal)).toBe(JSON.stringify(toDisplayValues(values, showInternal)));
    expect(displayValuesJson({})).toBe("{}");
    // Real records, streamed and not.
    for (const record of variedRecords()) {
      for (const c of [ctx, createMetricContext({ streaming: false, producesTokens: true })]) {
        const { values: v } = computeRecordMetrics(record, c);
        expect(displayValuesJson(v)).toBe(JSON.stringify(toDisplayValues(v)));
      }
    }
  });

  test("a record missing a metadata field still gets a valid line, as stringify writes it", () => {
    const record = makeRecord(7, [1, 2]);
    delete (record as Partial<RequestRecord>).conversationId;
    const text = formatRecordLine(record, computeRecordMetrics(record, ctx));
    expect(text).toBe(reference(record));
    expect(JSON.parse(text).metadata.conversation_id).toBeUndefined();
  });
});

describe("JsonlWriter", () => {
  test("truncates an old file, writes in batches, flushes the rest on close", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aiperf-jsonl-"));
    const path = join(dir, "profile_export.jsonl");
    await writeFile(path, "stale line from an earlier run\n");
    const writer = new JsonlWriter(path, 2);
    writer.write('{"n":1}');
    writer.write('{"n":2}'); // batch of two goes out
    writer.write('{"n":3}');
    await writer.flush();
    expect(writer.written).toBe(3);
    writer.write('{"n":4}');
    await writer.close();
    expect(await readFile(path, "utf8")).toBe('{"n":1}\n{"n":2}\n{"n":3}\n{"n":4}\n');
    expect(() => writer.write("{}")).toThrow("closed");
    await writer.close(); // idempotent
    await rm(dir, { recursive: true });
  });

  test("lines of any size and script arrive whole and in order: past a stage's end, larger than a stage, multibyte", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aiperf-jsonl-"));
    const path = join(dir, "profile_export.jsonl");
    const writer = new JsonlWriter(path, 1000);
    const lines: string[] = [];
    for (let i = 0; i < 700; i++) lines.push(JSON.stringify({ i, text: "é€😀 ".repeat(i % 50) + "x".repeat(800) }));
    lines.splice(300, 0, JSON.stringify({ big: "ü".repeat(400_000) }), JSON.stringify({ after: "big" }));
    for (const line of lines) writer.write(line);
    await writer.close();
    expect(await readFile(path, "utf8")).toBe(`${lines.join("\n")}\n`);
    expect(writer.written).toBe(lines.length);
    await rm(dir, { recursive: true });
  });

  test("no records → an empty file, directory created", async () => {
    const dir = await mkdtemp(join(tmpdir(), "aiperf-jsonl-"));
    const path = join(dir, "sub", "profile_export.jsonl");
    const writer = new JsonlWriter(path);
    await writer.close();
    expect(await readFile(path, "utf8")).toBe("");
    await rm(dir, { recursive: true });
  });
});
