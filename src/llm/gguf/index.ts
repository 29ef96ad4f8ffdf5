// GGUF files: a writer, a validating header reader, and the tiny test model.
export { GgufError } from "./errors.js";
export { writeGguf, toTypedValue, GGUF_DEFAULT_ALIGNMENT, type GgufTensorInput, type GgufWriteInput } from "./writer.js";
export { readGgufHeader, parseGgufHeader, ggufMetaNumber, ggufMetaString, type GgufHeader, type GgufTensorInfo } from "./reader.js";
export {
  ggufFileTypeName, ggmlTensorBytes, GGML_TYPES, GGML_TYPES_BY_NAME,
  type GgufValue, type GgufTypedValue, type GgufScalar, type GgufScalarType, type GgufArrayItem, type GgmlTypeInfo,
} from "./types.js";
export { bpeToGgufVocab, byteToUnicode, ggufTokenizerMetadata, type GgufBpeVocab } from "./bpe-vocab.js";
export { writeTinyLlama, CHATML_TEMPLATE, TINY_SPECIAL_TOKENS, type TinyLlamaOptions } from "./tiny-llama.js";
export { float32ToFloat16Bits, float16BitsToFloat32 } from "./half.js";
