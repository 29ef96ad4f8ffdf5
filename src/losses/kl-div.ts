// Kullback–Leibler divergence with PyTorch's argument order: input holds log-probabilities.
import { div, eq, exp, log, mul, ShapeError, sub, sum, where, type Reduction, type Tensor } from "../tensor/index.js";
import { checkFloat, checkReduction, checkSameShape, composite, reduce } from "./common.js";

/** Options of klDiv. */
export interface KlDivOptions {
  /**
   * "batchmean" (the mathematically correct KL: the sum divided by the batch size input.shape[0]),
   * "sum", "none", or "mean" (the default, as in PyTorch: divides by the element count).
   */
  reduction?: Reduction | "batchmean";
  /** The target holds log-probabilities instead of probabilities (default false). */
  logTarget?: boolean;
}

/**
 * KL(target ‖ exp(input)) pointwise: target·(log target − input), 0 where target = 0 (PyTorch's xlogy),
 * or exp(target)·(target − input) with `logTarget`; then reduced.
 */
export function klDiv(input: Tensor, target: Tensor, opts: KlDivOptions = {}): Tensor {
  const loss = "klDiv";
  const reduction = opts.reduction ?? "mean";
  checkReduction(loss, reduction, ["mean", "sum", "none", "batchmean"]);
  if (opts.logTarget !== undefined && typeof opts.logTarget !== "boolean") throw new ShapeError(loss, `logTarget must be a boolean, got ${String(opts.logTarget)}`);
  checkFloat(loss, "input", input);
  checkFloat(loss, "target", target);
  checkSameShape(loss, "input (log-probabilities)", input, "target", target);
  return composite([input, target], () => {
    let pointwise: Tensor;
    if (opts.logTarget) pointwise = mul(exp(target), sub(target, input));
    else {
      // where target = 0 the term is 0 and so are both gradients; log(1) keeps the unused branch finite
      const zero = eq(target, 0);
      const safeLog = log(where(zero, 1, target));
      pointwise = where(zero, 0, mul(target, sub(safeLog, input)));
    }
    if (reduction !== "batchmean") return reduce(pointwise, reduction);
    // batchmean of a scalar input is its sum, as in PyTorch
    return input.ndim === 0 ? sum(pointwise) : div(sum(pointwise), input.shape[0]);
  });
}
