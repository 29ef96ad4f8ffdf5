// The retrieval assistant as a createServer plugin: `POST /v1/assistant/ask` {question, k?} →
// {answer, citations}, behind a `predict` API key and the server's error format and rate limits.
import { z } from "zod";
import type { FastifyInstance } from "fastify";
import { HttpError } from "../../serve/errors.js";
import type { PluginContext, ServerPlugin } from "../../serve/plugin.js";
import { parseRequest } from "../../serve/schemas.js";
import { LlmError } from "../errors.js";
import { RetrievalAssistant } from "./assistant.js";
import type { LlmEngine } from "../engine.js";
import type { VectorIndex } from "./vector-index.js";

/** Options of ragPlugin. */
export interface RagPluginOptions {
  engine: LlmEngine;
  index: VectorIndex;
  /** Most tokens per answer (default 256). */
  maxTokens?: number;
  /** Most passages a request may ask for (default 16). */
  maxK?: number;
}

/** The route's request body. */
export const assistantAskRequest = (maxK: number) => z.object({
  question: z.string().trim().min(1, "must not be empty").max(4000, "at most 4000 characters"),
  k: z.number().int("expected an integer").min(1).max(maxK).optional(),
}).strict();

/** The retrieval assistant's route as a ServerPlugin. */
export function ragPlugin(opts: RagPluginOptions): ServerPlugin {
  const assistant = new RetrievalAssistant({ engine: opts.engine, index: opts.index });
  const schema = assistantAskRequest(opts.maxK ?? 16);
  return (app: FastifyInstance, ctx: PluginContext) => {
    app.post("/v1/assistant/ask", async (req) => {
      await ctx.authorize(req, "predict");
      if (req.body === null || typeof req.body !== "object" || Array.isArray(req.body)) {
        throw new HttpError(400, "invalid_body", "body: expected a JSON object {question, k?}", "body");
      }
      const body = parseRequest(schema, req.body);
      try {
        return await assistant.ask(body.question, { k: body.k ?? 4, maxTokens: opts.maxTokens ?? 256 });
      } catch (e) {
        if (e instanceof LlmError && (e.code === "context_length_exceeded" || e.code === "invalid_request")) throw new HttpError(400, e.code, e.message, "question");
        throw e;
      }
    });
  };
}
