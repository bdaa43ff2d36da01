/**
 * A transport: `--transport buffered`. It sends with fetch but reads each reply whole, as a
 * client without streaming support would: every reply is one chunk, so with --streaming the
 * time to first token equals the request latency. Timestamps come from the host's clocks, the
 * ones every process of the run shares.
 */
import type { Captured, CaptureRequest, Plugin, PluginHost, RecordError } from "../../src/plugins/api.ts";

export default (host: PluginHost): Plugin => ({
  name: "example transport",
  transports: [
    {
      name: "buffered",
      async capture(req: CaptureRequest, signal: AbortSignal): Promise<Captured> {
        const out: Captured = {
          startNs: host.monoNs(),
          wallStartNs: host.wallNs(),
          ackNs: null,
          endNs: 0,
          status: null,
          statusText: "",
          contentType: "",
          chunkNs: [],
          chunks: [],
          error: null,
        };
        try {
          const res = await fetch(req.url, { method: "POST", headers: req.headers, body: req.body, signal });
          out.ackNs = host.monoNs();
          out.status = res.status;
          out.statusText = res.statusText;
          out.contentType = res.headers.get("content-type") ?? "";
          const body = new Uint8Array(await res.arrayBuffer());
          out.chunkNs.push(host.monoNs());
          out.chunks.push(body);
        } catch (error) {
          // The worker aborts with a RecordError as the reason (cancellation, timeout): keep it.
          const reason = signal.aborted ? (signal.reason as RecordError | undefined) : undefined;
          out.error =
            reason?.type !== undefined ? reason : { code: null, type: "TransportError", message: error instanceof Error ? error.message : String(error) };
        }
        out.endNs = host.monoNs();
        return out;
      },
    },
  ],
});
