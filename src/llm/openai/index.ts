// OpenAI-compatible serving of LLMs: the createServer plugin and its parts.
export { openaiPlugin, type OpenAiPluginOptions } from "./plugin.js";
export { OpenAiError, openAiErrorBody, type OpenAiErrorBody } from "./errors.js";
export { LlmMetrics } from "./metrics.js";
export { chatRequest, completionRequest, embeddingRequest, type ChatRequest, type CompletionRequest, type EmbeddingRequest } from "./schemas.js";
