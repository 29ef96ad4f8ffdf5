// The model zoo: ready-made architectures built from src/nn.
export { GPT2, GPT2_124M, type GPT2Config } from "./gpt2.js";
export { KVCache } from "./kv-cache.js";
export { generate, type GenerateOptions } from "./generate.js";
export { generateText, type GeneratedText, type PromptIds } from "./generate.js";
export {
  applyRepetitionPenalty, applyTemperature, argmaxRow, checkSamplingOptions, pickToken, processLogits, sampleIndex, softmaxRow, topKFilter, topPFilter,
  type SamplingOptions,
} from "./sampling.js";
