/**
 * The control routes of vLLM (and SGLang's profiler): POST /reset_prefix_cache, /start_profile,
 * /stop_profile answer 200 with an empty body, as vLLM does. Each call is logged with how many
 * inference requests had started and finished by then, and GET /debug/control returns that log, so
 * a test can check that a client's control calls came when and as often as they should.
 */
import type { MockMetrics } from "./metrics.ts";

export const CONTROL_PATHS = ["/reset_prefix_cache", "/start_profile", "/stop_profile"] as const;

type ControlCall = { path: string; atMs: number; started: number; finished: number; authorization: string | null };

export function createControlLog() {
  const calls: ControlCall[] = [];
  let started = 0;
  let finished = 0;
  return {
    /** Counts inference requests as the metrics see them. */
    counting(metrics: MockMetrics): MockMetrics {
      return {
        ...metrics,
        requestStarted: () => (started++, metrics.requestStarted()),
        requestFinished: (endpoint, status, seconds) => (finished++, metrics.requestFinished(endpoint, status, seconds)),
      };
    },
    handler(path: string): (req: Request) => Response {
      return (req) => {
        calls.push({ path, atMs: Date.now(), started, finished, authorization: req.headers.get("authorization") });
        return new Response(null, { status: 200 });
      };
    },
    log: (): Response => Response.json(calls),
  };
}
