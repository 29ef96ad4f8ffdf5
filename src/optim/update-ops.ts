// In-place update helpers with PyTorch's names (addcmul_, addcdiv_), built from the engine's ops.
// Optimizers call them under noGrad inside a per-parameter scope, which frees the temporaries.
import { add, div, mul, neg, type Tensor } from "../tensor/index.js";

/** t += value · a · b */
export function addcmul_(t: Tensor, a: Tensor, b: Tensor, value = 1): Tensor {
  const prod = mul(a, b);
  if (value !== 1) prod.mul_(value);
  t.add_(prod);
  prod.dispose();
  return t;
}

/** t += value · a / b */
export function addcdiv_(t: Tensor, a: Tensor, b: Tensor, value = 1): Tensor {
  const q = div(a, b);
  if (value !== 1) q.mul_(value);
  t.add_(q);
  q.dispose();
  return t;
}

/** The gradient an optimizer follows: negated when maximizing, plus weightDecay·param (L2) when set. */
export function effectiveGrad(grad: Tensor, param: Tensor, weightDecay: number, maximize: boolean): Tensor {
  let g = maximize ? neg(grad) : grad;
  if (weightDecay !== 0) g = add(g, mul(param, weightDecay));
  return g;
}
