/** The starter files of `aiperf config init`: commented YAML, with MODEL and URL filled in. */

type Template = { name: string; title: string; text: string };

const MINIMAL = `# aiperf config file (aiperf config init --template minimal)
# Keys are "aiperf profile" flag names without the dashes (request-count, request_count and
# requestCount all work). Flags given on the command line override these.
# Run: aiperf profile --config FILE
model: {{MODEL}}
url: {{URL}}
endpoint-type: chat
streaming: true
concurrency: 4
request-count: 100
isl: 512
osl: 128
random-seed: 42
`;

const SWEEP = `# aiperf config file (aiperf config init --template sweep)
# A list on concurrency or request-rate is a sweep: one run per value.
# See the runs with: aiperf config expand FILE
model: {{MODEL}}
url: {{URL}}
streaming: true
concurrency: [1, 2, 4, 8]
request-count: 200
warmup-request-count: 10
random-seed: 42
`;

const UPSTREAM = `# aiperf config file in upstream AIPerf's shape (aiperf config init --template goodput_slo)
# Sections: model, benchmark.endpoint, benchmark.dataset, benchmark.phases, benchmark.slos,
# benchmark.artifacts. Flag names (as in the minimal template) may be mixed in.
schemaVersion: "2.0"
randomSeed: 42
benchmark:
  model: {{MODEL}}
  endpoint:
    url: {{URL}}
    type: chat
    streaming: true
    timeout: 120
  dataset:
    type: synthetic
    entries: 500
    prompts:
      isl: {mean: 512, stddev: 64}
      osl: {mean: 128, stddev: 16}
  phases:
    - name: warmup
      kind: warmup
      type: concurrency
      concurrency: 8
      requests: 20
    - name: profiling
      kind: profiling
      type: poisson
      rate: 10
      concurrency: 64
      duration: 60
      gracePeriod: 30
  # A request is good when it meets every SLO (ms): goodput counts those.
  slos:
    time_to_first_token: 500
    inter_token_latency: 50
`;

export const TEMPLATES: Template[] = [
  { name: "minimal", title: "One run, our flag names", text: MINIMAL },
  { name: "sweep", title: "A concurrency sweep (one run per value)", text: SWEEP },
  { name: "goodput_slo", title: "Upstream AIPerf's sections: warmup and profiling phases, SLOs", text: UPSTREAM },
];

/** The template's text with the model and URL in place (YAML-quoted when they need it). */
export function renderTemplate(t: Template, model: string, url: string): string {
  const scalar = (s: string): string => (/^[\w./:@-]+$/.test(s) && !/^[-?:]/.test(s) ? s : JSON.stringify(s));
  return t.text.replaceAll("{{MODEL}}", scalar(model)).replaceAll("{{URL}}", scalar(url));
}
