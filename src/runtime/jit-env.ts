/**
 * The JIT setting of the services that parse and summarise every record: record processors and
 * records (timing, a thread of the controller, cannot take one: JSC reads it at process start).
 * JavaScriptCore's top tier (FTL) compiles a hot function once more, on a compiler thread, at a
 * cost that grows steeply with the function's size after inlining; the record processor's
 * parseRecord took 0.2-0.4 s alone, ~1 s for the process, most of it after the run had started.
 * Profiled at c=16 with 50-chunk replies, that thread was 35-40 % of the record processor's CPU
 * over a 3,000-request run and still ~20 % over 12,000. Functions larger than
 * 400 bytecode units then stayed in the tier below (DFG), which compiles in a fraction of the time;
 * the small hot ones still reach FTL, and the event loop's CPU per request stayed within 5 %
 * (docs/client-efficiency.md, seventh pass). With the replies parsed in records, its compiler
 * thread was still a quarter of its CPU over a 3,000-request run (~0.05 ms per request, FTL
 * compiles of parseObject, readUsageExtras, wholeText… through the whole run); at 100 it took
 * half that, and records as a whole took less in 16 of 17 alternating pairs (median −10 %; its
 * event loop +0-0.02 ms per request; over 12,000 requests −12 %; at the non-streaming max rate the
 * same within noise): docs/client-efficiency.md, seventeenth pass. The worker was left alone: at
 * 100 its CPU rose in 3 of 4 pairs on raw, and the demo at c=64 was no more often valid. A value
 * the user set is kept.
 */
const KEY = "BUN_JSC_maximumFTLCandidateBytecodeCost";

export function jitEnv(): Record<string, string> {
  return { [KEY]: process.env[KEY] ?? "100" };
}
