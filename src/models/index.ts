// The model zoo: ready-made architectures built from src/nn.
export { GPT2, GPT2_124M, type GPT2Config } from "./gpt2.js";
export { KVCache } from "./kv-cache.js";
export { generate, type GenerateOptions } from "./generate.js";
