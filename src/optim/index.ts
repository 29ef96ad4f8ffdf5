// Optimizers, gradient clipping, weight penalties and learning-rate schedulers (torch.optim in camelCase).
export {
  Optimizer,
  type GroupOptions,
  type OptionValue,
  type ParamGroup,
  type ParamGroupInput,
  type Params,
  type ParamState,
  type OptimizerStateDict,
  type OptimizerStateMeta,
  type StateValue,
} from "./optimizer.js";
export { SGD, type SGDGroupOptions, type SGDOptions } from "./sgd.js";
export { Adam, AdamW, AdamBase, type AdamGroupOptions, type AdamOptions } from "./adam.js";
export { RMSprop, type RMSpropGroupOptions, type RMSpropOptions } from "./rmsprop.js";
export { Adagrad, type AdagradGroupOptions, type AdagradOptions } from "./adagrad.js";
export { Adadelta, type AdadeltaGroupOptions, type AdadeltaOptions } from "./adadelta.js";
export { GradScaler, type GradScalerOptions, type GradScalerState } from "./grad-scaler.js";
export { clipGradNorm_, clipGradValue_, type ClipGradNormOptions } from "./clip.js";
export { l1Penalty, l2Penalty } from "./penalty.js";
export { LRScheduler, type SchedulerOptions, type SchedulerStateDict } from "./lr-scheduler.js";
export {
  StepLR,
  MultiStepLR,
  ExponentialLR,
  LinearLR,
  LambdaLR,
  type StepLROptions,
  type MultiStepLROptions,
  type ExponentialLROptions,
  type LinearLROptions,
  type LambdaLROptions,
} from "./lr-decay.js";
export {
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  OneCycleLR,
  type CosineAnnealingLROptions,
  type CosineAnnealingWarmRestartsOptions,
  type OneCycleLROptions,
} from "./lr-cosine.js";
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from "./lr-plateau.js";
export { SequentialLR, type SequentialLROptions } from "./lr-sequential.js";
