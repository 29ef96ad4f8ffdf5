// The shapes shared by fit(), its callbacks and its checkpoints.
import type { LossFn, LossName } from "../losses/index.js";
import type { Module } from "../nn/index.js";
import type { Optimizer, SchedulerStateDict } from "../optim/index.js";
import type { Tensor } from "../tensor/index.js";

/** A model fit() can train: a module from one tensor to one tensor. */
export type TrainableModel = Module<[Tensor], Tensor>;

/** Inputs and targets, batched along dimension 0. */
export interface Dataset {
  x: Tensor;
  y: Tensor;
}

/** A loss by getLoss name, or a `(pred, target) => scalar` function. */
export type LossSpec = LossName | LossFn;

/** One epoch's numbers: `loss`, each metric by name, and `valLoss` / `val<Metric>` when validating. */
export interface EpochLogs {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean training loss over the epoch's samples (class-weighted when classWeights is set). */
  loss: number;
  /** Mean validation loss, when `val` was given. */
  valLoss?: number;
  /** The learning rate of the first param group at the end of the epoch. */
  lr?: number;
  [metric: string]: number | undefined;
}

/** What fit() returns: one entry per epoch trained (not counting epochs before initialEpoch). */
export type History = EpochLogs[];

/** Where training stands, as stored in a checkpoint so that fit() can resume from it bit-identically. */
export interface FitResumeState {
  /** Epochs fully completed. */
  epoch: number;
  /** Batches of epoch `epoch + 1` already trained (0 at an epoch boundary). */
  batchInEpoch: number;
  /** Optimizer steps taken so far. */
  globalStep: number;
  /** The shuffle generator's state from which epoch `epoch + 1`'s order is drawn. */
  shuffleRng: number[];
  /** The default generator's state (dropout masks and other random ops). */
  globalRng: number[];
  /** The LR scheduler's state, when fit() was given one. */
  scheduler?: SchedulerStateDict;
}

/** What one batch step reports to onBatchEnd. */
export interface BatchLogs {
  /** 1-based epoch number. */
  epoch: number;
  /** 0-based batch index within the epoch. */
  batch: number;
  /** Optimizer steps taken so far (after this batch). */
  globalStep: number;
  /** Whether this batch ended with an optimizer step (always, unless accumulating gradients). */
  stepped: boolean;
  /** The batch's (unscaled) loss. */
  loss: number;
  /** Samples in the batch. */
  size: number;
}

/** The training state callbacks see and may act on. */
export interface TrainContext {
  readonly model: TrainableModel;
  readonly optimizer: Optimizer;
  /** The last epoch fit() will run (1-based, inclusive). */
  readonly epochs: number;
  /** Epochs trained so far in this fit() call. */
  readonly history: History;
  /** Set it to end training after the current batch's step. */
  stopTraining: boolean;
  /** A JSON snapshot of where training stands (see FitResumeState). */
  resumeState(): FitResumeState;
}

/** A training-loop hook; every method is optional and may be async (fit awaits it). */
export interface Callback {
  onTrainBegin?(ctx: TrainContext): void | Promise<void>;
  onEpochBegin?(epoch: number, ctx: TrainContext): void | Promise<void>;
  onBatchEnd?(logs: BatchLogs, ctx: TrainContext): void | Promise<void>;
  /** Called after validation, with the epoch's logs (callbacks may add keys, e.g. lr). */
  onEpochEnd?(epoch: number, logs: EpochLogs, ctx: TrainContext): void | Promise<void>;
  onTrainEnd?(ctx: TrainContext): void | Promise<void>;
}

/** Whether a larger value of the monitored quantity is better. */
export type MonitorMode = "min" | "max" | "auto";

/** "auto" resolved as Keras does: accuracy-like names are maximised, everything else minimised. */
export function resolveMode(monitor: string, mode: MonitorMode = "auto"): "min" | "max" {
  if (mode === "min" || mode === "max") return mode;
  if (mode !== "auto") throw new Error(`mode must be "min", "max" or "auto", got ${JSON.stringify(mode)}`);
  return /acc|auc|auroc|f1|fbeta|precision|recall|r2/i.test(monitor) ? "max" : "min";
}

/** The monitored value from an epoch's logs, with an error listing what is there when it is absent. */
export function monitored(op: string, logs: EpochLogs, monitor: string): number {
  const v = logs[monitor];
  if (typeof v !== "number") {
    throw new Error(`${op}: monitor "${monitor}" is not in the epoch logs; available: ${Object.keys(logs).join(", ")}`);
  }
  return v;
}
