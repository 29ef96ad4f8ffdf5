// Regression losses on a prediction and a target of the same shape: MSE, L1, smooth L1 and Huber.
import { abs, lt, mul, square, sub, where, type Reduction, type Tensor } from "../tensor/index.js";
import { autocastFloat32 } from "../amp/autocast.js";
import { checkFinite, checkFloat, checkReduction, checkSameShape, composite, reduce, type ReductionOptions } from "./common.js";

/** Options of smoothL1Loss. */
export interface SmoothL1Options extends ReductionOptions {
  /** Where the loss turns from quadratic to linear (default 1; 0 gives the L1 loss). */
  beta?: number;
}

/** Options of huberLoss. */
export interface HuberOptions extends ReductionOptions {
  /** Where the loss turns from quadratic to linear (default 1, must be > 0). */
  delta?: number;
}

/** Checks a pointwise loss's pair and returns the reduction. */
function pointwise(loss: string, input: Tensor, target: Tensor, opts: ReductionOptions): Reduction {
  const reduction = opts.reduction ?? "mean";
  checkReduction(loss, reduction);
  checkFloat(loss, "input", input);
  checkFloat(loss, "target", target);
  checkSameShape(loss, "input", input, "target", target);
  return reduction;
}

/**
 * Mean squared error (input − target)², reduced. The bare reduction string is accepted too, as in the
 * engine's `mseLoss(a, b, "sum")`.
 */
export function mseLoss(input: Tensor, target: Tensor, opts: ReductionOptions | Reduction = {}): Tensor {
  [input, target] = autocastFloat32([input, target]);
  const reduction = pointwise("mseLoss", input, target, typeof opts === "string" ? { reduction: opts } : opts);
  return composite([input, target], () => reduce(square(sub(input, target)), reduction));
}

/** Mean absolute error |input − target|, reduced (gradient sign(input − target), 0 at ties, as in PyTorch). */
export function l1Loss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  [input, target] = autocastFloat32([input, target]);
  const reduction = pointwise("l1Loss", input, target, opts);
  return composite([input, target], () => reduce(abs(sub(input, target)), reduction));
}

/**
 * Quadratic below |d| < threshold, linear above: 0.5·d²·quadScale where |d| < threshold, else
 * linScale·(|d| − 0.5·threshold). Both branches are finite everywhere, so `where` routes clean gradients.
 */
function piecewise(d: Tensor, threshold: number, quadScale: number, linScale: number): Tensor {
  const a = abs(d);
  const quad = mul(square(d), 0.5 * quadScale);
  const lin = linScale === 1 ? sub(a, 0.5 * threshold) : mul(sub(a, 0.5 * threshold), linScale);
  return where(lt(a, threshold), quad, lin);
}

/** Smooth L1: 0.5·d²/beta where |d| < beta, else |d| − 0.5·beta (d = input − target); beta 0 is the L1 loss. */
export function smoothL1Loss(input: Tensor, target: Tensor, opts: SmoothL1Options = {}): Tensor {
  const loss = "smoothL1Loss";
  const reduction = pointwise(loss, input, target, opts);
  const beta = opts.beta ?? 1;
  checkFinite(loss, "beta", beta, 0);
  // beta = 0 would divide by zero in the (empty) quadratic branch: PyTorch dispatches to l1 too
  if (beta === 0) return l1Loss(input, target, { reduction });
  return composite([input, target], () => reduce(piecewise(sub(input, target), beta, 1 / beta, 1), reduction));
}

/** Huber: 0.5·d² where |d| < delta, else delta·(|d| − 0.5·delta) (d = input − target); smoothL1 scaled by delta. */
export function huberLoss(input: Tensor, target: Tensor, opts: HuberOptions = {}): Tensor {
  const loss = "huberLoss";
  const reduction = pointwise(loss, input, target, opts);
  const delta = opts.delta ?? 1;
  checkFinite(loss, "delta", delta, 0, false);
  return composite([input, target], () => reduce(piecewise(sub(input, target), delta, 1, delta), reduction));
}
