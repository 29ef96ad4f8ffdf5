// The prediction server: Fastify routes for predictions, model listing, health, readiness and metrics.
// Models are resolved through a ModelSource on every request, so promoting an alias takes effect on
// the next request while requests already running finish on the version they resolved.
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import type FastifyModule from "fastify";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from "fastify";
import type { ApiKeyStore } from "./auth/api-keys.js";
import type { BatchingOptions } from "./batcher.js";
import { clientErrorHandler } from "./client-errors.js";
import { describeValue, HttpError, notFound } from "./errors.js";
import type { PredictObserver } from "./events.js";
import { inputsToFeatures, rowsToFeatures } from "./features.js";
import { parseJsonBody } from "./json-body.js";
import { ServeMetrics } from "./metrics.js";
import { ModelCache } from "./model-cache.js";
import type { ModelSelector, ModelSource } from "./model-source.js";
import { documented, registerDocs, routeSchemas } from "./openapi.js";
import type { PluginContext, ServerPlugin } from "./plugin.js";
import { predictEvent } from "./predict-events.js";
import { registerRateLimit, type RateLimitOptions } from "./rate-limit.js";
import {
  checkResponse, errorResponse, modelsResponse, parsePredictBody, parseRequest, predictParams, predictResponse, statusResponse, type PredictBody,
} from "./schemas.js";
import { RequestAuth, type ProtectedRoutes } from "./security.js";
import { toPredictions, type Prediction } from "./served-model.js";

/** Options for createServer. */
export interface ServerOptions {
  /** Where models are found (the registry, or an InMemoryModelSource). */
  models: ModelSource;
  /** Largest request body in bytes (default 1 MiB); bigger bodies get 413. */
  bodyLimit?: number;
  /** Fastify's logger option: false (default), true, or pino options such as {level, stream}. */
  logger?: FastifyServerOptions["logger"];
  /** Most rows in one predict request (default 10,000). */
  maxRows?: number;
  /** The alias `POST /v1/models/:name/predict` uses (default "production"). */
  defaultAlias?: string;
  /** Micro-batching limits (default {maxBatch: 64, maxWaitMs: 0}), or false. */
  batching?: BatchingOptions | false;
  /** Most model versions kept loaded (default 8). */
  maxModels?: number;
  /** Worker threads running forward passes, handed to the model cache. */
  workers?: number;
  /** API keys: when given, every /v1 route needs a key with scope `predict` (admin implies it). */
  apiKeys?: ApiKeyStore;
  /** Scopes `/metrics` and `/docs` need when apiKeys is given (default: both open). */
  protect?: ProtectedRoutes;
  /** Request rate limits, per API key or per client IP. Keys' own limits apply whenever apiKeys is given. */
  rateLimit?: RateLimitOptions;
  /** Cross-origin requests from browsers (default off): the allowed origins, or true for any. */
  cors?: { origin: string[] | boolean };
  /** Serve HTTPS with this PEM key and certificate. */
  https?: { key: string | Buffer; cert: string | Buffer };
  /** The OpenAPI spec at `/docs/json` and its UI at `/docs` (default true). */
  docs?: boolean;
  /** Called once per predict request, after its response (errors included); must not throw. */
  onPredict?: PredictObserver;
  /** More routes (dashboard, monitoring, LLM endpoints), sharing errors, auth, rate limits, CORS and metrics. */
  plugins?: ServerPlugin[];
}

/** What a request's metrics are labelled with besides route and status. */
interface RequestFacts {
  model?: string;
  version?: number;
  errorCode?: string;
  /** The predict body, once it parsed. */
  body?: PredictBody;
  /** The predictions sent. */
  predictions?: Prediction[];
}

/** The server's metrics and model cache, reachable from the instance (for tests and the CLI). */
export interface ServeState {
  metrics: ServeMetrics;
  cache: ModelCache;
}

const STATE = Symbol("ingot.serve");

/** The metrics and model cache of a server made by createServer. */
export function serveState(app: FastifyInstance): ServeState {
  const s = (app as unknown as Record<symbol, ServeState | undefined>)[STATE];
  if (!s) throw new TypeError("serveState: not a server made by createServer");
  return s;
}

function clientErrorCode(err: FastifyError, status: number): string {
  if (status === 413) return "payload_too_large";
  if (status === 415) return "unsupported_media_type";
  if (err.code === "FST_ERR_CTP_INVALID_JSON_BODY" || err instanceof SyntaxError) return "malformed_json";
  if (err.code === "FST_ERR_CTP_EMPTY_JSON_BODY") return "empty_body";
  return "bad_request";
}

/** Marks a plugin function as sharing its parent's scope (what fastify-plugin does), so its hooks apply to every route. */
function shared<T extends (app: FastifyInstance) => Promise<void>>(fn: T): T {
  return Object.assign(fn, { [Symbol.for("skip-override")]: true });
}

function checkCors(cors: { origin: unknown }): void {
  const o = cors.origin;
  if (typeof o !== "boolean" && !(Array.isArray(o) && o.every((x) => typeof x === "string" && /^https?:\/\/[^/\s]+$/.test(x)))) {
    throw new TypeError(`cors.origin must be true, false or origins like "https://app.example.com", got ${describeValue(o)}`);
  }
}

/**
 * Builds the prediction server (not listening: call `listen` or use `inject`). Routes:
 * `POST /v1/models/:name/predict` (the default alias), `/v1/models/:name/versions/:version/predict`,
 * `/v1/models/:name/aliases/:alias/predict`, `GET /v1/models`, `/healthz`, `/readyz`, `/metrics`, and
 * the OpenAPI spec and UI under `/docs`, plus the routes of `plugins`.
 */
export function createServer(opts: ServerOptions): FastifyInstance {
  const { models } = opts;
  const maxRows = opts.maxRows ?? 10_000;
  const defaultAlias = opts.defaultAlias ?? "production";
  if (opts.cors) checkCors(opts.cors);
  const metrics = new ServeMetrics();
  const cache = new ModelCache({
    maxModels: opts.maxModels,
    batching: opts.batching,
    workers: opts.workers,
    onBatch: (m, rows) => metrics.batchRows.observe({ model: m.name, version: String(m.version) }, rows),
    onLoad: (m) => metrics.modelLoads.inc({ model: m.name, version: String(m.version) }),
  });
  // Fastify and its plugins load when a server is created, not when `ingot` is imported
  const load = createRequire(import.meta.url);
  const Fastify = load("fastify") as typeof FastifyModule;
  const app = Fastify({
    bodyLimit: opts.bodyLimit ?? 1 << 20, logger: opts.logger ?? false, genReqId: () => randomUUID(), clientErrorHandler, ...(opts.https && { https: opts.https }),
  }) as unknown as FastifyInstance;
  (app as unknown as Record<symbol, ServeState>)[STATE] = { metrics, cache };
  const auth = new RequestAuth(opts.apiKeys, opts.protect);
  const facts = new WeakMap<FastifyRequest, RequestFacts>();
  const factsOf = (req: FastifyRequest): RequestFacts => {
    let f = facts.get(req);
    if (!f) facts.set(req, (f = {}));
    return f;
  };

  const sendError = (req: FastifyRequest, reply: FastifyReply, status: number, code: string, message: string, field?: string): FastifyReply => {
    factsOf(req).errorCode = code;
    if (status === 401) reply.header("www-authenticate", 'Bearer realm="ingot"');
    const body = { error: { code, message, ...(field !== undefined && { field }), ...(status >= 500 && { requestId: String(req.id) }) } };
    return reply.code(status).type("application/json").send(checkResponse(errorResponse, body));
  };

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof HttpError) return sendError(req, reply, err.status, err.code, err.message, err.field);
    const status = err.statusCode ?? 500;
    if (status === 415) {
      const type = req.headers["content-type"];
      return sendError(req, reply, 415, "unsupported_media_type", `content-type ${describeValue(type ?? "")} is not supported here; send application/json`);
    }
    if (status >= 400 && status < 500) return sendError(req, reply, status, clientErrorCode(err, status), err.message);
    // the stack and message go to the log only; the client gets the request id to quote
    req.log.error({ err, requestId: req.id }, "request failed");
    return sendError(req, reply, 500, "internal", "internal server error; quote the requestId when reporting it");
  });

  app.setNotFoundHandler((req, reply) => sendError(req, reply, 404, "route_not_found", `no route ${req.method} ${req.url.split("?")[0]}`));

  app.addHook("onResponse", async (req, reply) => {
    const route = req.routeOptions.url ?? "unmatched";
    const f = facts.get(req) ?? {};
    const model = f.model ?? "";
    const version = f.version === undefined ? "" : String(f.version);
    const status = reply.statusCode;
    metrics.requests.inc({ route, method: req.method, status: String(status), model, version });
    metrics.latency.observe({ route, model, version }, reply.elapsedTime / 1000);
    if (status >= 400) metrics.errors.inc({ route, kind: status >= 500 ? "server" : "client", code: f.errorCode ?? "unknown" });
  });

  // Order matters: CORS answers preflights first; the key is read before rate limiting (keyed by it)
  // and enforced after it (preParsing: before a body is read), so bad tokens are limited by IP.
  if (opts.cors) {
    app.register(load("@fastify/cors") as typeof import("@fastify/cors").default, {
      origin: opts.cors.origin, methods: ["GET", "HEAD", "POST"], strictPreflight: false, maxAge: 600,
      exposedHeaders: ["retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"],
    });
  }
  app.register(shared(async (root) => {
    root.addHook("onRequest", async (req) => {
      await auth.identify(req);
    });
    root.addHook("preParsing", async (req) => {
      const scope = auth.requiredScope(req.routeOptions.url);
      if (scope) await auth.authorize(req, scope);
    });
  }));
  registerRateLimit(app, opts.rateLimit, auth, load);
  if (opts.docs !== false) registerDocs(app, { apiKeys: auth.enabled, load });

  const observe = (req: FastifyRequest, reply: FastifyReply): void => {
    if (!opts.onPredict) return;
    try {
      opts.onPredict(predictEvent(req, reply, facts.get(req) ?? {}));
    } catch (err) {
      req.log.error({ err }, "onPredict observer failed; the request was not affected");
    }
  };

  const predict = async (req: FastifyRequest, selector: ModelSelector): Promise<unknown> => {
    const { name } = parseRequest(predictParams, req.params);
    const body = parsePredictBody(req.body, maxRows);
    const f = factsOf(req);
    f.body = body;
    const ref = await models.resolve(name, selector);
    if (!ref) {
      const what = "version" in selector ? `version ${selector.version}` : `alias "${selector.alias}"`;
      throw notFound(`no model "${name}" with ${what}`);
    }
    f.model = ref.name;
    f.version = ref.version;
    const lease = await cache.acquire(ref);
    try {
      const m = lease.model;
      const x = "rows" in body ? rowsToFeatures(body.rows, m.preprocessor, m.textField) : inputsToFeatures(body.inputs, m.inputWidth);
      const out = await lease.forward(x);
      metrics.predictions.inc({ model: ref.name, version: String(ref.version) }, x.rows);
      const response = checkResponse(predictResponse, { model: ref.name, version: ref.version, predictions: toPredictions(m, out) });
      f.predictions = response.predictions;
      return response;
    } finally {
      lease.release();
    }
  };

  app.register(async (core) => {
    // predict bodies are JSON only: a text/plain body is a 415, not a string that fails later
    core.removeContentTypeParser(["text/plain", "application/json"]);
    core.addContentTypeParser("application/json", { parseAs: "string" }, (_req, text, done) => {
      try {
        done(null, parseJsonBody(text as string));
      } catch (e) {
        done(e as Error, undefined);
      }
    });
    const schemas = routeSchemas(maxRows);
    const predictRoute = (schema: typeof schemas.predictAlias): ReturnType<typeof documented> => ({ ...documented(schema), onResponse: async (req, reply) => observe(req, reply) });
    core.post("/v1/models/:name/predict", predictRoute(schemas.predictAlias), (req) => predict(req, { alias: defaultAlias }));
    core.post("/v1/models/:name/versions/:version/predict", predictRoute(schemas.predictVersion), (req) => predict(req, { version: Number(parseRequest(predictParams, req.params).version) }));
    core.post("/v1/models/:name/aliases/:alias/predict", predictRoute(schemas.predictNamedAlias), (req) => predict(req, { alias: parseRequest(predictParams, req.params).alias! }));

    core.get("/v1/models", documented(schemas.models), async () => checkResponse(modelsResponse, { models: await models.list() }));
    const unlimited = { config: { rateLimit: false as const } };
    core.get("/healthz", { ...documented(schemas.healthz), ...unlimited }, async () => checkResponse(statusResponse, { status: "ok" }));
    core.get("/readyz", { ...documented(schemas.readyz), ...unlimited }, async (req, reply) => {
      try {
        await models.list();
        return checkResponse(statusResponse, { status: "ready" });
      } catch (err) {
        req.log.warn({ err }, "not ready: the model source cannot list models");
        return reply.code(503).send(checkResponse(statusResponse, { status: "unavailable" }));
      }
    });
    core.get("/metrics", documented(schemas.metrics), async (_req, reply) => reply.type("text/plain; version=0.0.4; charset=utf-8").send(metrics.render()));
  });

  const ctx: PluginContext = { authorize: (req, scope) => auth.authorize(req, scope) };
  for (const plugin of opts.plugins ?? []) app.register(async (child) => plugin(child, ctx));
  app.addHook("onClose", async () => cache.clear());
  return app;
}
