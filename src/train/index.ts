// Training: the Keras-style fit() loop with evaluate()/predict(), its callbacks and resumable checkpoints.
export { fit, evaluate, predict, type FitOptions, type EvaluateOptions } from "./fit.js";
export {
  EarlyStopping, JsonlLogger, LRSchedulerCallback, ProgressCallback, type EarlyStoppingOptions, type EpochScheduler,
} from "./callbacks.js";
export { ModelCheckpoint, saveCheckpoint, loadCheckpoint, type ModelCheckpointOptions } from "./checkpoint.js";
export type {
  BatchLogs, Callback, Dataset, EpochLogs, FitResumeState, History, LossSpec, MonitorMode, TrainContext, TrainableModel,
} from "./types.js";
export { ProgressBar, type ProgressOptions } from "./progress.js";
