// Schedulers that multiply the lr by a factor: StepLR, MultiStepLR, ExponentialLR, LinearLR, LambdaLR.
// Each mirrors PyTorch 1.13's chainable form (the next lr from the current one), so several can be
// stepped together on one optimizer and compose multiplicatively.
import type { Optimizer } from "./optimizer.js";
import { bisectRight, checkPositiveInt, LRScheduler, type SchedulerOptions } from "./lr-scheduler.js";

function checkGamma(op: string, gamma: number): void {
  if (typeof gamma !== "number" || !Number.isFinite(gamma)) throw new Error(`${op}: gamma must be a finite number, got ${String(gamma)}`);
}

/** Options of StepLR. */
export interface StepLROptions extends SchedulerOptions {
  /** Decay every stepSize epochs. */
  stepSize: number;
  /** Multiplicative factor (default 0.1). */
  gamma?: number;
}

/** Multiplies each group's lr by gamma every stepSize epochs (torch StepLR). */
export class StepLR extends LRScheduler {
  private readonly stepSize: number;
  private readonly gamma: number;

  constructor(optimizer: Optimizer, options: StepLROptions) {
    super(optimizer, options.lastEpoch, "StepLR");
    checkPositiveInt("StepLR", "stepSize", options.stepSize);
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
    checkGamma("StepLR", this.gamma);
    this.initialStep();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

/** Options of MultiStepLR. */
export interface MultiStepLROptions extends SchedulerOptions {
  /** Epochs at which to decay (a repeated milestone decays that many times). */
  milestones: readonly number[];
  /** Multiplicative factor (default 0.1). */
  gamma?: number;
}

/** Multiplies each group's lr by gamma at each milestone epoch (torch MultiStepLR). */
export class MultiStepLR extends LRScheduler {
  /** milestone → how many times it was listed. */
  private readonly counts = new Map<number, number>();
  private readonly sorted: number[];
  private readonly gamma: number;

  constructor(optimizer: Optimizer, options: MultiStepLROptions) {
    super(optimizer, options.lastEpoch, "MultiStepLR");
    if (!Array.isArray(options.milestones)) throw new Error("MultiStepLR: milestones must be an array of epochs");
    for (const m of options.milestones) {
      if (!Number.isInteger(m) || m < 0) throw new Error(`MultiStepLR: milestones must be non-negative integers, got ${String(m)}`);
      this.counts.set(m, (this.counts.get(m) ?? 0) + 1);
    }
    this.sorted = [...options.milestones].sort((a, b) => a - b);
    this.gamma = options.gamma ?? 0.1;
    checkGamma("MultiStepLR", this.gamma);
    this.initialStep();
  }

  protected getLr(): number[] {
    const n = this.counts.get(this.lastEpoch);
    if (n === undefined) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * this.gamma ** n);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** bisectRight(this.sorted, this.lastEpoch));
  }
}

/** Options of ExponentialLR. */
export interface ExponentialLROptions extends SchedulerOptions {
  /** Multiplicative factor per epoch. */
  gamma: number;
}

/** Multiplies each group's lr by gamma every epoch (torch ExponentialLR). */
export class ExponentialLR extends LRScheduler {
  private readonly gamma: number;

  constructor(optimizer: Optimizer, options: ExponentialLROptions) {
    super(optimizer, options.lastEpoch, "ExponentialLR");
    checkGamma("ExponentialLR", options.gamma);
    this.gamma = options.gamma;
    this.initialStep();
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch);
  }
}

/** Options of LinearLR. */
export interface LinearLROptions extends SchedulerOptions {
  /** Factor at epoch 0, in (0, 1] (default 1/3). */
  startFactor?: number;
  /** Factor from totalIters on, in [0, 1] (default 1). */
  endFactor?: number;
  /** Epochs over which the factor moves linearly (default 5). */
  totalIters?: number;
}

/**
 * Scales each group's lr by a factor moving linearly from startFactor to endFactor over totalIters
 * epochs, then holds it (torch LinearLR): the usual warmup.
 */
export class LinearLR extends LRScheduler {
  private readonly startFactor: number;
  private readonly endFactor: number;
  private readonly totalIters: number;

  constructor(optimizer: Optimizer, options: LinearLROptions = {}) {
    super(optimizer, options.lastEpoch, "LinearLR");
    this.startFactor = options.startFactor ?? 1 / 3;
    this.endFactor = options.endFactor ?? 1;
    this.totalIters = options.totalIters ?? 5;
    // startFactor 0 would divide by zero in the chainable update at epoch 1
    if (!(this.startFactor > 0 && this.startFactor <= 1)) throw new Error(`LinearLR: startFactor must be in (0, 1], got ${this.startFactor}`);
    if (!(this.endFactor >= 0 && this.endFactor <= 1)) throw new Error(`LinearLR: endFactor must be in [0, 1], got ${this.endFactor}`);
    checkPositiveInt("LinearLR", "totalIters", this.totalIters);
    this.initialStep();
  }

  protected getLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: n, lastEpoch: k } = this;
    if (k === 0) return this.currentLrs().map((lr) => lr * s);
    if (k > n) return this.currentLrs();
    return this.currentLrs().map((lr) => lr * (1 + (e - s) / (n * s + (k - 1) * (e - s))));
  }

  protected override closedFormLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: n } = this;
    return this.baseLrs.map((b) => b * (s + ((e - s) * Math.min(n, this.lastEpoch)) / n));
  }
}

/** Options of LambdaLR. */
export interface LambdaLROptions extends SchedulerOptions {
  /** epoch → factor of the initial lr; one function for all groups or one per group. */
  lrLambda: ((epoch: number) => number) | readonly ((epoch: number) => number)[];
}

/** Sets each group's lr to initialLr · lrLambda(epoch) (torch LambdaLR). The functions are not saved by stateDict. */
export class LambdaLR extends LRScheduler {
  private readonly lambdas: ((epoch: number) => number)[];

  constructor(optimizer: Optimizer, options: LambdaLROptions) {
    super(optimizer, options.lastEpoch, "LambdaLR");
    const n = optimizer.paramGroups.length;
    const f = options.lrLambda;
    if (typeof f === "function") this.lambdas = Array.from({ length: n }, () => f);
    else if (Array.isArray(f) && f.length === n && f.every((x) => typeof x === "function")) this.lambdas = [...f];
    else throw new Error(`LambdaLR: lrLambda must be a function or an array of ${n} functions (one per param group)`);
    this.initialStep();
  }

  protected getLr(): number[] {
    return this.baseLrs.map((b, i) => b * this.lambdas[i](this.lastEpoch));
  }
}
