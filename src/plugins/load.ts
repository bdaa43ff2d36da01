/**
 * Loads --plugin files into this process's registries. The controller loads them before it
 * validates the flags (so plugin names are valid names), and every role that uses a registry
 * loads them again in its own process (runtime/service-process.ts reads AIPERF_PLUGINS). Bun
 * imports .ts itself, also inside the compiled binary, so no toolchain is needed on the host.
 *
 * Containment: a file that is missing, throws at import or exports the wrong shape is one
 * start-up error naming the file (exit 2). Plugin code that throws later is wrapped here so it
 * names the plugin: an endpoint's parser or a transport → error records; a dataset loader →
 * the dataset's input error; a metric → that metric left out (metrics/plugin-metrics.ts).
 */
import { existsSync, statSync } from "node:fs";
import { basename, extname, resolve } from "node:path";
import { monoNs, wallNs } from "../core/clock.ts";
import { BenchError } from "../core/errors.ts";
import { VERSION } from "../core/version.ts";
import { DatasetInputError, type LoaderContext, type Piece, registerDatasetFormat } from "../dataset/loaders/index.ts";
import { EndpointInputError } from "../endpoints/raw.ts";
import { registerEndpoint } from "../endpoints/registry.ts";
import { type Captured, type CaptureRequest, registerTransport } from "../endpoints/transport.ts";
import type { Endpoint } from "../endpoints/types.ts";
import { MetricFlag } from "../metrics/flags.ts";
import { registerMetric } from "../metrics/plugin-metrics.ts";
import type { Plugin, PluginHost } from "./api.ts";
import { checkPlugin } from "./check.ts";

/** The environment variable that hands the controller's plugin files to its service processes. */
const PLUGINS_ENV = "AIPERF_PLUGINS";

const EXTENSIONS = new Set([".ts", ".mts", ".js", ".mjs"]);

type LoadedPlugin = { path: string; name: string; plugin: Plugin };

/** Files loaded in this process, by absolute path: loading one again is a no-op. */
const LOADED = new Map<string, LoadedPlugin>();

const HOST: PluginHost = { monoNs, wallNs, flags: MetricFlag, version: VERSION };

/** Loads each file (paths relative to `cwd`), registers what it adds, and records them in AIPERF_PLUGINS. */
export async function loadPlugins(paths: readonly string[], cwd = process.cwd()): Promise<LoadedPlugin[]> {
  const out: LoadedPlugin[] = [];
  for (const given of paths) out.push(await loadOne(resolve(cwd, given), given));
  if (LOADED.size > 0) process.env[PLUGINS_ENV] = JSON.stringify([...LOADED.keys()]);
  return out;
}

/** In a service process: the files the controller loaded (absolute paths), if any. */
export async function loadPluginsFromEnv(env: Record<string, string | undefined> = process.env): Promise<void> {
  const text = env[PLUGINS_ENV];
  if (text === undefined || text === "") return;
  const paths: unknown = JSON.parse(text);
  if (!Array.isArray(paths) || !paths.every((p) => typeof p === "string")) throw new Error(`${PLUGINS_ENV} is not a JSON list of paths`);
  await loadPlugins(paths);
}

async function loadOne(path: string, given: string): Promise<LoadedPlugin> {
  const done = LOADED.get(path);
  if (done !== undefined) return done;
  const fail = (why: string, hint = "check the file, or leave the --plugin out"): BenchError =>
    new BenchError("CONFIG_INVALID", `Plugin ${given}: ${why}`, { hint });
  if (!existsSync(path))
    throw fail(
      `no such file (${path})`,
      "give --plugin the path of a .ts or .js file (relative to the working directory, or to the config file that names it)",
    );
  if (statSync(path).isDirectory()) throw fail("is a directory", "give --plugin the path of a .ts or .js file");
  if (!EXTENSIONS.has(extname(path).toLowerCase()))
    throw fail(`not a TypeScript or JavaScript file (${extname(path) || "no extension"})`, "plugins are .ts, .mts, .js or .mjs files");
  let mod: { default?: unknown };
  try {
    mod = (await import(path)) as { default?: unknown };
  } catch (error) {
    throw fail(`failed to load: ${describe(error)}`);
  }
  let plugin: unknown = mod.default;
  try {
    if (typeof plugin === "function") plugin = await (plugin as (host: PluginHost) => unknown)(HOST);
  } catch (error) {
    throw fail(`its default export threw: ${describe(error)}`);
  }
  const problem = checkPlugin(plugin);
  if (problem !== undefined) throw fail(problem, "see docs/plugins.md for the shape of a plugin");
  const p = plugin as Plugin;
  try {
    register(p, path);
  } catch (error) {
    throw fail(describe(error));
  }
  const loaded = { path, name: p.name ?? basename(path), plugin: p };
  LOADED.set(path, loaded);
  return loaded;
}

function register(p: Plugin, origin: string): void {
  for (const e of p.endpoints ?? []) registerEndpoint(contained(e, origin), origin);
  for (const f of p.datasetFormats ?? []) registerDatasetFormat(f.name, containedLoader(f.name, f.load, origin), origin);
  for (const m of p.metrics ?? []) registerMetric(m, origin);
  for (const t of p.transports ?? []) registerTransport(t.name, containedTransport(t.name, t.capture, origin), origin);
}

/** The type of error records a plugin's code causes, so they group under it in the error summary. */
class PluginError extends Error {
  override name = "PluginError";
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** An endpoint whose code names the plugin when it throws: a bad body fails the dataset, a bad parse one record. */
function contained(e: Endpoint, origin: string): Endpoint {
  const say = (fn: string, error: unknown): string => `plugin ${origin}: endpoint "${e.name}" ${fn} threw: ${describe(error)}`;
  return {
    ...e,
    buildBody(turn, opts) {
      try {
        return e.buildBody(turn, opts);
      } catch (error) {
        throw new EndpointInputError(say("buildBody", error));
      }
    },
    parseResponse(payload, event, opts) {
      try {
        return e.parseResponse(payload, event, opts);
      } catch (error) {
        throw new PluginError(say("parseResponse", error));
      }
    },
  };
}

function containedLoader(name: string, load: (ctx: LoaderContext) => AsyncIterable<Piece>, origin: string): (ctx: LoaderContext) => AsyncIterable<Piece> {
  return async function* (ctx) {
    try {
      yield* load(ctx);
    } catch (error) {
      if (error instanceof DatasetInputError) throw error;
      throw new DatasetInputError(ctx.path, undefined, `plugin ${origin}: dataset format "${name}" threw: ${describe(error)}`);
    }
  };
}

/** A transport that throws (or returns nothing) gives an error record, never a lost credit. */
function containedTransport(
  name: string,
  fn: (req: CaptureRequest, signal: AbortSignal) => Promise<Captured>,
  origin: string,
): (req: CaptureRequest, signal: AbortSignal) => Promise<Captured> {
  return async (req, signal) => {
    const startNs = monoNs();
    const wallStartNs = wallNs();
    try {
      const out = await fn(req, signal);
      if (typeof out === "object" && out !== null && typeof out.startNs === "number") return out;
      throw new Error("it returned no capture");
    } catch (error) {
      const now = monoNs();
      const message = `plugin ${origin}: transport "${name}" threw: ${describe(error)}`;
      return {
        startNs,
        wallStartNs,
        ackNs: null,
        endNs: now,
        status: null,
        statusText: "",
        contentType: "",
        chunkNs: [],
        chunks: [],
        error: { code: null, type: "PluginError", message },
      };
    }
  };
}
