// The stock callbacks: early stopping, JSONL logging, LR scheduling and the progress bar.
import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { noGrad } from "../autograd/index.js";
import type { LRScheduler, ReduceLROnPlateau } from "../optim/index.js";
import { clone, keep, type Tensor } from "../tensor/index.js";
import { ProgressBar } from "./progress.js";
import { monitored, resolveMode, type BatchLogs, type Callback, type EpochLogs, type MonitorMode, type TrainContext } from "./types.js";

/** Options of EarlyStopping (Keras's names in camelCase). */
export interface EarlyStoppingOptions {
  /** The epoch log to watch. Default "valLoss". */
  monitor?: string;
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
  /** The least change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Whether smaller ("min") or larger ("max") is better; "auto" (default) guesses from the name. */
  mode?: MonitorMode;
  /** At the end of training, load the weights of the best epoch. Default false. */
  restoreBestWeights?: boolean;
}

/** Stops training when the monitored value has not improved for `patience` epochs. */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly patience: number;
  readonly minDelta: number;
  readonly mode: "min" | "max";
  readonly restoreBestWeights: boolean;
  /** The best monitored value seen, and the 1-based epoch it came from (0 before any). */
  best = NaN;
  bestEpoch = 0;
  /** The epoch training was stopped after, 0 when it was not stopped. */
  stoppedEpoch = 0;
  private wait = 0;
  private bestWeights: Record<string, Tensor> | null = null;

  constructor(opts: EarlyStoppingOptions = {}) {
    this.monitor = opts.monitor ?? "valLoss";
    this.patience = opts.patience ?? 0;
    this.minDelta = Math.abs(opts.minDelta ?? 0);
    this.mode = resolveMode(this.monitor, opts.mode);
    this.restoreBestWeights = opts.restoreBestWeights ?? false;
    if (!Number.isInteger(this.patience) || this.patience < 0) throw new Error(`EarlyStopping: patience must be an integer >= 0, got ${opts.patience}`);
    if (!Number.isFinite(this.minDelta)) throw new Error(`EarlyStopping: minDelta must be a finite number, got ${opts.minDelta}`);
  }

  onTrainBegin(): void {
    this.best = NaN;
    this.bestEpoch = 0;
    this.stoppedEpoch = 0;
    this.wait = 0;
    this.dropSnapshot();
  }

  private improved(v: number): boolean {
    if (Number.isNaN(this.best)) return !Number.isNaN(v);
    return this.mode === "min" ? v < this.best - this.minDelta : v > this.best + this.minDelta;
  }

  onEpochEnd(epoch: number, logs: EpochLogs, ctx: TrainContext): void {
    const v = monitored("EarlyStopping", logs, this.monitor);
    if (this.improved(v)) {
      this.best = v;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) this.snapshot(ctx);
      return;
    }
    this.wait++;
    if (this.wait > this.patience) {
      this.stoppedEpoch = epoch;
      ctx.stopTraining = true;
    }
  }

  onTrainEnd(ctx: TrainContext): void {
    if (this.bestWeights && this.bestEpoch !== ctx.history.at(-1)?.epoch) ctx.model.loadStateDict(this.bestWeights);
    this.dropSnapshot();
  }

  private snapshot(ctx: TrainContext): void {
    this.dropSnapshot();
    const state = ctx.model.stateDict();
    // copies kept out of every scope: they must outlive the epoch
    this.bestWeights = noGrad(() => Object.fromEntries(Object.entries(state).map(([k, t]) => [k, keep(clone(t))])));
  }

  private dropSnapshot(): void {
    if (this.bestWeights) for (const t of Object.values(this.bestWeights)) t.dispose();
    this.bestWeights = null;
  }
}

/** Appends one JSON line per epoch (the epoch's logs) to `path`, creating its folder if needed. */
export class JsonlLogger implements Callback {
  constructor(readonly path: string) {
    if (typeof path !== "string" || path === "") throw new Error(`JsonlLogger: path must be a non-empty string, got ${String(path)}`);
  }

  async onTrainBegin(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
  }

  async onEpochEnd(_epoch: number, logs: EpochLogs): Promise<void> {
    // NaN/Infinity are not JSON: write them as null rather than produce an unparsable line
    const clean = Object.fromEntries(Object.entries(logs).map(([k, v]) => [k, typeof v === "number" && !Number.isFinite(v) ? null : v]));
    await appendFile(this.path, `${JSON.stringify(clean)}\n`);
  }
}

/** A per-epoch LR scheduler: ReduceLROnPlateau or any LRScheduler. */
export type EpochScheduler = LRScheduler | ReduceLROnPlateau;

function isPlateau(s: EpochScheduler): s is ReduceLROnPlateau {
  return "numBadEpochs" in s;
}

/**
 * Steps an LR scheduler once per epoch, after validation; ReduceLROnPlateau gets the monitored value
 * (default "valLoss", or "loss" when there is no validation). The epoch's `lr` log stays the rate it trained with.
 */
export class LRSchedulerCallback implements Callback {
  constructor(
    readonly scheduler: EpochScheduler,
    readonly opts: { monitor?: string } = {},
  ) {}

  onEpochEnd(_epoch: number, logs: EpochLogs): void {
    if (isPlateau(this.scheduler)) {
      const monitor = this.opts.monitor ?? ("valLoss" in logs ? "valLoss" : "loss");
      this.scheduler.step(monitored("ReduceLROnPlateau", logs, monitor));
    } else {
      this.scheduler.step();
    }
  }
}

/** The terminal progress bar for fit(verbose): one bar per epoch with step, loss, metrics, samples/s and ETA. */
export class ProgressCallback implements Callback {
  private bar: ProgressBar | null = null;
  private seen = 0;
  private lossSum = 0;
  private steps = 0;

  constructor(
    readonly samplesPerEpoch: number,
    readonly stream?: NodeJS.WriteStream,
  ) {}

  onEpochBegin(epoch: number, ctx: TrainContext): void {
    this.bar = new ProgressBar({ total: this.samplesPerEpoch, label: `epoch ${epoch}/${ctx.epochs}`, unit: "samples", stream: this.stream });
    this.seen = this.lossSum = this.steps = 0;
  }

  onBatchEnd(logs: BatchLogs): void {
    this.seen += logs.size;
    this.lossSum += logs.loss * logs.size;
    this.steps++;
    // the last batch is drawn by onEpochEnd, with the validation numbers
    if (this.seen < this.samplesPerEpoch) this.bar?.update(this.seen, { step: this.steps, loss: this.lossSum / this.seen });
  }

  onEpochEnd(_epoch: number, logs: EpochLogs): void {
    const shown: Record<string, number> = { step: this.steps };
    for (const [k, v] of Object.entries(logs)) if (k !== "epoch" && typeof v === "number") shown[k] = v;
    this.bar?.update(this.samplesPerEpoch, shown);
  }
}
