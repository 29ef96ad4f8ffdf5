// The prediction server: Fastify routes for predictions, model listing, health, readiness and metrics.
// Models are resolved through a ModelSource on every request, so promoting an alias takes effect on
// the next request while requests already running finish on the version they resolved.
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import type FastifyModule from "fastify";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from "fastify";
import type { BatchingOptions } from "./batcher.js";
import { HttpError, notFound } from "./errors.js";
import { inputsToFeatures, rowsToFeatures } from "./features.js";
import { ServeMetrics } from "./metrics.js";
import { ModelCache } from "./model-cache.js";
import type { ModelSelector, ModelSource } from "./model-source.js";
import {
  checkResponse, errorResponse, modelsResponse, parsePredictBody, parseRequest, predictParams, predictResponse, statusResponse,
} from "./schemas.js";
import { toPredictions } from "./served-model.js";

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
}

/** What a request's metrics are labelled with besides route and status. */
interface RequestFacts {
  model?: string;
  version?: number;
  errorCode?: string;
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

/**
 * Builds the prediction server (not listening: call `listen` or use `inject`). Routes:
 * `POST /v1/models/:name/predict` (the default alias), `/v1/models/:name/versions/:version/predict`,
 * `/v1/models/:name/aliases/:alias/predict`, `GET /v1/models`, `/healthz`, `/readyz`, `/metrics`.
 */
export function createServer(opts: ServerOptions): FastifyInstance {
  const { models } = opts;
  const maxRows = opts.maxRows ?? 10_000;
  const defaultAlias = opts.defaultAlias ?? "production";
  const metrics = new ServeMetrics();
  const cache = new ModelCache({
    maxModels: opts.maxModels,
    batching: opts.batching,
    onBatch: (m, rows) => metrics.batchRows.observe({ model: m.name, version: String(m.version) }, rows),
    onLoad: (m) => metrics.modelLoads.inc({ model: m.name, version: String(m.version) }),
  });
  // Fastify loads when a server is created, not when `ingot` is imported
  const Fastify = createRequire(import.meta.url)("fastify") as typeof FastifyModule;
  const app = Fastify({ bodyLimit: opts.bodyLimit ?? 1 << 20, logger: opts.logger ?? false, genReqId: () => randomUUID() });
  (app as unknown as Record<symbol, ServeState>)[STATE] = { metrics, cache };
  const facts = new WeakMap<FastifyRequest, RequestFacts>();
  const factsOf = (req: FastifyRequest): RequestFacts => {
    let f = facts.get(req);
    if (!f) facts.set(req, (f = {}));
    return f;
  };

  const sendError = (req: FastifyRequest, reply: FastifyReply, status: number, code: string, message: string, field?: string): FastifyReply => {
    factsOf(req).errorCode = code;
    const body = { error: { code, message, ...(field !== undefined && { field }), ...(status >= 500 && { requestId: String(req.id) }) } };
    return reply.code(status).type("application/json").send(checkResponse(errorResponse, body));
  };

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof HttpError) return sendError(req, reply, err.status, err.code, err.message, err.field);
    const status = err.statusCode ?? 500;
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

  const predict = async (req: FastifyRequest, selector: ModelSelector): Promise<unknown> => {
    const { name } = parseRequest(predictParams, req.params);
    const body = parsePredictBody(req.body, maxRows);
    const ref = await models.resolve(name, selector);
    if (!ref) {
      const what = "version" in selector ? `version ${selector.version}` : `alias "${selector.alias}"`;
      throw notFound(`no model "${name}" with ${what}`);
    }
    const f = factsOf(req);
    f.model = ref.name;
    f.version = ref.version;
    const lease = await cache.acquire(ref);
    try {
      const m = lease.model;
      const x = "rows" in body ? rowsToFeatures(body.rows, m.preprocessor, m.textField) : inputsToFeatures(body.inputs, m.inputWidth);
      const out = await lease.forward(x);
      metrics.predictions.inc({ model: ref.name, version: String(ref.version) }, x.rows);
      return checkResponse(predictResponse, { model: ref.name, version: ref.version, predictions: toPredictions(m, out) });
    } finally {
      lease.release();
    }
  };

  app.post("/v1/models/:name/predict", (req) => predict(req, { alias: defaultAlias }));
  app.post("/v1/models/:name/versions/:version/predict", (req) => predict(req, { version: Number(parseRequest(predictParams, req.params).version) }));
  app.post("/v1/models/:name/aliases/:alias/predict", (req) => predict(req, { alias: parseRequest(predictParams, req.params).alias! }));

  app.get("/v1/models", async () => checkResponse(modelsResponse, { models: await models.list() }));
  app.get("/healthz", async () => checkResponse(statusResponse, { status: "ok" }));
  app.get("/readyz", async (req, reply) => {
    try {
      await models.list();
      return checkResponse(statusResponse, { status: "ready" });
    } catch (err) {
      req.log.warn({ err }, "not ready: the model source cannot list models");
      return reply.code(503).send(checkResponse(statusResponse, { status: "unavailable" }));
    }
  });
  app.get("/metrics", async (_req, reply) => reply.type("text/plain; version=0.0.4; charset=utf-8").send(metrics.render()));
  app.addHook("onClose", async () => cache.clear());
  return app;
}
