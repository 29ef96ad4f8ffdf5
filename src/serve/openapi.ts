// The OpenAPI description of the server, generated from the same zod schemas the routes check requests
// and responses with, so the spec cannot drift from the code. Routes carry these JSON schemas only for
// documentation: zod stays the one validator (its errors name the field), so Fastify's own validation
// and serialization are switched off for them.
import type { FastifyInstance, FastifySchema, RouteShorthandOptions } from "fastify";
import { z } from "zod";
import { errorResponse, modelsResponse, predictBody, predictParams, predictResponse, statusResponse } from "./schemas.js";

/** A JSON schema object, as the spec holds it. */
export type JsonSchema = Record<string, unknown>;

/** The JSON schema of a zod schema (draft 2020-12, the dialect of OpenAPI 3.1), without `$schema`. */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: "draft-2020-12", io: "input" }) as JsonSchema;
  void _dialect;
  return rest;
}

const errors = (codes: number[]): Record<number, JsonSchema> =>
  Object.fromEntries(codes.map((c) => [c, { description: "an error: {error: {code, message, field?, requestId?}}", ...jsonSchemaOf(errorResponse) }]));

/** The documentation schemas of the built-in routes. */
export function routeSchemas(maxRows: number): Record<"predictAlias" | "predictVersion" | "predictNamedAlias" | "models" | "healthz" | "readyz" | "metrics", FastifySchema & Record<string, unknown>> {
  const body = jsonSchemaOf(predictBody(maxRows));
  const predictOk = { description: "one prediction per row", ...jsonSchemaOf(predictResponse) };
  const predictErrors = errors([400, 401, 403, 404, 413, 415, 429, 500]);
  const params = (keys: ("version" | "alias")[]): JsonSchema =>
    jsonSchemaOf(predictParams.pick({ name: true, ...Object.fromEntries(keys.map((k) => [k, true])) } as { name: true }).required());
  const predict = (summary: string, keys: ("version" | "alias")[]): FastifySchema & Record<string, unknown> => ({
    summary, tags: ["predict"], body, params: params(keys), response: { 200: predictOk, ...predictErrors },
  });
  const status = (summary: string, codes: number[]): FastifySchema & Record<string, unknown> => ({
    summary, tags: ["health"], security: [], response: Object.fromEntries(codes.map((c) => [c, jsonSchemaOf(statusResponse)])),
  });
  return {
    predictAlias: predict("Predict with the default alias (production) of a model", []),
    predictVersion: predict("Predict with one version of a model", ["version"]),
    predictNamedAlias: predict("Predict with the version an alias points to", ["alias"]),
    models: { summary: "List models, their versions and aliases", tags: ["models"], response: { 200: jsonSchemaOf(modelsResponse), ...errors([401, 403, 429, 500]) } },
    healthz: status("Liveness: the process answers", [200]),
    readyz: status("Readiness: the model source answers", [200, 503]),
    metrics: {
      summary: "Prometheus metrics (text exposition format 0.0.4)", tags: ["health"],
      response: { 200: { description: "metrics", content: { "text/plain": { schema: { type: "string" } } } } },
    },
  };
}

/**
 * Route options that attach a documentation schema while leaving validation to zod: Fastify would
 * otherwise validate with ajv (different messages, coercion) and serialize by the response schema.
 */
export function documented(schema: FastifySchema): RouteShorthandOptions {
  return { schema, validatorCompiler: () => () => true, serializerCompiler: () => (data) => JSON.stringify(data) };
}

/** What registerDocs needs to know. */
export interface DocsOptions {
  /** Whether the server checks API keys (adds the security schemes). */
  apiKeys: boolean;
  /** Loads a package lazily (the plugins load when a server is made, not when ingot is imported). */
  load: (name: string) => unknown;
}

/** Registers @fastify/swagger (spec at `GET /docs/json`) and @fastify/swagger-ui (UI at `/docs`). */
export function registerDocs(app: FastifyInstance, opts: DocsOptions): void {
  const swagger = opts.load("@fastify/swagger") as typeof import("@fastify/swagger").default;
  const swaggerUi = opts.load("@fastify/swagger-ui") as typeof import("@fastify/swagger-ui").default;
  app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Ingot prediction server",
        version: "1",
        description: "Predictions from models in an Ingot registry. Errors are always `{error: {code, message, field?, requestId?}}`.",
      },
      ...(opts.apiKeys && {
        components: {
          securitySchemes: {
            bearer: { type: "http", scheme: "bearer", description: "an API key made by `ingot keys create`" },
            apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
          },
        },
        security: [{ bearer: [] }, { apiKey: [] }],
      }),
    },
  });
  app.register(swaggerUi, { routePrefix: "/docs" });
}
