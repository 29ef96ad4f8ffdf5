// The zod schemas of every request and response body. Requests are checked before any work is done;
// responses are checked before they are sent, so a bug shows up as a 500 instead of a malformed answer.
import { z } from "zod";
import { badField, fieldPath, HttpError } from "./errors.js";

/** A raw feature value: number, string, boolean, or null for missing. */
export const featureValue = z.union([z.number(), z.string(), z.boolean(), z.null()]);

/** `{rows: [{feature: value, ...}, ...]}`: raw features, preprocessed on the server. */
export const rowsBody = z.object({ rows: z.array(z.record(z.string(), featureValue)).min(1) }).strict();

/** `{inputs: number[][]}`: already numeric model inputs. */
export const inputsBody = z.object({ inputs: z.array(z.array(z.number()).min(1)).min(1) }).strict();

/** A predict request body. */
export type PredictBody = z.infer<typeof rowsBody> | z.infer<typeof inputsBody>;

/** The predict body as one schema, with the server's row limit: what the OpenAPI spec documents. */
export function predictBody(maxRows: number): z.ZodType<PredictBody> {
  return z.union([
    z.object({ rows: rowsBody.shape.rows.max(maxRows) }).strict(),
    z.object({ inputs: inputsBody.shape.inputs.max(maxRows) }).strict(),
  ]);
}

/** One prediction: class label with probability or probabilities, or a regression value(s). */
export const prediction = z.union([
  z.object({ label: z.union([z.string(), z.number()]), probability: z.number().min(0).max(1) }).strict(),
  z.object({ label: z.union([z.string(), z.number()]), probabilities: z.record(z.string(), z.number().min(0).max(1)) }).strict(),
  z.object({ value: z.number() }).strict(),
  z.object({ values: z.array(z.number()) }).strict(),
]);

/** The predict response. */
export const predictResponse = z.object({ model: z.string(), version: z.number().int().positive(), predictions: z.array(prediction) }).strict();

/** `GET /v1/models`. */
export const modelsResponse = z.object({
  models: z.array(z.object({ name: z.string(), versions: z.array(z.number().int().positive()), aliases: z.record(z.string(), z.number().int().positive()) }).strict()),
}).strict();

/** `GET /healthz` and `GET /readyz`. */
export const statusResponse = z.object({ status: z.enum(["ok", "ready", "unavailable"]) }).strict();

/** Every error response. */
export const errorResponse = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional(), requestId: z.string().optional() }).strict(),
}).strict();

/** Path parameters of the predict routes. */
export const predictParams = z.object({
  name: z.string().min(1),
  version: z.string().regex(/^[1-9][0-9]*$/, "expected a positive integer version").optional(),
  alias: z.string().min(1).optional(),
});

/** Parses `value` with `schema`; the first problem becomes a 400 naming its field. */
export function parseRequest<T>(schema: z.ZodType<T>, value: unknown, root = ""): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = root ? [root, ...issue.path] : issue.path;
  throw badField(fieldPath(path), issue.message);
}

/** Checks a predict body: exactly one of rows or inputs, each well-formed; rows at most `maxRows`. */
export function parsePredictBody(body: unknown, maxRows: number): PredictBody {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new HttpError(400, "invalid_body", "body: expected a JSON object {rows: [...]} or {inputs: [[...]]}", "body");
  }
  const has = (k: string): boolean => Object.hasOwn(body, k);
  if (has("rows") && has("inputs")) throw new HttpError(400, "invalid_body", "body: send either rows or inputs, not both", "body");
  if (!has("rows") && !has("inputs")) throw new HttpError(400, "invalid_body", "body: expected a field rows (raw features) or inputs (numeric rows)", "body");
  const parsed: PredictBody = has("rows") ? parseRequest(rowsBody, body) : parseRequest(inputsBody, body);
  const n = "rows" in parsed ? parsed.rows.length : parsed.inputs.length;
  const field = "rows" in parsed ? "rows" : "inputs";
  if (n > maxRows) throw badField(field, `at most ${maxRows} rows per request, got ${n}`);
  return parsed;
}

/** Checks a response before sending; a mismatch is a server bug, so it throws a plain (500) error. */
export function checkResponse<T>(schema: z.ZodType<T>, value: T): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new Error(`response failed its schema at ${fieldPath(r.error.issues[0].path)}: ${r.error.issues[0].message}`);
  return r.data;
}
