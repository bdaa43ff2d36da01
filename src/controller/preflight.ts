/**
 * Before any service starts, each --url is checked so that the common mistakes (server down, wrong
 * port, wrong path, missing key, wrong model name) stop the run with one message naming the URL
 * tried and the fix, instead of one error per request after the whole run.
 *
 * The default check sends only GETs, never a generation request: GET <base>/v1/models (reachable,
 * credentials, model listed) and GET on the endpoint path (a 404 there means the path is wrong; a
 * 405 means it exists). Only when the server lists models yet 404s the path's GET (servers that
 * answer 404 for a wrong method, e.g. Go's gin) is one POST sent to tell the two apart.
 * With --wait-for-model-timeout > 0 (upstream's readiness wait) it first polls until the server
 * is ready: "models" = the model is listed (a 404 there: the base URL answers 2xx), "inference" =
 * a 1-token request is answered below 500, "both" = one then the other.
 * Probes carry `x-aiperf-probe: preflight`, time out after PROBE_TIMEOUT_MS, go only to the URLs
 * given, and are not benchmark requests (no record, no metric).
 */
import type { ConsolaInstance } from "consola";
import type { ResolvedProfile } from "../config/resolve.ts";
import { joinEndpointUrl } from "../config/target.ts";
import { BenchError } from "../core/errors.ts";
import { buildRequestBody, endpointFor, endpointPath } from "../endpoints/registry.ts";
import { withoutFetchHint } from "../core/fetch-hint.ts";
import { planHeaders } from "../endpoints/headers.ts";

type PreflightLog = Pick<ConsolaInstance, "info" | "warn" | "debug">;

const PROBE_TIMEOUT_MS = 5_000;

type Answer = { status: number; body: string; contentType: string } | { failure: string; code: string };

/** Runs the readiness wait (if asked) and the checks for every --url; throws CONFIG_INVALID on a definite problem. */
export async function preflight(cfg: ResolvedProfile, log: PreflightLog): Promise<void> {
  if (cfg.noPreflight) {
    log.debug("Pre-flight check skipped (--no-preflight)");
    return;
  }
  const target = new Target(cfg, log);
  for (const base of new Set(cfg.urls)) {
    if (cfg.waitForModelTimeout > 0) await target.waitUntilReady(base);
    await target.check(base);
  }
}

class Target {
  readonly #cfg: ResolvedProfile;
  readonly #log: PreflightLog;
  readonly #path: string;
  readonly #headers: Record<string, string>;
  /** raw and template have no path of their own: the URL is the endpoint, and /v1/models is not theirs. */
  readonly #fullUrl: boolean;

  constructor(cfg: ResolvedProfile, log: PreflightLog) {
    this.#cfg = cfg;
    this.#log = log;
    this.#path = cfg.endpoint ?? endpointPath(cfg.endpointType, cfg.streaming);
    const plan = planHeaders({ streaming: false, apiKey: cfg.apiKey, headers: cfg.header.map(([k, v]) => [k, String(v)]), endpointType: cfg.endpointType });
    this.#headers = { ...plan.base, ...plan.user, "x-aiperf-probe": "preflight" };
    this.#fullUrl = endpointFor(cfg.endpointType).defaultPath === "" && cfg.endpoint === undefined;
  }

  /** The one-shot checks (after any wait). */
  async check(base: string): Promise<void> {
    const endpointUrl = joinEndpointUrl(base, this.#path);
    let listed: string[] | undefined;
    if (!this.#fullUrl) {
      const modelsUrl = joinEndpointUrl(base, "/v1/models");
      const models = await this.#send("GET", modelsUrl);
      if (this.#unreachable(models, modelsUrl) === "slow") return;
      if ("status" in models) {
        this.#auth(models, modelsUrl);
        listed = modelIds(models);
        if (listed !== undefined) this.#checkModels(listed, modelsUrl);
        else this.#log.debug(`Pre-flight: GET ${modelsUrl} answered ${models.status} without a model list; model names not checked`);
      }
    }
    const get = await this.#send("GET", endpointUrl);
    if (this.#unreachable(get, endpointUrl) === "slow" || !("status" in get)) return;
    this.#auth(get, endpointUrl);
    // A base URL with a wrong path prefix: the models list is at the server's root instead.
    const origin = new URL(base).origin;
    if (get.status === 404 && listed === undefined && !this.#fullUrl && origin !== base) {
      const atRoot = await this.#send("GET", `${origin}/v1/models`);
      if ("status" in atRoot && modelIds(atRoot) !== undefined) throw this.#notFound(base, endpointUrl, get);
    }
    if (get.status === 404 && listed !== undefined) {
      // Some servers 404 a GET on a POST-only route: one POST that generates nothing settles it.
      const post = await this.#send("POST", endpointUrl, JSON.stringify({ model: this.#cfg.model[0] }));
      if ("status" in post && post.status === 404) throw this.#notFound(base, endpointUrl, post);
      if ("status" in post) this.#auth(post, endpointUrl);
    }
    if ("status" in get && get.status >= 500) {
      this.#log.warn(
        `Pre-flight: ${endpointUrl} answered HTTP ${get.status}${brief(get.body)}; if the server is still starting, wait for it with --wait-for-model-timeout 600`,
      );
      return;
    }
    this.#log.debug(`Pre-flight: ${endpointUrl} answers (HTTP ${get.status} to GET)`);
  }

  /** Polls until ready per --wait-for-model-mode, or throws once --wait-for-model-timeout has passed. */
  async waitUntilReady(base: string): Promise<void> {
    const cfg = this.#cfg;
    const deadline = performance.now() + cfg.waitForModelTimeout * 1000;
    const inferenceOk = !this.#fullUrl || cfg.endpointType === "template";
    let mode = cfg.waitForModelMode;
    if (mode !== "models" && (!inferenceOk || endpointFor(cfg.endpointType).multipart === true)) {
      this.#log.info(`--wait-for-model-mode ${mode}: ${cfg.endpointType} has no 1-token probe request; waiting for GET /v1/models instead`);
      mode = "models";
    }
    if (mode === "models" || mode === "both") await this.#poll(base, deadline, "models", () => this.#modelsReady(base));
    if (mode === "inference" || mode === "both") await this.#poll(base, deadline, "inference", () => this.#inferenceReady(base));
  }

  async #poll(base: string, deadline: number, what: string, attempt: () => Promise<string | true>): Promise<void> {
    const interval = this.#cfg.waitForModelInterval * 1000;
    let last = "no answer yet";
    for (let n = 1; ; n++) {
      const result = await attempt();
      if (result === true) return;
      last = result;
      this.#log.info(`Waiting for ${base} (${what}, attempt ${n}): ${last}`);
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new BenchError(
          "CONFIG_INVALID",
          `Timed out after ${this.#cfg.waitForModelTimeout} s waiting for ${base} to be ready (--wait-for-model-mode ${what}); last: ${last}`,
          {
            hint: "check the server's log; raise --wait-for-model-timeout if it is still loading",
          },
        );
      }
      await Bun.sleep(Math.min(interval, left));
    }
  }

  async #modelsReady(base: string): Promise<string | true> {
    const url = joinEndpointUrl(base, "/v1/models");
    const answer = await this.#send("GET", url);
    if (!("status" in answer)) return `${url}: ${answer.failure}`;
    this.#auth(answer, url);
    if (answer.status === 404) {
      // No models list on this server: a 2xx from the base URL is the best "up" signal there is.
      const root = await this.#send("GET", base);
      if ("status" in root && root.status >= 200 && root.status < 300) {
        this.#log.info(`${url} is not served (404) but ${base} answers ${root.status}: accepting as ready`);
        return true;
      }
      return `${url} answered 404 and ${base} ${"status" in root ? `answered ${root.status}` : root.failure}`;
    }
    if (answer.status !== 200) return `${url} answered HTTP ${answer.status}${brief(answer.body)}`;
    const ids = modelIds(answer) ?? [];
    const missing = this.#cfg.model.filter((m) => !ids.includes(m));
    if (missing.length === 0) {
      this.#log.info(`Model${this.#cfg.model.length > 1 ? "s" : ""} ${this.#cfg.model.map((m) => `'${m}'`).join(", ")} ready at ${base}`);
      return true;
    }
    return `${missing.map((m) => `'${m}'`).join(", ")} not yet in ${url} (${ids.length === 0 ? "empty" : ids.join(", ")})`;
  }

  async #inferenceReady(base: string): Promise<string | true> {
    const url = joinEndpointUrl(base, this.#path);
    const cfg = this.#cfg;
    const extras = cfg.endpointType === "template" ? cfg.extraInputs : [];
    const body = buildRequestBody(
      cfg.endpointType,
      { model: cfg.model[0] as string, texts: ["Hello", "Hello"], maxTokens: 1 },
      { streaming: false, useLegacyMaxTokens: cfg.useLegacyMaxTokens },
      extras,
    );
    const answer = await this.#send("POST", url, JSON.stringify(body));
    if (!("status" in answer)) return `${url}: ${answer.failure}`;
    if (answer.status >= 500) return `${url} returned ${answer.status}${brief(answer.body)}`;
    this.#log.info(`Inference probe ready: ${url} answered ${answer.status}`);
    return true;
  }

  /** A transport failure: refused or unresolvable is definite (throws); a timeout or reset only warns. */
  #unreachable(answer: Answer, url: string): "ok" | "slow" {
    if ("status" in answer) return "ok";
    if (answer.code === "TimeoutError" || answer.code === "ECONNRESET") {
      this.#log.warn(`Pre-flight: ${url}: ${answer.failure}; going ahead without checking the target`);
      return "slow";
    }
    const hint =
      answer.code === "ENOTFOUND"
        ? "check the host name in -u/--url"
        : "is the server running, and listening on that host and port? Give its address with -u/--url, e.g. -u http://localhost:8000; --wait-for-model-timeout waits for a server still starting";
    throw new BenchError("CONFIG_INVALID", `Cannot reach ${url}: ${answer.failure}`, { hint });
  }

  #auth(answer: { status: number; body: string }, url: string): void {
    if (answer.status !== 401 && answer.status !== 403) return;
    const sent = this.#cfg.apiKey !== undefined || Object.keys(this.#headers).some((h) => h === "authorization" || h === "x-api-key");
    throw new BenchError("CONFIG_INVALID", `${url} refused the request: HTTP ${answer.status}${brief(answer.body)}`, {
      hint: `${sent ? "the server did not accept the credentials sent: check the key given with --api-key (or the -H credential header)" : "the server needs credentials: give its key with --api-key KEY"}; --no-preflight skips this check`,
    });
  }

  #checkModels(ids: string[], url: string): void {
    const missing = this.#cfg.model.filter((m) => !ids.includes(m));
    if (missing.length === 0) return;
    const served = ids.length === 0 ? "no models (is it still loading? --wait-for-model-timeout waits)" : ids.join(", ");
    if (missing.length === this.#cfg.model.length) {
      throw new BenchError("CONFIG_INVALID", `Model ${missing.map((m) => `"${m}"`).join(", ")} is not served by ${url}; it serves: ${served}`, {
        hint: ids.length === 0 ? "skip this check with --no-preflight" : `give -m one of the names listed, e.g. -m ${ids[0]} (--no-preflight skips this check)`,
      });
    }
    this.#log.warn(
      `Pre-flight: ${url} does not list ${missing.map((m) => `"${m}"`).join(", ")} (it serves: ${served}); requests for ${missing.length === 1 ? "it" : "them"} may fail`,
    );
  }

  #notFound(base: string, url: string, answer: { status: number; body: string }): BenchError {
    if (/model/i.test(answer.body)) {
      return new BenchError("CONFIG_INVALID", `${url} answered HTTP 404 for model "${this.#cfg.model[0]}"${brief(answer.body)}`, {
        hint: "give -m a model name the server serves (GET /v1/models lists them)",
      });
    }
    const basePath = new URL(base).pathname.replace(/\/+$/, "");
    const hint =
      basePath !== ""
        ? `-u should be the server's address, e.g. -u ${new URL(base).origin} (a base ending in /v1 is fine): the endpoint path ${this.#path} is added to it; or set the path with --endpoint`
        : `--endpoint-type ${this.#cfg.endpointType} sends to ${this.#path}; if the server serves it elsewhere, give the path with --endpoint (or pick another --endpoint-type)`;
    return new BenchError("CONFIG_INVALID", `${url} does not exist on the server (HTTP 404)`, { hint });
  }

  async #send(method: "GET" | "POST", url: string, body?: string): Promise<Answer> {
    const started = performance.now();
    try {
      const res = await fetch(url, { method, headers: this.#headers, body, redirect: "manual", signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      const text = (await res.text()).slice(0, 4096);
      this.#log.debug(`Pre-flight: ${method} ${url} → ${res.status} in ${(performance.now() - started).toFixed(0)} ms`);
      return { status: res.status, body: text, contentType: res.headers.get("content-type") ?? "" };
    } catch (error) {
      const code = error instanceof Error ? (((error as { code?: unknown }).code as string | undefined) ?? error.name) : "Error";
      if (code === "TimeoutError") return { code, failure: `no answer within ${PROBE_TIMEOUT_MS / 1000} s` };
      return { code, failure: describeFailure(code, error) };
    }
  }
}

/** The ids of an OpenAI-style model list, or undefined when the body is not one. */
function modelIds(answer: { status: number; body: string }): string[] | undefined {
  if (answer.status !== 200) return undefined;
  try {
    const data = (JSON.parse(answer.body) as { data?: unknown }).data;
    if (!Array.isArray(data)) return undefined;
    return data.map((m) => (m as { id?: unknown }).id).filter((id): id is string => typeof id === "string");
  } catch {
    return undefined;
  }
}

function describeFailure(code: string, error: unknown): string {
  if (code === "ECONNREFUSED") return "connection refused (nothing is listening there)";
  if (code === "ENOTFOUND") return "the host name does not resolve";
  return error instanceof Error ? withoutFetchHint(error.message) : String(error);
}

/** The server's own words, shortened: an error body often names the problem exactly. */
function brief(body: string): string {
  let text = body.trim();
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown; detail?: unknown };
    const e = parsed.error;
    const message =
      typeof e === "string"
        ? e
        : typeof e?.message === "string"
          ? e.message
          : typeof parsed.message === "string"
            ? parsed.message
            : typeof parsed.detail === "string"
              ? parsed.detail
              : undefined;
    if (message !== undefined) text = message;
  } catch {}
  text = text.replace(/\s+/g, " ");
  return text === "" ? "" : ` (${text.length > 200 ? `${text.slice(0, 200)}…` : text})`;
}
