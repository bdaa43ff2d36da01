/**
 * The JIT setting of the services that parse and summarise every record: record processors and
 * records (timing, a thread of the controller, cannot take one: JSC reads it at process start).
 * JavaScriptCore's top tier (FTL) compiles a hot function once more, on a compiler thread, at a
 * cost that grows steeply with the function's size after inlining; the record processor's
 * parseRecord took 0.2-0.4 s alone, ~1 s for the process, most of it after the run had started.
 * Profiled at c=16 with 50-chunk replies, that thread was 35-40 % of the record processor's CPU
 * over a 3,000-request run and still ~20 % over 12,000. Functions larger than
 * 400 bytecode units now stay in the tier below (DFG), which compiles in a fraction of the time;
 * the small hot ones still reach FTL, and the event loop's CPU per request stayed within 5 %
 * (docs/client-efficiency.md, seventh pass). A value the user set is kept.
 */
const KEY = "BUN_JSC_maximumFTLCandidateBytecodeCost";

export function jitEnv(): Record<string, string> {
  return { [KEY]: process.env[KEY] ?? "400" };
}
