// LLMs: GGUF files, the node-llama-cpp runtime, GPT-2 export.
export * from "./engine.js";
export * from "./gguf/index.js";
export { LlmError } from "./errors.js";
export { loadLlm, type LoadLlmOptions } from "./runtime.js";
export { resolveModelRef, defaultModelCacheDir, isRemoteModelRef, type ResolveModelRefOptions } from "./resolve.js";
export { toChatHistory } from "./chat-history.js";
export { SequencePool } from "./sequence-pool.js";
export { checkJsonSchema } from "./json-schema-check.js";
export { exportGpt2ToGguf, gpt2TensorName, type ExportGpt2Options } from "./export-gpt2.js";
export {
  LLM_FILE, LlmSourceError, parseModelRef, readLlmArchitecture, registerLlm, registryLlmSource,
  type LlmArchitecture, type LlmLease, type LlmListing, type LlmSelector, type LlmSource, type LoadedLlm, type RegisterLlmOptions, type RegistryLlmSourceOptions,
} from "./registry-source.js";
export * from "./openai/index.js";
export * from "./prompts/index.js";
export * from "./rag/index.js";
