// Multi-class losses: crossEntropy (class-index or probability targets) and nllLoss. Class-index
// targets go to the engine's fused kernels; probability targets compose logSoftmax so autograd reaches
// the target as well.
import { noGrad } from "../autograd/index.js";
import {
  add, argmax, cast, crossEntropy as engineCrossEntropy, div, ge, logicalAnd, logicalOr, logSoftmax, lt, mul, ne, neg,
  nllLoss as engineNllLoss, reshape, scope, ShapeError, sum, type CrossEntropyOptions, type NllLossOptions, type Tensor,
} from "../tensor/index.js";
import { checkFloat, checkReduction, composite, fmt, sameShape } from "./common.js";
import { autocastFloat32 } from "../amp/autocast.js";
import { isFloatingPoint } from "../tensor/dtype.js";

export type { CrossEntropyOptions, NllLossOptions } from "../tensor/index.js";

/** Layout of a class-dim input: [C] (unbatched) or [N, C, d1, ...]. */
interface ClassLayout {
  cdim: number;
  classes: number;
  /** The input shape without the class dim: what class-index targets must be. */
  indexShape: number[];
}

function classLayout(loss: string, input: Tensor): ClassLayout {
  if (input.ndim === 0) throw new ShapeError(loss, `input must be [N, C, ...] or [C], got a scalar ${fmt(input.shape)}`);
  const cdim = input.ndim === 1 ? 0 : 1;
  const classes = input.shape[cdim];
  if (classes === 0) throw new ShapeError(loss, `input ${fmt(input.shape)} has no classes (C = 0)`);
  return { cdim, classes, indexShape: input.shape.filter((_, i) => i !== cdim) };
}

function checkClassOptions(loss: string, input: Tensor, layout: ClassLayout, opts: CrossEntropyOptions): void {
  checkReduction(loss, opts.reduction ?? "mean");
  checkFloat(loss, "input", input);
  checkFloat(loss, "weight", opts.weight);
  const w = opts.weight;
  if (w && !(w.ndim === 1 && w.shape[0] === layout.classes)) {
    throw new ShapeError(loss, `weight must be [${layout.classes}] (one per class of input ${fmt(input.shape)}), got ${fmt(w.shape)}`);
  }
  const eps = opts.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) throw new ShapeError(loss, `labelSmoothing must be in [0, 1], got ${eps}`);
  if (opts.ignoreIndex !== undefined && !Number.isInteger(opts.ignoreIndex)) throw new ShapeError(loss, `ignoreIndex must be an integer, got ${opts.ignoreIndex}`);
}

/** The flat position and value of the first non-ignored target outside [0, classes), or null. */
function firstBadIndex(target: Tensor, classes: number, ignoreIndex: number): { at: number; value: number } | null {
  if (target.size === 0) return null;
  return noGrad(() => scope(() => {
    const bad = logicalAnd(ne(target, ignoreIndex), logicalOr(lt(target, 0), ge(target, classes)));
    const at = argmax(cast(bad, "int32")).item();
    if (!bad.dataSync()[at]) return null;
    return { at, value: target.dataSync()[at] };
  }));
}

/** Multi-index `[i,j,...]` of a flat position in `shape`. */
function unflat(at: number, shape: readonly number[]): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(at % shape[d]);
    at = Math.floor(at / shape[d]);
  }
  return `[${idx.join(",")}]`;
}

/**
 * Runs the engine's class-index loss; when it rejects the targets' range, names the offending index,
 * where it is, and C (the engine reports only the span of values, and checking here first would add a
 * device sync to every call).
 */
function classIndexLoss(loss: string, input: Tensor, target: Tensor, opts: CrossEntropyOptions, run: () => Tensor): Tensor {
  const layout = classLayout(loss, input);
  checkClassOptions(loss, input, layout, opts);
  if (target.dtype !== "int32") throw new ShapeError(loss, `target must hold int32 class indices, got ${target.dtype} ${fmt(target.shape)}`);
  if (!sameShape(target.shape, layout.indexShape)) {
    throw new ShapeError(loss, `input ${fmt(input.shape)} needs target ${fmt(layout.indexShape)}, got ${fmt(target.shape)} (int32 class indices; float32 probabilities would be ${fmt(input.shape)})`);
  }
  try {
    return run();
  } catch (e) {
    const bad = e instanceof ShapeError ? firstBadIndex(target, layout.classes, opts.ignoreIndex ?? -100) : null;
    if (!bad) throw e;
    // keeps the engine's wording (the span of values) and adds the first offending index and C
    const msg = (e as Error).message;
    const engineDetail = msg.startsWith(`${loss}: `) ? msg.slice(loss.length + 2) : msg;
    throw new ShapeError(loss, `${engineDetail}; first bad: target${unflat(bad.at, target.shape)} = ${bad.value} with C = ${layout.classes}`);
  }
}

/** Cross entropy against probability targets of the input's shape: −Σ_c w_c·t_c·logSoftmax(x)_c. */
function probabilityTargetLoss(loss: string, input: Tensor, target: Tensor, opts: CrossEntropyOptions): Tensor {
  const layout = classLayout(loss, input);
  checkClassOptions(loss, input, layout, opts);
  if (!sameShape(target.shape, input.shape)) {
    if (sameShape(target.shape, layout.indexShape)) {
      // the shape of class indices: most likely indices stored as floats
      throw new ShapeError(loss, `target must hold int32 class indices, got float32 ${fmt(target.shape)} (a float32 target is read as probabilities and must be ${fmt(input.shape)})`);
    }
    throw new ShapeError(loss, `input ${fmt(input.shape)} needs probability target ${fmt(input.shape)} (or int32 class indices ${fmt(layout.indexShape)}), got ${fmt(target.shape)}`);
  }
  // −100 is PyTorch's default, a no-op here as there: only a deliberate ignoreIndex is a mistake
  if (opts.ignoreIndex !== undefined && opts.ignoreIndex !== -100) {
    throw new ShapeError(loss, `ignoreIndex applies only to int32 class-index targets; this target holds probabilities (float32 ${fmt(target.shape)})`);
  }
  const { cdim, classes } = layout;
  const reduction = opts.reduction ?? "mean";
  const eps = opts.labelSmoothing ?? 0;
  const w = opts.weight ?? null;
  const body = (): Tensor => {
    const t = eps > 0 ? add(mul(target, 1 - eps), eps / classes) : target;
    let prod = mul(logSoftmax(input, cdim), t);
    if (w) prod = mul(prod, input.ndim > 1 ? reshape(w, input.shape.map((d, i) => (i === 1 ? d : 1))) : w);
    if (reduction === "none") return neg(sum(prod, cdim));
    const total = neg(sum(prod));
    // PyTorch's mean over probability targets divides by the number of positions, not by weights
    return reduction === "sum" ? total : div(total, input.size / classes);
  };
  return composite([input, target, w], body);
}

/**
 * Cross entropy of logits [N, C] ([N, C, d1, ...], or [C]) against either int32 class indices [N]
 * ([N, d1, ...], []) — the engine's fused logSoftmax + gather, with class `weight`, `ignoreIndex` and
 * `labelSmoothing` — or float32 class probabilities of the input's shape. "mean" divides by the summed
 * weights of non-ignored targets for class indices and by the number of positions for probabilities,
 * as PyTorch does.
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const loss = "crossEntropy";
  [input, target] = autocastFloat32([input, target]);
  if (isFloatingPoint(target.dtype)) return probabilityTargetLoss(loss, input, target, opts);
  if (target.dtype !== "int32") {
    throw new ShapeError(loss, `target must be int32 class indices or float32 probabilities, got ${target.dtype} ${fmt(target.shape)}`);
  }
  return classIndexLoss(loss, input, target, opts, () => engineCrossEntropy(input, target, opts));
}

/**
 * Negative log-likelihood of log-probabilities [N, C] ([N, C, d1, ...], or [C]) at int32 class indices
 * [N] ([N, d1, ...], []), with class `weight` and `ignoreIndex`; "mean" divides by the summed weights
 * of non-ignored targets.
 */
export function nllLoss(input: Tensor, target: Tensor, opts: NllLossOptions = {}): Tensor {
  [input] = autocastFloat32([input]);
  return classIndexLoss("nllLoss", input, target, opts, () => engineNllLoss(input, target, opts));
}
