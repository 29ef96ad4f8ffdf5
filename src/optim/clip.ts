// Gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_): rescales or clamps .grad in place.
import { noGrad } from "../autograd/index.js";
import { abs, clamp, max, pow, scope, sqrt, square, stack, sum, Tensor } from "../tensor/index.js";

function gradsOf(op: string, params: Tensor | Iterable<Tensor>): Tensor[] {
  const list = params instanceof Tensor ? [params] : [...params];
  const grads: Tensor[] = [];
  for (const [i, p] of list.entries()) {
    if (!(p instanceof Tensor)) throw new Error(`${op}: params[${i}] is not a Tensor`);
    if (p.grad && !p.grad.isDisposed) grads.push(p.grad);
  }
  return grads;
}

/** Options of clipGradNorm_. */
export interface ClipGradNormOptions {
  /** Throw when the total norm is NaN or infinite (default false: the gradients are scaled anyway, as in PyTorch). */
  errorIfNonfinite?: boolean;
}

/**
 * Scales the gradients of `params` in place so that their joint `normType`-norm (the norm of all of
 * them concatenated) is at most `maxNorm`, and returns the norm before clipping. Parameters without a
 * gradient are ignored. The scale is maxNorm / (norm + 1e-6), applied only when it is below 1.
 */
export function clipGradNorm_(params: Tensor | Iterable<Tensor>, maxNorm: number, normType = 2, opts: ClipGradNormOptions = {}): number {
  if (typeof maxNorm !== "number" || Number.isNaN(maxNorm)) throw new Error(`clipGradNorm_: maxNorm must be a number, got ${String(maxNorm)}`);
  if (typeof normType !== "number" || !(normType > 0)) throw new Error(`clipGradNorm_: normType must be a positive number or Infinity, got ${String(normType)}`);
  const grads = gradsOf("clipGradNorm_", params).filter((g) => g.size > 0);
  if (grads.length === 0) return 0;
  return noGrad(() =>
    scope(() => {
      let total: number;
      if (normType === Infinity) total = max(stack(grads.map((g) => max(abs(g))))).item();
      else if (normType === 2) total = sqrt(sum(stack(grads.map((g) => sum(square(g)))))).item();
      else total = pow(sum(stack(grads.map((g) => sum(pow(abs(g), normType))))), 1 / normType).item();
      if (opts.errorIfNonfinite && !Number.isFinite(total)) {
        throw new Error(`clipGradNorm_: the total norm of order ${normType} of the gradients is ${total}; pass errorIfNonfinite: false to scale them anyway`);
      }
      const coef = maxNorm / (total + 1e-6);
      // !(coef >= 1) also scales by NaN when the norm is NaN, as PyTorch does
      if (!(coef >= 1)) for (const g of grads) g.mul_(coef);
      return total;
    }),
  );
}

/** Clamps every gradient of `params` in place to [−clipValue, clipValue]. */
export function clipGradValue_(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  if (typeof clipValue !== "number" || !(clipValue >= 0)) throw new Error(`clipGradValue_: clipValue must be a non-negative number, got ${String(clipValue)}`);
  const grads = gradsOf("clipGradValue_", params);
  noGrad(() => {
    for (const g of grads) {
      const c = clamp(g, -clipValue, clipValue);
      g.copy_(c);
      c.dispose();
    }
  });
}
