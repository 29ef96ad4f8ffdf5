// ReduceLROnPlateau: cuts the lr when a watched metric stops improving (torch ReduceLROnPlateau).
import type { Optimizer } from "./optimizer.js";
import { stateNumber, type SchedulerStateDict } from "./lr-scheduler.js";
import { Tensor } from "../tensor/index.js";

/** Options of ReduceLROnPlateau. */
export interface ReduceLROnPlateauOptions {
  /** "min" (default): the metric should fall (a loss); "max": it should rise (an accuracy). */
  mode?: "min" | "max";
  /** New lr = lr · factor (default 0.1; must be < 1). */
  factor?: number;
  /** Epochs without improvement tolerated before cutting the lr (default 10). */
  patience?: number;
  /** How much better counts as better (default 1e-4). */
  threshold?: number;
  /** "rel" (default): better than best·(1 ∓ threshold); "abs": better than best ∓ threshold. */
  thresholdMode?: "rel" | "abs";
  /** Epochs to wait after a cut before counting bad epochs again (default 0). */
  cooldown?: number;
  /** Lower bound of the lr, one for all groups or one per group (default 0). */
  minLr?: number | readonly number[];
  /** Cuts smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/**
 * Multiplies every group's lr by `factor` once the metric passed to step(metric) has not improved for
 * more than `patience` epochs.
 */
export class ReduceLROnPlateau {
  private readonly mode: "min" | "max";
  private readonly factor: number;
  private readonly patience: number;
  private readonly threshold: number;
  private readonly thresholdMode: "rel" | "abs";
  private readonly cooldown: number;
  private readonly minLrs: number[];
  private readonly eps: number;
  /** Best metric so far (±Infinity before the first step). */
  best: number;
  /** Consecutive epochs without improvement. */
  numBadEpochs = 0;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  /** Number of step() calls. */
  lastEpoch = 0;
  private lastLr: number[];

  constructor(
    readonly optimizer: Optimizer,
    options: ReduceLROnPlateauOptions = {},
  ) {
    const op = "ReduceLROnPlateau";
    this.mode = options.mode ?? "min";
    this.factor = options.factor ?? 0.1;
    this.patience = options.patience ?? 10;
    this.threshold = options.threshold ?? 1e-4;
    this.thresholdMode = options.thresholdMode ?? "rel";
    this.cooldown = options.cooldown ?? 0;
    this.eps = options.eps ?? 1e-8;
    if (this.mode !== "min" && this.mode !== "max") throw new Error(`${op}: mode must be "min" or "max", got ${String(this.mode)}`);
    if (this.thresholdMode !== "rel" && this.thresholdMode !== "abs") throw new Error(`${op}: thresholdMode must be "rel" or "abs", got ${String(this.thresholdMode)}`);
    if (!(this.factor < 1)) throw new Error(`${op}: factor must be < 1, got ${this.factor}`);
    if (!Number.isInteger(this.patience) || this.patience < 0) throw new Error(`${op}: patience must be a non-negative integer, got ${this.patience}`);
    if (!Number.isInteger(this.cooldown) || this.cooldown < 0) throw new Error(`${op}: cooldown must be a non-negative integer, got ${this.cooldown}`);
    const n = optimizer.paramGroups.length;
    const minLr = options.minLr ?? 0;
    if (typeof minLr === "number") this.minLrs = Array.from({ length: n }, () => minLr);
    else if (Array.isArray(minLr) && minLr.length === n) this.minLrs = [...minLr];
    else throw new Error(`${op}: minLr must be a number or an array of ${n} numbers (one per param group)`);
    this.best = this.worst();
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  private worst(): number {
    return this.mode === "min" ? Infinity : -Infinity;
  }

  private isBetter(a: number, best: number): boolean {
    if (this.mode === "min") return this.thresholdMode === "rel" ? a < best * (1 - this.threshold) : a < best - this.threshold;
    return this.thresholdMode === "rel" ? a > best * (this.threshold + 1) : a > best + this.threshold;
  }

  /** Records one epoch's metric (a number or a one-element tensor) and cuts the lrs if it has plateaued. */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? metric.item() : metric;
    if (typeof current !== "number") throw new Error(`ReduceLROnPlateau.step: metric must be a number or a one-element tensor, got ${typeof metric}`);
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs during cooldown do not count
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const next = Math.max(g.lr * this.factor, this.minLrs[i]);
        if (g.lr - next > this.eps) g.lr = next;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** The current lr of each group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Progress as JSON; `best` is null until a metric improved on ±Infinity (JSON has no Infinity). */
  stateDict(): SchedulerStateDict {
    return {
      best: Number.isFinite(this.best) ? this.best : null,
      numBadEpochs: this.numBadEpochs,
      cooldownCounter: this.cooldownCounter,
      lastEpoch: this.lastEpoch,
      lastLr: [...this.lastLr],
    };
  }

  /** Restores progress saved by stateDict() (the configuration comes from the constructor). */
  loadStateDict(state: SchedulerStateDict): void {
    const op = "ReduceLROnPlateau.loadStateDict";
    const best = state.best === null ? this.worst() : stateNumber(op, state, "best");
    const numBad = stateNumber(op, state, "numBadEpochs");
    const cooldown = stateNumber(op, state, "cooldownCounter");
    const lastEpoch = stateNumber(op, state, "lastEpoch");
    const lastLr = state.lastLr;
    if (!Array.isArray(lastLr) || lastLr.length !== this.optimizer.paramGroups.length || !lastLr.every((x) => typeof x === "number")) {
      throw new Error(`${op}: lastLr must be an array of ${this.optimizer.paramGroups.length} numbers`);
    }
    this.best = best;
    this.numBadEpochs = numBad;
    this.cooldownCounter = cooldown;
    this.lastEpoch = lastEpoch;
    this.lastLr = lastLr as number[];
  }
}
