// Loss functions with PyTorch semantics (torch.nn.functional's losses, in camelCase), and getLoss to
// look one up by name.
export type { Reduction, ReductionOptions } from "./common.js";
export { mseLoss, l1Loss, smoothL1Loss, huberLoss, type SmoothL1Options, type HuberOptions } from "./regression.js";
export { binaryCrossEntropy, binaryCrossEntropyWithLogits, type BceOptions, type BceWithLogitsOptions } from "./binary.js";
export { crossEntropy, nllLoss, type CrossEntropyOptions, type NllLossOptions } from "./classification.js";
export { klDiv, type KlDivOptions } from "./kl-div.js";
export {
  cosineEmbeddingLoss, tripletMarginLoss, marginRankingLoss, hingeEmbeddingLoss, type MarginOptions, type TripletMarginOptions,
} from "./embedding.js";
export { getLoss, lossNames, type LossFn, type LossName, type LossOptions, type LossOptionsByName } from "./registry.js";
