// OpenAI-compatible routes as a createServer plugin: chat completions, completions, embeddings and the
// model list, under their own prefix (default /openai/v1) because the server's `GET /v1/models` already
// lists classic models in Ingot's shape. Point an OpenAI client's baseURL at `<server>/openai/v1`.
// Every route needs a `predict` API key (when the server has keys), shares the server's rate limits,
// answers errors in OpenAI's shape and adds LLM metrics to the server's /metrics.
import { randomUUID } from "node:crypto";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { serveState } from "../../serve/server.js";
import type { PluginContext, ServerPlugin } from "../../serve/plugin.js";
import type { LlmGenerateOptions, GenerateResult, LlmEngine } from "../engine.js";
import { LlmError } from "../errors.js";
import { LlmSourceError, type LlmLease, type LlmSource } from "../registry-source.js";
import { OpenAiError, openAiErrorBody, parseOpenAi, toOpenAiError } from "./errors.js";
import {
  chatChunk, chatCompletion, embeddingList, finishReason, promptOf, textCompletion, toChatMessages, toChatOptions, toolCallsOf, toSamplingOptions, usageOf, type ResponseHead,
} from "./mapping.js";
import { attachToServeMetrics, LlmMetrics } from "./metrics.js";
import { chatRequest, completionRequest, embeddingRequest } from "./schemas.js";
import { SseStream } from "./sse.js";

/** Options of openaiPlugin. */
export interface OpenAiPluginOptions {
  /** Where the LLMs come from (e.g. registryLlmSource). */
  models: LlmSource;
  /** The path the routes live under (default "/openai/v1"); must not be "/v1", which the server's own model list uses. */
  prefix?: string;
  /** Called with the plugin's metrics (for tests and embedding in other exporters). */
  onMetrics?: (metrics: LlmMetrics) => void;
}

/** How a route generates: run the engine, count the prompt, and shape responses and chunks. */
interface GenerationRoute {
  model: string;
  stream: boolean;
  includeUsage: boolean;
  /** The request field holding the prompt, named in context-length errors. */
  promptParam: string;
  countPrompt: (engine: LlmEngine) => Promise<number>;
  run: (engine: LlmEngine, opts: LlmGenerateOptions) => Promise<GenerateResult>;
  respond: (head: ResponseHead, r: GenerateResult) => Record<string, unknown>;
  /** Chunks: the first (chat sends the role), one per text piece, and the last ones. */
  firstChunk?: (head: ResponseHead) => Record<string, unknown>;
  textChunk: (head: ResponseHead, text: string) => Record<string, unknown>;
  finalChunks: (head: ResponseHead, r: GenerateResult) => Array<Record<string, unknown>>;
}

function sourceError(e: LlmSourceError): OpenAiError {
  const status = e.code === "model_not_found" ? 404 : 400;
  return new OpenAiError(status, e.code, e.message, "model");
}

/** The runtime's LlmError as an OpenAI error: the client's mistakes are 400s naming the field. */
function fromLlmError(e: LlmError, promptParam: string): OpenAiError {
  if (e.code === "context_length_exceeded") return new OpenAiError(400, e.code, `${promptParam}: ${e.message}`, promptParam);
  if (e.code === "invalid_schema") return new OpenAiError(400, e.code, `response_format: ${e.message}`, "response_format");
  if (e.code === "invalid_request") return new OpenAiError(400, e.code, e.message, null);
  // the registered model itself cannot be used: the operator's problem, said plainly
  return new OpenAiError(e.code === "closed" ? 503 : 500, e.code === "closed" ? "model_unavailable" : "model_load_failed", e.message, null);
}

/** The OpenAI-compatible routes as a ServerPlugin; see the file comment for where they live. */
export function openaiPlugin(opts: OpenAiPluginOptions): ServerPlugin {
  const prefix = (opts.prefix ?? "/openai/v1").replace(/\/+$/, "");
  if (!/^(\/[A-Za-z0-9._-]+)+$/.test(prefix)) throw new TypeError(`openaiPlugin: prefix must look like "/openai/v1", got ${JSON.stringify(opts.prefix)}`);
  if (prefix === "/v1") throw new TypeError("openaiPlugin: prefix \"/v1\" clashes with the server's GET /v1/models; use e.g. \"/openai/v1\"");
  const { models } = opts;

  return async (app: FastifyInstance, ctx: PluginContext) => {
    const metrics = new LlmMetrics(() => models.loaded().map((l) => ({ labels: { model: l.name, version: String(l.version) }, value: l.engine.queueLength() })));
    attachToServeMetrics(serveState(app).metrics, metrics);
    opts.onMetrics?.(metrics);

    const acquire = async (model: string): Promise<LlmLease> => {
      try {
        return await models.acquire(model);
      } catch (e) {
        if (e instanceof LlmSourceError) throw sourceError(e);
        throw e instanceof LlmError ? fromLlmError(e, "model") : e;
      }
    };

    const checkContext = async (engine: LlmEngine, route: GenerationRoute): Promise<void> => {
      const tokens = await route.countPrompt(engine);
      const ctxLen = engine.info.contextLength;
      if (tokens >= ctxLen) {
        throw new OpenAiError(400, "context_length_exceeded", `${route.promptParam}: the prompt is ${tokens} tokens, but the model's context holds ${ctxLen} tokens (prompt and completion together); shorten it`, route.promptParam);
      }
    };

    const generate = async (req: FastifyRequest, reply: FastifyReply, route: GenerationRoute, options: LlmGenerateOptions): Promise<unknown> => {
      const lease = await acquire(route.model);
      const labels = { model: lease.name, version: String(lease.version) };
      const finished = metrics.start(labels);
      const abort = new AbortController();
      const head: ResponseHead = { id: randomUUID().replace(/-/g, ""), created: Math.floor(Date.now() / 1000), model: `${lease.name}@${lease.version}` };
      let sse: SseStream | null = null;
      try {
        await checkContext(lease.engine, route);
        reply.header("x-ingot-model", head.model);
        const run = async (extra: LlmGenerateOptions): Promise<GenerateResult> => {
          try {
            const r = await route.run(lease.engine, { ...options, ...extra, signal: abort.signal });
            metrics.observe(labels, r);
            return r;
          } catch (e) {
            throw e instanceof LlmError ? fromLlmError(e, route.promptParam) : e;
          }
        };
        if (!route.stream) {
          // a client that hangs up stops the generation it was waiting for
          reply.raw.on("close", () => {
            if (!reply.raw.writableEnded) abort.abort();
          });
          return route.respond(head, await run({}));
        }
        const stream = (sse = new SseStream(reply, () => abort.abort()));
        if (route.firstChunk) stream.send(route.firstChunk(head));
        const r = await run({ onText: (text) => stream.send(route.textChunk(head, text)) });
        for (const chunk of route.finalChunks(head, r)) stream.send(chunk);
        if (route.includeUsage) stream.send({ ...route.textChunk(head, ""), choices: [], usage: usageOf(r) });
        stream.end();
        return reply;
      } catch (e) {
        if (!sse) throw e;
        // the status line is gone: the error travels as an event, as OpenAI's API does
        const known = toOpenAiError(e);
        if (!known) req.log.error({ err: e }, "streamed generation failed");
        sse.send(known?.body ?? openAiErrorBody(500, "internal", `internal server error; quote request id ${String(req.id)}`));
        sse.end();
        return reply;
      } finally {
        finished();
        lease.release();
      }
    };

    app.register(async (scope) => {
      scope.setErrorHandler((err: FastifyError, req, reply) => {
        const known = toOpenAiError(err);
        if (known) {
          if (known.status === 401) reply.header("www-authenticate", 'Bearer realm="ingot"');
          return reply.code(known.status).send(known.body);
        }
        const status = err.statusCode ?? 500;
        if (status >= 400 && status < 500) {
          const code = status === 413 ? "payload_too_large" : status === 415 ? "unsupported_media_type" : err.code === "FST_ERR_CTP_INVALID_JSON_BODY" || err instanceof SyntaxError ? "malformed_json" : "invalid_request";
          return reply.code(status).send(openAiErrorBody(status, code, err.message, status === 413 || status === 415 ? null : "body"));
        }
        req.log.error({ err, requestId: req.id }, "request failed");
        return reply.code(500).send(openAiErrorBody(500, "internal", `internal server error; quote request id ${String(req.id)} when reporting it`));
      });
      scope.setNotFoundHandler((req, reply) => reply.code(404).send(openAiErrorBody(404, "route_not_found", `no route ${req.method} ${req.url.split("?")[0]}`)));
      // the key is checked before the body is read: an unauthenticated client cannot make us parse it
      scope.addHook("preParsing", async (req) => ctx.authorize(req, "predict"));

      scope.post("/chat/completions", async (req, reply) => {
        const body = parseOpenAi(chatRequest, req.body);
        const messages = toChatMessages(body.messages);
        const options = toChatOptions(body);
        return generate(req, reply, {
          model: body.model,
          stream: body.stream === true,
          includeUsage: body.stream_options?.include_usage === true,
          promptParam: "messages",
          // the chat template adds a few tokens per message; the runtime catches what this misses
          countPrompt: async (engine) => (await Promise.all(messages.map((m) => engine.tokenize(m.content)))).reduce((n, t) => n + t.length, 0),
          run: (engine, o) => engine.chat(messages, o),
          respond: (h, r) => chatCompletion({ ...h, id: `chatcmpl-${h.id}` }, r),
          firstChunk: (h) => chatChunk({ ...h, id: `chatcmpl-${h.id}` }, { role: "assistant", content: "" }),
          textChunk: (h, text) => chatChunk({ ...h, id: `chatcmpl-${h.id}` }, { content: text }),
          finalChunks: (h, r) => {
            const head = { ...h, id: `chatcmpl-${h.id}` };
            const calls = r.toolCalls.length ? [chatChunk(head, { tool_calls: toolCallsOf(r.toolCalls, true) })] : [];
            return [...calls, chatChunk(head, {}, finishReason(r))];
          },
        }, options);
      });

      scope.post("/completions", async (req, reply) => {
        const body = parseOpenAi(completionRequest, req.body);
        const prompt = promptOf(body);
        // OpenAI's default for legacy completions is 16 tokens
        const options = { maxTokens: 16, ...toSamplingOptions(body) };
        return generate(req, reply, {
          model: body.model,
          stream: body.stream === true,
          includeUsage: body.stream_options?.include_usage === true,
          promptParam: "prompt",
          countPrompt: async (engine) => (await engine.tokenize(prompt)).length,
          run: (engine, o) => engine.complete(prompt, o),
          respond: (h, r) => textCompletion({ ...h, id: `cmpl-${h.id}` }, r.text, finishReason(r), usageOf(r)),
          textChunk: (h, text) => textCompletion({ ...h, id: `cmpl-${h.id}` }, text, null),
          finalChunks: (h, r) => [textCompletion({ ...h, id: `cmpl-${h.id}` }, "", finishReason(r))],
        }, options);
      });

      scope.post("/embeddings", async (req, reply) => {
        const body = parseOpenAi(embeddingRequest, req.body);
        const inputs = typeof body.input === "string" ? [body.input] : body.input;
        const lease = await acquire(body.model);
        try {
          const { engine } = lease;
          const dims = engine.info.embeddingLength;
          if (body.dimensions != null && body.dimensions !== dims) throw new OpenAiError(400, "invalid_value", `dimensions: this model's embeddings have ${dims} dimensions, got ${body.dimensions}`, "dimensions");
          const counts = await Promise.all(inputs.map(async (t) => (await engine.tokenize(t)).length));
          const over = counts.findIndex((n) => n >= engine.info.contextLength);
          if (over >= 0) {
            const param = typeof body.input === "string" ? "input" : `input[${over}]`;
            throw new OpenAiError(400, "context_length_exceeded", `${param}: ${counts[over]} tokens, but the model's context holds ${engine.info.contextLength}`, param);
          }
          const served = `${lease.name}@${lease.version}`;
          reply.header("x-ingot-model", served);
          const vectors = await engine.embed(inputs).catch((e: unknown) => {
            throw e instanceof LlmError ? fromLlmError(e, "input") : e;
          });
          metrics.promptTokens.inc({ model: lease.name, version: String(lease.version) }, counts.reduce((a, b) => a + b, 0));
          return embeddingList(served, vectors, body.encoding_format ?? "float", counts.reduce((a, b) => a + b, 0));
        } finally {
          lease.release();
        }
      });

      const modelObjects = async (): Promise<Array<{ id: string; object: "model"; created: number; owned_by: string }>> => {
        const out: Array<{ id: string; object: "model"; created: number; owned_by: string }> = [];
        for (const m of await models.list()) {
          const created = Math.floor(m.createdAt / 1000);
          const ids = [...(m.aliases[models.defaultAlias] !== undefined ? [m.name] : []), ...Object.keys(m.aliases).map((a) => `${m.name}@${a}`), ...m.versions.map((v) => `${m.name}@${v}`)];
          for (const id of ids) out.push({ id, object: "model", created, owned_by: "ingot" });
        }
        return out;
      };
      scope.get("/models", async () => ({ object: "list", data: await modelObjects() }));
      scope.get("/models/:model", async (req) => {
        const { model } = req.params as { model: string };
        const found = (await modelObjects()).find((m) => m.id === model);
        if (!found) throw new OpenAiError(404, "model_not_found", `model: no LLM "${model}" (GET ${prefix}/models lists them)`, "model");
        return found;
      });
    }, { prefix });
  };
}
