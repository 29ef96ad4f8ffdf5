// nn: modules, layers, containers, weight init and JSON configs (torch.nn in camelCase).
export { Module, functionalCall, type AnyModule, type StateDict, type LoadStateDictOptions, type LoadStateDictResult } from "./module.js";
export { Parameter } from "./parameter.js";
export {
  registerLayer, registeredLayers, moduleFromConfig, ConfigReader,
  type JsonValue, type LayerConfig, type LayerFactory,
} from "./config.js";
export * from "./init.js";
export { Sequential, ModuleList, ModuleDict, Residual } from "./containers.js";
export { Identity, Flatten } from "./basic.js";
export { Linear, Bilinear, type LinearOptions, type BilinearOptions } from "./linear.js";
export {
  Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d,
  type Conv1dLayerOptions, type Conv2dLayerOptions, type ConvTranspose1dLayerOptions, type ConvTranspose2dLayerOptions,
} from "./conv.js";
export {
  MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d,
  type MaxPool1dOptions, type MaxPool2dOptions, type AvgPool1dOptions, type AvgPool2dOptions,
} from "./pool.js";
export {
  BatchNorm1d, BatchNorm2d, LayerNorm, RMSNorm,
  type BatchNormOptions, type LayerNormOptions, type RMSNormOptions,
} from "./norm.js";
export { Dropout, type DropoutOptions } from "./dropout.js";
export { Embedding, type EmbeddingOptions } from "./embedding.js";
export { ReLU, LeakyReLU, GELU, SiLU, Sigmoid, Tanh, ELU, Softmax, LogSoftmax } from "./activation.js";
export { RNNCell, LSTMCell, GRUCell, type RNNCellOptions, type RecurrentCellOptions, type RecurrentMode } from "./rnn-cell.js";
export { RNN, LSTM, GRU, RecurrentBase, type RNNOptions, type RecurrentOptions, type SequenceLengths } from "./rnn.js";
export { MultiheadAttention, causalMask, type MultiheadAttentionOptions, type MultiheadAttentionForwardOptions } from "./attention.js";
export {
  TransformerEncoderLayer, TransformerDecoderLayer, TransformerEncoder, TransformerDecoder,
  type TransformerActivation, type TransformerLayerOptions, type TransformerEncoderLayerForwardOptions, type TransformerDecoderForwardOptions,
  type TransformerEncoderForwardOptions, type TransformerStackOptions,
} from "./transformer.js";
export {
  SinusoidalPositionalEncoding, LearnedPositionalEmbedding, RotaryEmbedding,
  type PositionalEncodingOptions, type LearnedPositionalEmbeddingOptions, type RotaryEmbeddingOptions,
} from "./positional.js";
