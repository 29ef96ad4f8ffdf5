// Weight penalties to add to a loss: differentiable scalars built from ordinary ops.
import { abs, add, square, sum, Tensor, zeros } from "../tensor/index.js";

function paramList(op: string, params: Tensor | Iterable<Tensor>): Tensor[] {
  const list = params instanceof Tensor ? [params] : [...params];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new Error(`${op}: params[${i}] is not a Tensor`);
    if (p.dtype !== "float32") throw new Error(`${op}: params[${i}] is ${p.dtype}, expected float32`);
  });
  return list;
}

function total(terms: Tensor[]): Tensor {
  if (terms.length === 0) return zeros([]);
  return terms.reduce((acc, t) => add(acc, t));
}

/** Σ|p| over every element of every parameter, as a scalar tensor (multiply by your λ and add to the loss). */
export function l1Penalty(params: Tensor | Iterable<Tensor>): Tensor {
  return total(paramList("l1Penalty", params).map((p) => sum(abs(p))));
}

/** Σp² over every element of every parameter (no ½ factor), as a scalar tensor. */
export function l2Penalty(params: Tensor | Iterable<Tensor>): Tensor {
  return total(paramList("l2Penalty", params).map((p) => sum(square(p))));
}
