// Neural-network ops (torch.nn.functional): each lives in ./nn/<group>.ts and is re-exported here.
import { Tensor } from "../tensor.js";
import { logSoftmax, softmax } from "./nn/softmax.js";

export { softmax, logSoftmax } from "./nn/softmax.js";
export { layerNorm, batchNorm, batchNormStats, type BatchNormStats } from "./nn/norm.js";
export { dropout } from "./nn/dropout.js";
export { embedding } from "./nn/embedding.js";
export {
  conv1d, conv2d, convTranspose1d, convTranspose2d,
  type Conv1dOptions, type Conv2dOptions, type ConvTranspose1dOptions, type ConvTranspose2dOptions,
} from "./nn/conv.js";
export { maxPool1d, maxPool2d, avgPool1d, avgPool2d, adaptiveAvgPool1d, adaptiveAvgPool2d } from "./nn/pool.js";
export { scaledDotProductAttention, type AttentionOptions } from "./nn/attention.js";
export { causalSelfAttention } from "./nn/packed-attention.js";
export { enableFlashSdp, flashSdpEnabled } from "./nn/flash-attention.js";
export {
  crossEntropy, nllLoss, binaryCrossEntropyWithLogits, mseLoss,
  type Reduction, type NllLossOptions, type CrossEntropyOptions, type BceWithLogitsOptions,
} from "./nn/loss.js";

declare module "../tensor.js" {
  interface Tensor {
    softmax(dim?: number): Tensor;
    logSoftmax(dim?: number): Tensor;
  }
}

Tensor.prototype.softmax = function (d) { return softmax(this, d); };
Tensor.prototype.logSoftmax = function (d) { return logSoftmax(this, d); };
