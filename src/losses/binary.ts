// Binary cross entropy on probabilities (with PyTorch's log clamp and backward) and on logits (the
// engine's numerically stable fused form).
import { needsGrad, noGrad, record } from "../autograd/index.js";
import {
  add, binaryCrossEntropyWithLogits as engineBceWithLogits, clamp, div, log, max, min, mul, neg, scope, ShapeError, sub,
  type BceWithLogitsOptions, type Tensor,
} from "../tensor/index.js";
import { autocastFloat32 } from "../amp/autocast.js";
import { checkBroadcastsTo, checkFloat, checkReduction, checkSameShape, fmt, reduce, sameShape, type ReductionOptions } from "./common.js";

export type { BceWithLogitsOptions } from "../tensor/index.js";

/** Options of binaryCrossEntropy. */
export interface BceOptions extends ReductionOptions {
  /** Per-element rescaling, broadcast to the input (a constant: no gradient flows to it, as in PyTorch). */
  weight?: Tensor | null;
}

/** PyTorch clamps each log term at −100 so a probability of exactly 0 or 1 gives a finite loss. */
const LOG_FLOOR = -100;
/** PyTorch's floor on x·(1 − x) in the input gradient, so it stays finite at 0 and 1. */
const GRAD_EPS = 1e-12;

/** Probabilities outside [0, 1] (usually logits passed by mistake) are an error, as in PyTorch. */
function checkProbabilities(loss: string, input: Tensor): void {
  if (input.size === 0) return;
  const [lo, hi] = noGrad(() => scope(() => [min(input).item(), max(input).item()]));
  if (!(lo >= 0 && hi <= 1)) {
    throw new ShapeError(loss, `input must hold probabilities in [0, 1], got values in [${lo}, ${hi}] (for logits use binaryCrossEntropyWithLogits)`);
  }
}

/**
 * Binary cross entropy −w·(y·log x + (1 − y)·log(1 − x)) of probabilities x against targets y of the
 * same shape, each log clamped at −100. The gradients are PyTorch's: w·(x − y)/max(x(1 − x), 1e-12)
 * for the input and w·(log(1 − x) − log x) for the target.
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: BceOptions = {}): Tensor {
  [input, target] = autocastFloat32([input, target]);
  const loss = "binaryCrossEntropy";
  const reduction = opts.reduction ?? "mean";
  const weight = opts.weight ?? null;
  checkReduction(loss, reduction);
  checkFloat(loss, "input", input);
  checkFloat(loss, "target", target);
  checkFloat(loss, "weight", weight);
  checkSameShape(loss, "input", input, "target", target);
  checkBroadcastsTo(loss, "weight", weight, input.shape, "input");
  checkProbabilities(loss, input);

  const out = noGrad(() => scope(() => {
    const logX = clamp(log(input), LOG_FLOOR);
    const log1mX = clamp(log(sub(1, input)), LOG_FLOOR);
    let l = neg(add(mul(target, logX), mul(sub(1, target), log1mX)));
    if (weight) l = mul(l, weight);
    return reduce(l, reduction);
  }));
  if (!needsGrad(input, target)) return out;
  return record(loss, out, [input, target], (g) => {
    // g is [] for "mean"/"sum" and broadcasts over the elements; "mean" spreads it over all of them
    const u = reduction === "mean" ? div(g, input.size) : g;
    const uw = weight ? mul(u, weight) : u;
    const gx = input.requiresGrad ? mul(uw, div(sub(input, target), clamp(mul(input, sub(1, input)), GRAD_EPS))) : null;
    const gy = target.requiresGrad ? mul(uw, sub(log(sub(1, input)), log(input))) : null;
    return [gx, gy];
  });
}

/**
 * Binary cross entropy on logits, (1 − y)·x + (1 + (posWeight − 1)·y)·softplus(−x), computed stably by the
 * engine's fused op; `weight` broadcasts to the input, `posWeight` along its last (class) dim.
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: BceWithLogitsOptions = {}): Tensor {
  [input, target] = autocastFloat32([input, target]);
  const loss = "binaryCrossEntropyWithLogits";
  checkReduction(loss, opts.reduction ?? "mean");
  checkFloat(loss, "input", input);
  checkFloat(loss, "target", target);
  checkFloat(loss, "weight", opts.weight);
  checkFloat(loss, "posWeight", opts.posWeight);
  // the engine's wording, so this can stand in for the engine's op without changing its errors
  if (!sameShape(input.shape, target.shape)) throw new ShapeError(loss, `targets ${fmt(target.shape)} must have the shape of logits ${fmt(input.shape)}`);
  checkBroadcastsTo(loss, "weight", opts.weight, input.shape, "input");
  checkBroadcastsTo(loss, "posWeight", opts.posWeight, input.shape, "input");
  return engineBceWithLogits(input, target, opts);
}
