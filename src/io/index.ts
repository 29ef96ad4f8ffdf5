// Model files: safetensors weights and model directories (config.json beside the weights).
export { SafetensorsError, ModelDirError } from "./errors.js";
export {
  serializeSafetensors, parseSafetensors, saveSafetensors, loadSafetensors,
  type Safetensors, type SafetensorsLoadOptions, type SafetensorsParseOptions,
} from "./safetensors.js";
export type { SafetensorsDType } from "./safetensors-dtypes.js";
export { MAX_HEADER_BYTES } from "./safetensors-header.js";
export { MODEL_FORMAT, MODEL_FORMAT_VERSION, OPTIMIZER_FORMAT, type ModelConfig, type OptimizerConfig } from "./model-config.js";
export { saveModelDir, loadModelDir, MODEL_FILES, type ModelDirContents, type LoadedModelDir, type OptimizerState } from "./model-dir.js";
