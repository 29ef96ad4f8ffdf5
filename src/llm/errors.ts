/**
 * An LLM could not be loaded or a request could not be served: a missing or invalid model file, an
 * unknown architecture, a prompt over the context, a schema that cannot be compiled. `code` is stable
 * so the HTTP layer can map it to a status.
 */
export class LlmError extends Error {
  constructor(
    readonly code: "model_not_found" | "invalid_model" | "context_length_exceeded" | "invalid_schema" | "invalid_request" | "closed",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "LlmError";
  }
}
