// Training checkpoints: a model directory (saveModelDir) holding the weights, the optimizer state and,
// in its metadata, where training stands (FitResumeState), so fit({resumeFrom}) continues bit-identically.
import { loadModelDir, saveModelDir } from "../io/index.js";
import type { OptimizerStateMeta } from "../optim/index.js";
import { monitored, resolveMode, type BatchLogs, type Callback, type EpochLogs, type FitResumeState, type MonitorMode, type TrainContext, type TrainableModel } from "./types.js";
import type { Optimizer } from "../optim/index.js";

/** Options of ModelCheckpoint. */
export interface ModelCheckpointOptions {
  /** The model directory to write; `{epoch}` and `{step}` in it are replaced by the current numbers. */
  dir: string;
  /** The epoch log that decides "best" with saveBestOnly. Default "valLoss". */
  monitor?: string;
  /** Whether smaller or larger is better; "auto" (default) guesses from the name. */
  mode?: MonitorMode;
  /** Save at an epoch's end only when the monitored value improved. Default false. */
  saveBestOnly?: boolean;
  /** Save every n optimizer steps (mid-epoch too) instead of at epoch ends, regardless of the monitor (Keras's integer save_freq). */
  everyNSteps?: number;
}

/** The model's JSON config when it has one; otherwise its class name (enough to resume into a fresh instance). */
function architectureOf(model: TrainableModel): unknown {
  try {
    return model.getConfig();
  } catch {
    return { type: model.constructor.name, rebuildable: false };
  }
}

/** Writes a resumable checkpoint of the context's model and optimizer to `dir`. */
export async function saveCheckpoint(dir: string, ctx: TrainContext, logs?: EpochLogs): Promise<void> {
  const optimizer = ctx.optimizer.stateDict();
  try {
    await saveModelDir(dir, {
      architecture: architectureOf(ctx.model),
      stateDict: ctx.model.stateDict(),
      optimizer,
      metadata: { fit: ctx.resumeState(), ...(logs && { logs: jsonSafe(logs) }) },
    });
  } finally {
    for (const t of Object.values(optimizer.tensors)) t.dispose();
  }
}

function jsonSafe(logs: EpochLogs): Record<string, number | null> {
  return Object.fromEntries(Object.entries(logs).filter(([, v]) => v !== undefined).map(([k, v]) => [k, Number.isFinite(v) ? (v as number) : null]));
}

/**
 * Loads a checkpoint written by ModelCheckpoint into `model` and `optimizer` (which must have the same
 * parameters) and returns where training stood.
 */
export async function loadCheckpoint(dir: string, model: TrainableModel, optimizer: Optimizer): Promise<FitResumeState> {
  const loaded = await loadModelDir(dir);
  try {
    const fit = (loaded.config.metadata as { fit?: unknown } | undefined)?.fit;
    const state = checkResumeState(dir, fit);
    if (!loaded.optimizer) throw new Error(`resumeFrom: ${dir} has no optimizer state; it cannot resume training exactly`);
    model.loadStateDict(loaded.stateDict);
    optimizer.loadStateDict({ meta: loaded.optimizer.meta as unknown as OptimizerStateMeta, tensors: loaded.optimizer.tensors });
    return state;
  } finally {
    for (const t of Object.values(loaded.stateDict)) t.dispose();
    for (const t of Object.values(loaded.optimizer?.tensors ?? {})) t.dispose();
  }
}

function checkResumeState(dir: string, v: unknown): FitResumeState {
  const bad = (why: string): never => {
    throw new Error(`resumeFrom: ${dir} is not a fit() checkpoint: metadata.fit ${why}`);
  };
  if (v === null || typeof v !== "object") return bad("is missing");
  const s = v as Record<string, unknown>;
  for (const k of ["epoch", "batchInEpoch", "globalStep"]) if (!Number.isInteger(s[k]) || (s[k] as number) < 0) bad(`.${k} is not an integer >= 0`);
  for (const k of ["shuffleRng", "globalRng"]) if (!Array.isArray(s[k]) || (s[k] as unknown[]).some((x) => typeof x !== "number")) bad(`.${k} is not a number array`);
  return s as unknown as FitResumeState;
}

/** Saves a resumable checkpoint at epoch ends (all, or only improving ones), or every n optimizer steps. */
export class ModelCheckpoint implements Callback {
  readonly dir: string;
  readonly monitor: string;
  readonly mode: "min" | "max";
  readonly saveBestOnly: boolean;
  readonly everyNSteps: number;
  /** The best monitored value saved so far (NaN before any). */
  best = NaN;
  /** Every directory written, in order. */
  readonly saved: string[] = [];

  constructor(opts: ModelCheckpointOptions) {
    if (!opts || typeof opts.dir !== "string" || opts.dir === "") throw new Error("ModelCheckpoint: dir must be a non-empty string");
    this.dir = opts.dir;
    this.monitor = opts.monitor ?? "valLoss";
    this.mode = resolveMode(this.monitor, opts.mode);
    this.saveBestOnly = opts.saveBestOnly ?? false;
    this.everyNSteps = opts.everyNSteps ?? 0;
    if (!Number.isInteger(this.everyNSteps) || this.everyNSteps < 0) throw new Error(`ModelCheckpoint: everyNSteps must be an integer >= 0, got ${opts.everyNSteps}`);
  }

  private path(epoch: number, step: number): string {
    return this.dir.replaceAll("{epoch}", String(epoch)).replaceAll("{step}", String(step));
  }

  async onBatchEnd(logs: BatchLogs, ctx: TrainContext): Promise<void> {
    if (this.everyNSteps === 0 || !logs.stepped || logs.globalStep % this.everyNSteps !== 0) return;
    const dir = this.path(logs.epoch, logs.globalStep);
    await saveCheckpoint(dir, ctx);
    this.saved.push(dir);
  }

  async onEpochEnd(epoch: number, logs: EpochLogs, ctx: TrainContext): Promise<void> {
    if (this.everyNSteps > 0) return;
    if (this.saveBestOnly) {
      const v = monitored("ModelCheckpoint", logs, this.monitor);
      const better = Number.isNaN(this.best) || (this.mode === "min" ? v < this.best : v > this.best);
      if (!better) return;
      this.best = v;
    }
    const dir = this.path(epoch, ctx.resumeState().globalStep);
    await saveCheckpoint(dir, ctx, logs);
    this.saved.push(dir);
  }
}
