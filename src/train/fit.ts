// The Keras-style training loop: fit() over seeded shuffled batches with callbacks, plus evaluate() and
// predict(). Every batch step runs in its own scope, so memory stays flat however long training runs.
import { noGrad } from "../autograd/index.js";
import { getLoss, type LossFn } from "../losses/index.js";
import type { Metric } from "../metrics/index.js";
import { Mean } from "../metrics/index.js";
import { clipGradNorm_, type Optimizer } from "../optim/index.js";
import { cat, defaultGenerator, Generator, indexSelect, scope, tensor, type Tensor } from "../tensor/index.js";
import { accumulationShares, checkInt, epochOrder, splitBatches } from "./batches.js";
import { JsonlLogger, LRSchedulerCallback, ProgressCallback, type EpochScheduler } from "./callbacks.js";
import { loadCheckpoint } from "./checkpoint.js";
import type { Callback, Dataset, EpochLogs, FitResumeState, History, LossSpec, TrainContext, TrainableModel } from "./types.js";

/** Options of fit(). */
export interface FitOptions {
  train: Dataset;
  val?: Dataset;
  loss: LossSpec;
  optimizer: Optimizer;
  /** The last epoch to train (1-based, inclusive), as Keras's `epochs`. */
  epochs: number;
  /** Samples per batch (per micro-batch when accumulating gradients). Default 32. */
  batchSize?: number;
  /** Streaming metrics computed on training batches, and on `val` under `val<Name>`. */
  metrics?: Metric[];
  callbacks?: Callback[];
  /** Seeds the shuffle order. Default 0. */
  seed?: number;
  /** Shuffle the training samples every epoch. Default true. */
  shuffle?: boolean;
  /** Batches whose gradients are summed (weighted by size) before one optimizer step. Default 1. */
  gradAccumulation?: number;
  /**
   * Per-class weights: each sample's loss is multiplied by the weight of its class (the target, a class
   * index or a 0/1 label) before the batch mean, as Keras's class_weight. Needs `loss` given by name.
   */
  classWeights?: readonly number[];
  /** Clips the global L2 norm of the gradients to this before each step. */
  clipGradNorm?: number;
  /** Stepped once per epoch after validation; ReduceLROnPlateau gets `schedulerMonitor` (default valLoss, else loss). */
  scheduler?: EpochScheduler;
  schedulerMonitor?: string;
  /** Draw a progress bar on stderr. Default false. */
  verbose?: boolean;
  /** Appends one JSON line per epoch to this file (see JsonlLogger). */
  logFile?: string;
  /** Epochs already done (Keras's initial_epoch): training runs epochs initialEpoch+1 .. epochs. */
  initialEpoch?: number;
  /** A ModelCheckpoint directory to restore model, optimizer, scheduler and RNG state from. */
  resumeFrom?: string;
}

/** Options of evaluate(). */
export interface EvaluateOptions {
  loss?: LossSpec;
  metrics?: Metric[];
  /** Default 256. */
  batchSize?: number;
}

function checkDataset(op: string, name: string, d: Dataset | undefined): Dataset {
  if (!d || typeof d !== "object" || !d.x || !d.y || typeof d.x.shape !== "object" || typeof d.y.shape !== "object") {
    throw new Error(`${op}: ${name} must be {x: Tensor, y: Tensor}`);
  }
  if (d.x.ndim === 0 || d.y.ndim === 0) throw new Error(`${op}: ${name}.x and ${name}.y need a batch dimension, got shapes [${d.x.shape.join(", ")}] and [${d.y.shape.join(", ")}]`);
  if (d.x.shape[0] !== d.y.shape[0]) {
    throw new Error(`${op}: ${name}.x has ${d.x.shape[0]} samples but ${name}.y has ${d.y.shape[0]} (shapes [${d.x.shape.join(", ")}] and [${d.y.shape.join(", ")}])`);
  }
  if (d.x.shape[0] === 0) throw new Error(`${op}: ${name} has no samples`);
  return d;
}

function resolveLoss(op: string, loss: LossSpec | undefined, reduction: "mean" | "none" = "mean"): LossFn {
  if (typeof loss === "function") return loss;
  if (typeof loss === "string") return getLoss(loss, { reduction });
  throw new Error(`${op}: loss must be a loss name (see lossNames) or a (pred, target) => Tensor function, got ${String(loss)}`);
}

/** `val` + the metric's name with its first letter upper-cased: accuracy → valAccuracy. */
function valKey(name: string): string {
  return `val${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}

function batchOf(d: Dataset, idx: Int32Array): { x: Tensor; y: Tensor } {
  const index = tensor(idx, { dtype: "int32" });
  return { x: indexSelect(d.x, 0, index), y: indexSelect(d.y, 0, index) };
}

/** The loss of a batch, with class weights applied per sample when given. */
function makeBatchLoss(op: string, loss: LossSpec, classWeights: readonly number[] | undefined): (pred: Tensor, y: Tensor) => Tensor {
  if (!classWeights) return resolveLoss(op, loss);
  if (typeof loss !== "string") throw new Error(`${op}: classWeights needs the loss given by name, so fit can weight each sample's loss`);
  if (!Array.isArray(classWeights) || classWeights.some((w) => typeof w !== "number" || !(w >= 0) || !Number.isFinite(w))) {
    throw new Error(`${op}: classWeights must be an array of finite numbers >= 0, got ${JSON.stringify(classWeights)}`);
  }
  const perSample = resolveLoss(op, loss, "none");
  return (pred, y) => {
    const labels = y.dataSync();
    const w = new Float32Array(labels.length);
    for (let i = 0; i < labels.length; i++) {
      const c = Math.round(labels[i]);
      if (labels[i] !== c || c < 0 || c >= classWeights.length) {
        throw new Error(`${op}: classWeights has ${classWeights.length} entries but a target is ${labels[i]}; targets must be class indices (or 0/1 labels) below that`);
      }
      w[i] = classWeights[c];
    }
    const l = perSample(pred, y);
    if (l.size !== labels.length) throw new Error(`${op}: classWeights needs one loss per sample; the per-sample loss has ${l.size} values for ${labels.length} targets`);
    return l.mul(tensor(w, { shape: l.shape })).mean();
  };
}

/**
 * Trains `model` on `train` for epochs initialEpoch+1 .. epochs and returns the History (one entry of
 * logs per epoch). Each epoch: model.train(), seeded shuffle, batch steps (forward, loss, backward,
 * optional accumulation and clipping, optimizer step), then model.eval() validation, scheduler step and
 * callbacks. The model's training mode is restored at the end.
 */
export async function fit(model: TrainableModel, opts: FitOptions): Promise<History> {
  const op = "fit";
  if (!opts || typeof opts !== "object") throw new Error(`${op}: options must be an object`);
  const train = checkDataset(op, "train", opts.train);
  const val = opts.val === undefined ? undefined : checkDataset(op, "val", opts.val);
  const { optimizer } = opts;
  if (!optimizer || typeof optimizer.step !== "function") throw new Error(`${op}: optimizer is required`);
  const epochs = checkInt(op, "epochs", opts.epochs, 0);
  const batchSize = checkInt(op, "batchSize", opts.batchSize ?? 32, 1);
  const accumulate = checkInt(op, "gradAccumulation", opts.gradAccumulation ?? 1, 1);
  const seed = opts.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`${op}: seed must be an integer >= 0, got ${String(seed)}`);
  if (opts.clipGradNorm !== undefined && !(opts.clipGradNorm > 0)) throw new Error(`${op}: clipGradNorm must be > 0, got ${opts.clipGradNorm}`);
  const batchLoss = makeBatchLoss(op, opts.loss, opts.classWeights);
  const valLoss = resolveLoss(op, opts.loss);
  const metrics = opts.metrics ?? [];
  const shuffle = opts.shuffle ?? true;
  const n = train.x.shape[0];
  const params = model.parameters();

  const shuffleRng = new Generator(seed);
  let epochStartRng = shuffleRng.getState();
  let completed = checkInt(op, "initialEpoch", opts.initialEpoch ?? 0, 0);
  let batchInEpoch = 0;
  let globalStep = 0;
  let skipBatches = 0;
  if (opts.resumeFrom !== undefined) {
    const state = await loadCheckpoint(opts.resumeFrom, model, optimizer);
    if (opts.initialEpoch !== undefined && opts.initialEpoch !== state.epoch) {
      throw new Error(`${op}: initialEpoch is ${opts.initialEpoch} but the checkpoint at ${opts.resumeFrom} was taken after epoch ${state.epoch}`);
    }
    completed = state.epoch;
    skipBatches = state.batchInEpoch;
    globalStep = state.globalStep;
    shuffleRng.setState(state.shuffleRng);
    defaultGenerator.setState(state.globalRng);
    if (state.scheduler) {
      if (!opts.scheduler) throw new Error(`${op}: the checkpoint at ${opts.resumeFrom} holds scheduler state but no scheduler was given`);
      opts.scheduler.loadStateDict(state.scheduler);
    }
  }

  const history: History = [];
  const ctx: TrainContext = {
    model,
    optimizer,
    epochs,
    history,
    stopTraining: false,
    resumeState: (): FitResumeState => ({
      epoch: completed,
      batchInEpoch,
      globalStep,
      shuffleRng: [...(batchInEpoch === 0 ? shuffleRng.getState() : epochStartRng)],
      globalRng: [...defaultGenerator.getState()],
      ...(opts.scheduler && { scheduler: opts.scheduler.stateDict() }),
    }),
  };
  // the scheduler steps first, so checkpoints written by later callbacks hold its new state
  const callbacks: Callback[] = [
    ...(opts.scheduler ? [new LRSchedulerCallback(opts.scheduler, { monitor: opts.schedulerMonitor })] : []),
    ...(opts.logFile ? [new JsonlLogger(opts.logFile)] : []),
    ...(opts.callbacks ?? []),
    ...(opts.verbose ? [new ProgressCallback(n)] : []),
  ];
  const wasTraining = model.training;
  for (const cb of callbacks) await cb.onTrainBegin?.(ctx);

  try {
    for (let epoch = completed + 1; epoch <= epochs && !ctx.stopTraining; epoch++) {
      for (const cb of callbacks) await cb.onEpochBegin?.(epoch, ctx);
      model.train();
      epochStartRng = shuffleRng.getState();
      const batches = splitBatches(epochOrder(n, shuffleRng, shuffle), batchSize);
      const shares = accumulationShares(batches, accumulate);
      const lossMean = new Mean();
      for (const m of metrics) m.reset();
      batchInEpoch = 0;
      for (let b = skipBatches; b < batches.length && !ctx.stopTraining; b++) {
        const { share, lastOfGroup } = shares[b];
        const lossValue = scope(() => {
          const { x, y } = batchOf(train, batches[b]);
          const pred = model.call(x);
          const loss = batchLoss(pred, y);
          if (loss.size !== 1) throw new Error(`${op}: the loss must be a scalar, got shape [${loss.shape.join(", ")}]`);
          (share === 1 ? loss : loss.mul(share)).backward();
          if (metrics.length) noGrad(() => metrics.forEach((m) => m.update(pred.detach(), y)));
          return loss.item();
        });
        if (lastOfGroup) {
          scope(() => {
            if (opts.clipGradNorm !== undefined) clipGradNorm_(params, opts.clipGradNorm);
            optimizer.step();
          });
          optimizer.zeroGrad();
          globalStep++;
        }
        lossMean.update(lossValue, batches[b].length);
        batchInEpoch = b + 1;
        const batchLogs = { epoch, batch: b, globalStep, stepped: lastOfGroup, loss: lossValue, size: batches[b].length };
        for (const cb of callbacks) await cb.onBatchEnd?.(batchLogs, ctx);
      }
      skipBatches = 0;
      // a stop mid-epoch leaves a partial group's gradients: drop them, they were never applied
      optimizer.zeroGrad();
      completed = epoch;
      batchInEpoch = 0;

      const logs: EpochLogs = { epoch, loss: lossMean.compute() };
      for (const m of metrics) logs[m.name] = m.compute();
      if (val) {
        const v = evaluate(model, val, { loss: valLoss, metrics, batchSize });
        for (const [k, value] of Object.entries(v)) logs[k === "loss" ? "valLoss" : valKey(k)] = value;
      }
      logs.lr = optimizer.paramGroups[0]?.lr;
      history.push(logs);
      for (const cb of callbacks) await cb.onEpochEnd?.(epoch, logs, ctx);
    }
    for (const cb of callbacks) await cb.onTrainEnd?.(ctx);
  } finally {
    optimizer.zeroGrad();
    model.train(wasTraining);
  }
  return history;
}

/**
 * The mean loss (weighted by batch size) and each metric over `data`, with the model in eval mode and
 * no graph recorded. Returns {loss?, <metric name>: value}. The model's training mode is restored.
 */
export function evaluate(model: TrainableModel, data: Dataset, opts: EvaluateOptions = {}): Record<string, number> {
  const op = "evaluate";
  checkDataset(op, "data", data);
  const batchSize = checkInt(op, "batchSize", opts.batchSize ?? 256, 1);
  const lossFn = opts.loss === undefined ? undefined : resolveLoss(op, opts.loss);
  const metrics = opts.metrics ?? [];
  const lossMean = new Mean();
  for (const m of metrics) m.reset();
  const wasTraining = model.training;
  model.eval();
  try {
    const n = data.x.shape[0];
    for (let start = 0; start < n; start += batchSize) {
      const idx = new Int32Array(Math.min(batchSize, n - start)).map((_, i) => start + i);
      scope(() =>
        noGrad(() => {
          const { x, y } = batchOf(data, idx);
          const pred = model.call(x);
          if (lossFn) lossMean.update(lossFn(pred, y).item(), idx.length);
          for (const m of metrics) m.update(pred, y);
        }),
      );
    }
  } finally {
    model.train(wasTraining);
  }
  const out: Record<string, number> = {};
  if (lossFn) out.loss = lossMean.compute();
  for (const m of metrics) out[m.name] = m.compute();
  return out;
}

/** The model's outputs for every row of `x`, computed in batches in eval mode without a graph. */
export function predict(model: TrainableModel, x: Tensor, opts: { batchSize?: number } = {}): Tensor {
  const op = "predict";
  if (!x || typeof x.shape !== "object" || x.ndim === 0) throw new Error(`${op}: x must be a Tensor with a batch dimension`);
  const batchSize = checkInt(op, "batchSize", opts.batchSize ?? 256, 1);
  const n = x.shape[0];
  const wasTraining = model.training;
  model.eval();
  try {
    return scope(() =>
      noGrad(() => {
        const parts: Tensor[] = [];
        for (let start = 0; start < n; start += batchSize) {
          const idx = tensor(new Int32Array(Math.min(batchSize, n - start)).map((_, i) => start + i), { dtype: "int32" });
          parts.push(scope(() => model.call(indexSelect(x, 0, idx))));
        }
        return parts.length === 1 ? parts[0] : cat(parts, 0);
      }),
    );
  } finally {
    model.train(wasTraining);
  }
}
