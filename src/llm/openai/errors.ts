// Errors in OpenAI's shape, `{error: {message, type, param, code}}`, so OpenAI client libraries raise
// their own typed errors (BadRequestError, AuthenticationError, ...) with the message and the field.
import type { z } from "zod";
import { fieldPath, HttpError } from "../../serve/errors.js";

/** The body of an OpenAI error response. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** A client-facing error in OpenAI's terms: status, code and the request field at fault. */
export class OpenAiError extends Error {
  constructor(
    readonly status: number,
    /** A stable code, e.g. "invalid_value", "model_not_found", "context_length_exceeded". */
    readonly code: string,
    message: string,
    /** The request field at fault, e.g. `messages[1].content`. */
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = "OpenAiError";
  }
}

/** A 400 naming the field at fault; the message starts with the field so it reads on its own. */
export function invalidParam(param: string, problem: string, code = "invalid_value"): OpenAiError {
  return new OpenAiError(400, code, `${param}: ${problem}`, param);
}

/** OpenAI's error `type` for a status. */
function typeFor(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return "server_error";
  return "invalid_request_error";
}

/** The OpenAI-shaped body for a status, code, message and param. */
export function openAiErrorBody(status: number, code: string | null, message: string, param: string | null = null): OpenAiErrorBody {
  return { error: { message, type: typeFor(status), param, code } };
}

/** The first zod issue as a 400 naming its field (unknown fields are named as OpenAI does). */
export function fromZodIssue(issue: z.core.$ZodIssue): OpenAiError {
  if (issue.code === "unrecognized_keys") {
    const param = fieldPath([...issue.path, issue.keys[0]]);
    return new OpenAiError(400, "unknown_parameter", `${param}: unrecognized request argument (not supported here)`, param);
  }
  return invalidParam(fieldPath(issue.path), issue.message);
}

/** Parses `value` with `schema`, throwing a 400 that names the first field at fault. */
export function parseOpenAi<T>(schema: z.ZodType<T>, value: unknown): T {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new OpenAiError(400, "invalid_body", "body: expected a JSON object", "body");
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw fromZodIssue(r.error.issues[0]);
}

/** Any error as {status, body}: OpenAiError and the server's HttpError keep their details; others become a 500. */
export function toOpenAiError(err: unknown): { status: number; body: OpenAiErrorBody } | null {
  if (err instanceof OpenAiError) return { status: err.status, body: openAiErrorBody(err.status, err.code, err.message, err.param) };
  if (err instanceof HttpError) return { status: err.status, body: openAiErrorBody(err.status, err.code, err.message, err.field ?? null) };
  return null;
}
