// Everything `ingot serve` and `ingot up` run in one process: the registry as the model source, API keys,
// rate limits, the prediction monitor fed by the server's predict events, and the dashboard.
import { readFile } from "node:fs/promises";
import type { FastifyInstance } from "fastify";
import { dashboardPlugin } from "../dashboard/index.js";
import { openaiPlugin, registryLlmSource, type LlmSource } from "../llm/index.js";
import { createMonitor, monitorPlugin, type PredictionMonitor } from "../monitor/index.js";
import { openRegistry, type Registry } from "../registry/index.js";
import { apiKeysPath, openApiKeys, type ApiKeyStore } from "../serve/auth/index.js";
import { createServer, registryModelSource, type ServerOptions } from "../serve/index.js";
import type { ServerPlugin } from "../serve/plugin.js";

/** How to run the platform server. */
export interface PlatformOptions {
  /** The registry folder (default `.ingot`, or $INGOT_HOME). */
  root?: string;
  /** A PostgreSQL URL for the registry metadata (default $INGOT_DATABASE_URL, else SQLite under root). */
  databaseUrl?: string;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Port (default 8080; 0 picks a free one). */
  port?: number;
  /** Inference worker threads (default 0: in the event loop's thread). */
  workers?: number;
  /** Require API keys on /v1 routes: "auto" (default) when the key file holds any active key. */
  auth?: boolean | "auto";
  /** Origins allowed by CORS (default none). */
  corsOrigins?: string[];
  /** PEM files for HTTPS. */
  tls?: { keyFile: string; certFile: string };
  /** Requests per minute per key (or per IP without keys). */
  rateLimit?: number;
  /** Keep rate-limit counters in this Redis, shared by several servers. */
  redisUrl?: string;
  /** Serve the dashboard at `/` (default true). */
  dashboard?: boolean;
  /** Log predictions and watch drift (default true). */
  monitor?: boolean;
  /** Where drift alerts are POSTed. */
  webhookUrl?: string;
  /** Share of input rows logged for drift (default 1). */
  sampleRate?: number;
  /** Serve the registry's GGUF models through the OpenAI-compatible routes under /openai/v1 (default true). */
  llm?: boolean;
  /** Where the server's own lines go (default stderr). */
  log?: (line: string) => void;
}

/** A running platform server. */
export interface RunningPlatform {
  /** Base URL, e.g. http://127.0.0.1:8080. */
  url: string;
  app: FastifyInstance;
  registry: Registry;
  keys: ApiKeyStore;
  monitor: PredictionMonitor | null;
  /** Whether /v1 routes need an API key. */
  authRequired: boolean;
  /** Stops accepting requests, finishes those in flight, flushes the monitor, closes the registry. */
  close(): Promise<void>;
}

/** Opens the registry named by the options (SQLite under root, or PostgreSQL). */
export function openPlatformRegistry(opts: Pick<PlatformOptions, "root" | "databaseUrl">): Registry {
  const root = opts.root ?? process.env.INGOT_HOME ?? ".ingot";
  return openRegistry({ root, ...(opts.databaseUrl !== undefined && { databaseUrl: opts.databaseUrl }) });
}

/** Starts the prediction server with keys, limits, monitoring and the dashboard, listening. */
export async function startPlatform(opts: PlatformOptions = {}): Promise<RunningPlatform> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const registry = openPlatformRegistry(opts);
  let monitor: PredictionMonitor | null = null;
  let llms: LlmSource | null = null;
  try {
    const keys = await openApiKeys(apiKeysPath(registry.root));
    const active = (await keys.list()).filter((k) => !k.revokedAt);
    const authRequired = opts.auth === true || ((opts.auth ?? "auto") === "auto" && active.length > 0);
    if (opts.monitor !== false) {
      monitor = createMonitor({
        root: registry.root,
        modelDir: async (name, version) => registry.versionPath(name, version),
        checkEveryMs: 60_000,
        log,
        ...(opts.webhookUrl !== undefined && { webhookUrl: opts.webhookUrl }),
        ...(opts.sampleRate !== undefined && { sampleRate: opts.sampleRate }),
      });
    }
    const plugins: ServerPlugin[] = [];
    if (monitor) plugins.push(monitorPlugin(monitor));
    if (opts.dashboard !== false) plugins.push(dashboardPlugin({ registry, ...(monitor && { monitor }) }));
    // engines load on the first request that names them, so this costs nothing without LLMs
    if (opts.llm !== false) plugins.push(openaiPlugin({ models: (llms = registryLlmSource(registry)) }));
    const serverOpts: ServerOptions = {
      models: registryModelSource(registry),
      plugins,
      ...(authRequired && { apiKeys: keys }),
      ...(monitor && { onPredict: monitor.observe }),
      ...(opts.workers !== undefined && { workers: opts.workers }),
      ...(opts.corsOrigins && { cors: { origin: opts.corsOrigins } }),
      ...(opts.rateLimit !== undefined && { rateLimit: { max: opts.rateLimit, ...(opts.redisUrl !== undefined && { redisUrl: opts.redisUrl }) } }),
      ...(opts.tls && { https: { key: await readFile(opts.tls.keyFile), cert: await readFile(opts.tls.certFile) } }),
    };
    const app = createServer(serverOpts);
    const host = opts.host ?? "127.0.0.1";
    await app.listen({ host, port: opts.port ?? 8080 });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : (opts.port ?? 8080);
    const url = `${opts.tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`;
    const m = monitor;
    const l = llms;
    return {
      url,
      app,
      registry,
      keys,
      monitor,
      authRequired,
      close: async () => {
        await app.close();
        await l?.close();
        await m?.close();
        await registry.close();
      },
    };
  } catch (e) {
    await llms?.close();
    await monitor?.close();
    await registry.close();
    throw e;
  }
}
