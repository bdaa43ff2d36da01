/** The "Studies" section of `aiperf profile --help`: the flags src/study/options.ts reads. */
export const STUDY_HELP: { label: string; text: string }[] = [
  {
    label: "--concurrency/--request-rate/--isl/--osl <a,b,…>",
    text: "A comma list sweeps the flag: one run per value, per-point folders and sweep_aggregate/profile_export_aiperf_sweep.json/.csv",
  },
  { label: "--isl-osl-pairs <isl/osl,…>", text: "Sweep ISL/OSL pairs, e.g. 128/128,512/256" },
  { label: "--sweep-type <grid|zip>", text: "Several lists: every combination, or element by element (Default: grid)" },
  {
    label: "--parameter-sweep-mode <repeated|independent>",
    text: "With trials: each trial runs the whole sweep, or a point's trials run back to back (Default: repeated)",
  },
  { label: "--parameter-sweep-cooldown-seconds <s>", text: "Pause between points (Default: 0)" },
  { label: "--parameter-sweep-same-seed", text: "Every point uses the same seed (default: seed + point index)" },
  {
    label: "--num-profile-runs <n>",
    text: "Trials per point, 1 to 10: aggregate/profile_export_aiperf_aggregate.json (mean, std, cv, se, Student-t CI) and _collated.json (Default: 1)",
  },
  { label: "--confidence-level <0..1>", text: "Confidence level of the intervals (Default: 0.95)" },
  { label: "--profile-run-cooldown-seconds <s>", text: "Pause between trials (Default: 0)" },
  { label: "--no-profile-run-disable-warmup-after-first", text: "Warm up before every trial (default: only a point's first trial)" },
  { label: "--no-set-consistent-seed", text: "Without --random-seed, do not fix the seed to 42 for a study" },
  {
    label: "--search-recipe <max-concurrency-under-sla|max-rate-under-sla>",
    text: "SLA search: the highest concurrency (or rate) whose run meets every SLA; brackets by doubling, then bisects; sla_search/profile_export_aiperf_sla_search.json",
  },
  {
    label: "--ttft-sla-ms/--itl-sla-ms/--tpot-sla-ms/--e2e-sla-ms <ms>",
    text: "SLAs on time to first token, inter-token latency, request latency, at --sla-stat",
  },
  { label: "--error-rate-sla <fraction>", text: "Most failed requests allowed, e.g. 0.01" },
  { label: "--search-sla <metric:stat:op:value>", text: "Any SLA, e.g. time_to_first_token:p95:lt:200 (op lt, le, gt, ge); repeatable" },
  { label: "--sla-stat <avg|p50|p90|p95|p99|…>", text: "Statistic the named SLA flags use (Default: p99)" },
  {
    label: "--concurrency-min/--concurrency-max <n>",
    text: "Search range (Default: 1 and 1000); --request-rate-min/--request-rate-max for max-rate-under-sla",
  },
];
