/**
 * One request after the record processor parsed it: the input of every metric. Times are
 * nanoseconds on the host's shared monotonic clock; `wallStartNs` anchors them to the epoch.
 */
export type RecordError = { code: number | null; type: string; message: string };

/** Token counts the server reported in `usage` (the last value of each field across the reply). */
export type ServerUsage = {
  promptTokens: number | null;
  completionTokens: number | null;
  totalTokens: number | null;
  reasoningTokens: number | null;
};

export type RequestRecord = {
  phase: "warmup" | "profiling";
  /** Credit number within the phase (upstream `session_num`). */
  sessionNum: number;
  xRequestId: string;
  xCorrelationId: string;
  conversationId: string;
  turnIndex: number;
  workerId: string;
  recordProcessorId: string;
  /** Taken just before the request is sent. */
  startNs: number;
  /** Response headers received (null when none arrived). */
  ackNs: number | null;
  /** Last content-bearing response, or the moment the request failed. */
  endNs: number;
  /** Epoch nanoseconds at `startNs` (precision ~256 ns: a double holds 2^53). */
  wallStartNs: number;
  /** Arrival time of each content-bearing response (SSE chunk read, or whole body for non-streaming). */
  responseNs: number[];
  /** Token counts; null where not applicable (non-token endpoints) or not computable. */
  inputTokens: number | null;
  outputTokens: number | null;
  reasoningTokens: number | null;
  /** Absent when the server reported no usage. */
  usage?: ServerUsage;
  wasCancelled: boolean;
  cancellationNs: number | null;
  error: RecordError | null;
};
