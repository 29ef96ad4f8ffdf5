// Normalisation layers: BatchNorm1d/2d (with running statistics), LayerNorm and RMSNorm.
import { noGrad } from "../autograd/grad-mode.js";
import { ones, tensor, zeros } from "../tensor/creation.js";
import { mul, rsqrt, add, square } from "../tensor/ops/elementwise.js";
import { batchNorm, layerNorm } from "../tensor/ops/nn/norm.js";
import { mean } from "../tensor/ops/reduce.js";
import { fmtShape, ShapeError, shapeEquals } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { ConfigReader, registerLayer, type LayerConfig } from "./config.js";
import { ones_, zeros_ } from "./init.js";
import { Module } from "./module.js";
import type { Parameter } from "./parameter.js";
import { checkInt, emptyParameter, forwardScope } from "./util.js";

export interface BatchNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /**
   * Weight of the current batch in the running statistics (default 0.1); null keeps a cumulative
   * average instead (each batch weighted 1/numBatchesTracked), as PyTorch's momentum=None.
   */
  momentum?: number | null;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
  /** Keep running mean/var buffers for eval mode (default true); without them eval uses batch statistics. */
  trackRunningStats?: boolean;
}

/**
 * Batch normalisation over the channel dim 1. Training normalises with the batch's statistics and
 * updates the running mean and (unbiased) variance; eval mode normalises with the running ones.
 * State: weight/bias (ones/zeros), buffers runningMean (zeros), runningVar (ones), numBatchesTracked.
 */
abstract class BatchNormBase extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  runningMean!: Tensor | null;
  runningVar!: Tensor | null;
  numBatchesTracked!: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;

  constructor(private readonly layerType: "BatchNorm1d" | "BatchNorm2d", readonly numFeatures: number, opts: BatchNormOptions) {
    super();
    const name = layerType;
    checkInt(name, "numFeatures", numFeatures);
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.trackRunningStats ?? true;
    if (!(this.eps >= 0)) throw new Error(`${name}: eps must be >= 0, got ${this.eps}`);
    if (this.momentum !== null && !(this.momentum >= 0 && this.momentum <= 1)) throw new Error(`${name}: momentum must be in [0, 1] or null, got ${this.momentum}`);
    this.weight = this.affine ? emptyParameter([numFeatures]) : null;
    this.bias = this.affine ? emptyParameter([numFeatures]) : null;
    if (this.trackRunningStats) {
      this.registerBuffer("runningMean", zeros([numFeatures]));
      this.registerBuffer("runningVar", ones([numFeatures]));
      this.registerBuffer("numBatchesTracked", tensor(0, { dtype: "int32" }));
    } else {
      this.registerBuffer("runningMean", null);
      this.registerBuffer("runningVar", null);
      this.registerBuffer("numBatchesTracked", null);
    }
    this.resetParameters();
  }

  /** Running statistics back to mean 0, variance 1, no batches seen. */
  resetRunningStats(): void {
    if (this.runningMean) zeros_(this.runningMean);
    if (this.runningVar) ones_(this.runningVar);
    if (this.numBatchesTracked) zeros_(this.numBatchesTracked);
  }

  /** Resets the running statistics and the affine parameters (weight 1, bias 0). */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  protected abstract checkRank(x: Tensor): void;

  protected label(): string {
    return `${this.layerType}(${this.numFeatures})`;
  }

  override forward(x: Tensor): Tensor {
    this.checkRank(x);
    if (x.shape[1] !== this.numFeatures) throw new ShapeError(this.label(), `input ${fmtShape(x.shape)} has ${x.shape[1]} channels, expected ${this.numFeatures}`);
    let factor = this.momentum ?? 0;
    if (this.training && this.numBatchesTracked) {
      noGrad(() => this.numBatchesTracked!.add_(1));
      // cumulative average: the n-th batch gets weight 1/n (one small read, only in this mode)
      if (this.momentum === null) factor = 1 / this.numBatchesTracked.item();
    }
    // without running stats, eval mode normalises with the batch's own statistics (as PyTorch)
    const useBatchStats = this.training || !this.runningMean || !this.runningVar;
    return batchNorm(x, this.runningMean, this.runningVar, this.weight, this.bias, useBatchStats, factor, this.eps);
  }

  override getConfig(): LayerConfig {
    return {
      type: this.layerType, numFeatures: this.numFeatures, eps: this.eps, momentum: this.momentum,
      affine: this.affine, trackRunningStats: this.trackRunningStats,
    };
  }
}

/** BatchNorm over x [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super("BatchNorm1d", numFeatures, opts);
  }

  protected checkRank(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw new ShapeError(this.label(), `expects input [N, C] or [N, C, L], got ${fmtShape(x.shape)}`);
  }
}

/** BatchNorm over x [N, C, H, W]. */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super("BatchNorm2d", numFeatures, opts);
  }

  protected checkRank(x: Tensor): void {
    if (x.ndim !== 4) throw new ShapeError(this.label(), `expects input [N, C, H, W], got ${fmtShape(x.shape)}`);
  }
}

export interface LayerNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learn a scale (and bias) of shape normalizedShape (default true). */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine, also learn the additive bias (default true). */
  bias?: boolean;
}

function normalizedShapeOf(layer: string, s: number | readonly number[]): number[] {
  const ns = typeof s === "number" ? [s] : [...s];
  if (ns.length === 0) throw new Error(`${layer}: normalizedShape must not be empty`);
  for (const d of ns) checkInt(layer, "normalizedShape", d);
  return ns;
}

function checkTrailing(label: string, x: Tensor, ns: readonly number[]): void {
  if (ns.length > x.ndim || !shapeEquals(x.shape.slice(x.ndim - ns.length), ns)) {
    throw new ShapeError(label, `input ${fmtShape(x.shape)} does not end in normalizedShape ${fmtShape(ns)}`);
  }
}

/** Layer normalisation over the trailing `normalizedShape` dims; weight ones, bias zeros. */
export class LayerNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;

  constructor(normalizedShape: number | readonly number[], opts: LayerNormOptions = {}) {
    super();
    this.normalizedShape = normalizedShapeOf("LayerNorm", normalizedShape);
    this.eps = opts.eps ?? 1e-5;
    this.elementwiseAffine = opts.elementwiseAffine ?? true;
    this.weight = this.elementwiseAffine ? emptyParameter(this.normalizedShape) : null;
    this.bias = this.elementwiseAffine && (opts.bias ?? true) ? emptyParameter(this.normalizedShape) : null;
    this.resetParameters();
  }

  /** Weight back to ones, bias to zeros. */
  resetParameters(): void {
    if (this.weight) ones_(this.weight);
    if (this.bias) zeros_(this.bias);
  }

  override forward(x: Tensor): Tensor {
    checkTrailing(`LayerNorm(${fmtShape(this.normalizedShape)})`, x, this.normalizedShape);
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }

  override getConfig(): LayerConfig {
    return { type: "LayerNorm", normalizedShape: [...this.normalizedShape], eps: this.eps, elementwiseAffine: this.elementwiseAffine, bias: this.bias !== null };
  }
}

export interface RMSNormOptions {
  /** Added to the mean square; null (the default) uses float32's machine epsilon, as PyTorch. */
  eps?: number | null;
  /** Learn a scale of shape normalizedShape (default true, starts at ones). */
  elementwiseAffine?: boolean;
}

const FLOAT32_EPS = 2 ** -23;

/** Root-mean-square normalisation (Zhang & Sennrich): y = x / √(mean(x²) + eps) · weight over the trailing dims. */
export class RMSNorm extends Module {
  weight: Parameter | null;
  readonly normalizedShape: number[];
  readonly eps: number | null;
  readonly elementwiseAffine: boolean;

  constructor(normalizedShape: number | readonly number[], opts: RMSNormOptions = {}) {
    super();
    this.normalizedShape = normalizedShapeOf("RMSNorm", normalizedShape);
    this.eps = opts.eps ?? null;
    if (this.eps !== null && !(this.eps >= 0)) throw new Error(`RMSNorm: eps must be >= 0 or null, got ${this.eps}`);
    this.elementwiseAffine = opts.elementwiseAffine ?? true;
    this.weight = this.elementwiseAffine ? emptyParameter(this.normalizedShape) : null;
    this.resetParameters();
  }

  /** Weight back to ones. */
  resetParameters(): void {
    if (this.weight) ones_(this.weight);
  }

  override forward(x: Tensor): Tensor {
    const ns = this.normalizedShape;
    checkTrailing(`RMSNorm(${fmtShape(ns)})`, x, ns);
    const dims = ns.map((_, i) => x.ndim - ns.length + i);
    return forwardScope([x, this.weight], () => {
      const y = mul(x, rsqrt(add(mean(square(x), dims, true), this.eps ?? FLOAT32_EPS)));
      return this.weight ? mul(y, this.weight) : y;
    });
  }

  override getConfig(): LayerConfig {
    return { type: "RMSNorm", normalizedShape: [...this.normalizedShape], eps: this.eps, elementwiseAffine: this.elementwiseAffine };
  }
}

function batchNormFactory(make: (n: number, o: BatchNormOptions) => Module) {
  return (c: LayerConfig): Module => {
    const r = new ConfigReader(c);
    return make(r.int("numFeatures"), {
      eps: r.number("eps", 1e-5), momentum: r.numberOrNull("momentum", 0.1), affine: r.bool("affine", true), trackRunningStats: r.bool("trackRunningStats", true),
    });
  };
}

registerLayer("BatchNorm1d", batchNormFactory((n, o) => new BatchNorm1d(n, o)));
registerLayer("BatchNorm2d", batchNormFactory((n, o) => new BatchNorm2d(n, o)));

registerLayer("LayerNorm", (c) => {
  const r = new ConfigReader(c);
  return new LayerNorm(r.intOrInts("normalizedShape"), { eps: r.number("eps", 1e-5), elementwiseAffine: r.bool("elementwiseAffine", true), bias: r.bool("bias", true) });
});

registerLayer("RMSNorm", (c) => {
  const r = new ConfigReader(c);
  return new RMSNorm(r.intOrInts("normalizedShape"), { eps: r.numberOrNull("eps", null), elementwiseAffine: r.bool("elementwiseAffine", true) });
});
