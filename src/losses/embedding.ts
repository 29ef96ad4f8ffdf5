// Losses on pairs and triplets of embeddings or scores: cosine embedding, triplet margin, margin
// ranking and hinge embedding. Labels y are ±1 (float32 or int32), as in PyTorch.
import {
  abs, add, div, eq, minimum, mul, ne, neg, pow, relu, ShapeError, sqrt, square, sub, sum, where, type Tensor,
} from "../tensor/index.js";
import { checkFinite, checkFloat, checkReduction, checkSameShape, composite, fmt, reduce, sameShape, type ReductionOptions } from "./common.js";

/** Options of the losses with a single `margin`. */
export interface MarginOptions extends ReductionOptions {
  margin?: number;
}

/** Options of tripletMarginLoss. */
export interface TripletMarginOptions extends ReductionOptions {
  /** Required gap between the positive and the negative distance (default 1). */
  margin?: number;
  /** The norm degree of the pairwise distance (default 2). */
  p?: number;
  /** Added to the difference before the norm, so its gradient stays finite at 0 (default 1e-6). */
  eps?: number;
  /** Use min(d(a, n), d(p, n)) as the negative distance (the "distance swap", default false). */
  swap?: boolean;
}

/** PyTorch's guard on the squared norms in cosineEmbeddingLoss. */
const COSINE_EPS = 1e-12;

function checkLabels(loss: string, y: Tensor, shape: readonly number[]): void {
  if (y.dtype !== "float32" && y.dtype !== "int32") throw new ShapeError(loss, `target must hold ±1 labels as float32 or int32, got ${y.dtype} ${fmt(y.shape)}`);
  if (!sameShape(y.shape, shape)) {
    throw new ShapeError(loss, `target must be ${fmt(shape)} (one ±1 label each), got ${fmt(y.shape)}`);
  }
}

function marginOf(loss: string, opts: MarginOptions, fallback: number): number {
  const margin = opts.margin ?? fallback;
  checkFinite(loss, "margin", margin);
  checkReduction(loss, opts.reduction ?? "mean");
  return margin;
}

/**
 * Cosine embedding loss of x1, x2 [N, D] (or [D]) with labels y [N] (or []): 1 − cos(x1, x2) where
 * y = 1, max(0, cos(x1, x2) − margin) where y = −1 (other labels contribute 0, as in PyTorch).
 */
export function cosineEmbeddingLoss(x1: Tensor, x2: Tensor, y: Tensor, opts: MarginOptions = {}): Tensor {
  const loss = "cosineEmbeddingLoss";
  const margin = marginOf(loss, opts, 0);
  checkFloat(loss, "x1", x1);
  checkFloat(loss, "x2", x2);
  checkSameShape(loss, "x1", x1, "x2", x2);
  if (x1.ndim !== 1 && x1.ndim !== 2) throw new ShapeError(loss, `x1 and x2 must be [N, D] or [D], got ${fmt(x1.shape)}`);
  checkLabels(loss, y, x1.shape.slice(0, -1));
  return composite([x1, x2, y], () => {
    const d = x1.ndim - 1;
    const dot = sum(mul(x1, x2), d);
    const norms = sqrt(mul(add(sum(square(x1), d), COSINE_EPS), add(sum(square(x2), d), COSINE_EPS)));
    const cos = div(dot, norms);
    const similar = where(eq(y, 1), sub(1, cos), 0);
    const dissimilar = where(eq(y, -1), relu(sub(cos, margin)), 0);
    return reduce(add(similar, dissimilar), opts.reduction ?? "mean");
  });
}

/** ‖a − b + eps‖_p along the last dim (PyTorch's pairwiseDistance). */
function pairwiseDistance(a: Tensor, b: Tensor, p: number, eps: number): Tensor {
  const d = add(sub(a, b), eps);
  const last = d.ndim - 1;
  if (p === 2) return sqrt(sum(square(d), last));
  if (p === 1) return sum(abs(d), last);
  return pow(sum(pow(abs(d), p), last), 1 / p);
}

/**
 * Triplet margin loss max(0, margin + d(anchor, positive) − d(anchor, negative)) on [N, D] (or [D])
 * embeddings, d the p-norm distance of pairwiseDistance; `swap` uses min(d(a, n), d(p, n)).
 */
export function tripletMarginLoss(anchor: Tensor, positive: Tensor, negative: Tensor, opts: TripletMarginOptions = {}): Tensor {
  const loss = "tripletMarginLoss";
  const margin = marginOf(loss, opts, 1);
  const p = opts.p ?? 2;
  const eps = opts.eps ?? 1e-6;
  checkFinite(loss, "p", p, 0, false);
  checkFinite(loss, "eps", eps, 0);
  checkFloat(loss, "anchor", anchor);
  checkFloat(loss, "positive", positive);
  checkFloat(loss, "negative", negative);
  checkSameShape(loss, "anchor", anchor, "positive", positive);
  checkSameShape(loss, "anchor", anchor, "negative", negative);
  if (anchor.ndim === 0) throw new ShapeError(loss, `embeddings must be [N, D] or [D], got a scalar ${fmt(anchor.shape)}`);
  return composite([anchor, positive, negative], () => {
    const dPos = pairwiseDistance(anchor, positive, p, eps);
    let dNeg = pairwiseDistance(anchor, negative, p, eps);
    if (opts.swap) dNeg = minimum(dNeg, pairwiseDistance(positive, negative, p, eps));
    return reduce(relu(add(sub(dPos, dNeg), margin)), opts.reduction ?? "mean");
  });
}

/** Margin ranking loss max(0, −y·(x1 − x2) + margin): y = 1 asks x1 to rank above x2, y = −1 below. */
export function marginRankingLoss(x1: Tensor, x2: Tensor, y: Tensor, opts: MarginOptions = {}): Tensor {
  const loss = "marginRankingLoss";
  const margin = marginOf(loss, opts, 0);
  checkFloat(loss, "x1", x1);
  checkFloat(loss, "x2", x2);
  checkSameShape(loss, "x1", x1, "x2", x2);
  checkLabels(loss, y, x1.shape);
  return composite([x1, x2, y], () => reduce(relu(add(mul(neg(y), sub(x1, x2)), margin)), opts.reduction ?? "mean"));
}

/**
 * Hinge embedding loss of distances x with labels y of the same shape: x where y = 1,
 * max(0, margin − x) where y = −1 (PyTorch adds both terms for any other label).
 */
export function hingeEmbeddingLoss(x: Tensor, y: Tensor, opts: MarginOptions = {}): Tensor {
  const loss = "hingeEmbeddingLoss";
  const margin = marginOf(loss, opts, 1);
  checkFloat(loss, "input", x);
  checkLabels(loss, y, x.shape);
  return composite([x, y], () => {
    const below = where(ne(y, 1), relu(sub(margin, x)), 0);
    const self = where(ne(y, -1), x, 0);
    return reduce(add(below, self), opts.reduction ?? "mean");
  });
}
