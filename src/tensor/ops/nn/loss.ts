// Losses: crossEntropy (fused logSoftmax + gather, backward softmax − onehot), nllLoss,
// binaryCrossEntropyWithLogits (stable form), mseLoss.
import { autocastFloat32 } from "../../../amp/autocast.js";
import { noGrad } from "../../../autograd/grad-mode.js";
import { needsGrad, record } from "../../../autograd/record.js";
import { empty, viewOf } from "../../alloc.js";
import type { DType } from "../../dtype.js";
import { fmtShape, ShapeError, shapeEquals } from "../../shape.js";
import type { Tensor } from "../../tensor.js";
import { add, cast, div, exp, mul, ne, neg, softplus, square, sub, where } from "../elementwise.js";
import { mean, sum } from "../reduce.js";
import { scope } from "../../scope.js";
import { checkFloat, checkIndexRange, composite, gemm, moveAxisBack, moveAxisLast } from "./util.js";

export type Reduction = "mean" | "sum" | "none";

export interface NllLossOptions {
  /** Per-class weights [C] (constants: no gradient flows to them, as in PyTorch). */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing (default −100). */
  ignoreIndex?: number;
  reduction?: Reduction;
}

export interface CrossEntropyOptions extends NllLossOptions {
  /** Mixes the one-hot target with the uniform distribution: (1−ε)·onehot + ε/C. */
  labelSmoothing?: number;
}

function checkReduction(op: string, r: string): void {
  if (r !== "mean" && r !== "sum" && r !== "none") throw new ShapeError(op, `reduction must be "mean", "sum" or "none", got "${r}"`);
}

function reduceLoss(loss: Tensor, reduction: Reduction): Tensor {
  return reduction === "none" ? loss : reduction === "sum" ? sum(loss) : mean(loss);
}

/**
 * Shared body of nllLoss and crossEntropy on input [N, C, d...] (or [C]) with int32 target [N, d...]
 * (or []). Rows are (n, d...) positions laid out as [R, C]; `fused` applies logSoftmax first.
 */
function classLoss(op: string, input: Tensor, target: Tensor, opts: CrossEntropyOptions, fused: boolean): Tensor {
  const reduction = opts.reduction ?? "mean";
  const ignoreIndex = opts.ignoreIndex ?? -100;
  const eps = opts.labelSmoothing ?? 0;
  const weight = opts.weight ?? null;
  checkReduction(op, reduction);
  const dt = checkFloat(op, { input, weight });
  if (!(eps >= 0 && eps <= 1)) throw new ShapeError(op, `labelSmoothing must be in [0, 1], got ${eps}`);
  if (target.dtype !== "int32") throw new ShapeError(op, `target must hold int32 class indices, got ${target.dtype} ${fmtShape(target.shape)}`);
  if (input.ndim === 0) throw new ShapeError(op, `input must be [N, C, ...] or [C], got ${fmtShape(input.shape)}`);
  const cdim = input.ndim === 1 ? 0 : 1;
  const c = input.shape[cdim];
  const expectT = input.shape.filter((_, i) => i !== cdim);
  if (!shapeEquals(target.shape, expectT)) {
    throw new ShapeError(op, `input ${fmtShape(input.shape)} needs target ${fmtShape(expectT)}, got ${fmtShape(target.shape)}`);
  }
  if (weight && !shapeEquals(weight.shape, [c])) throw new ShapeError(op, `weight must be [${c}] (one per class), got ${fmtShape(weight.shape)}`);
  if (c === 0) throw new ShapeError(op, `input ${fmtShape(input.shape)} has no classes`);
  const outer = cdim === 0 ? 1 : input.shape[0];
  const inner = cdim === 0 ? 1 : input.size / (outer * c || 1);
  const rows = outer * inner;
  const b = input.backend;
  const dev = input.device;
  if (fused && !weight && eps === 0 && inner === 1 && b.crossEntropy && b.crossEntropyGrad) {
    const out = fusedRowsCrossEntropy(op, input, target, rows, c, ignoreIndex, reduction, dt);
    if (out) return out;
  }

  const st = noGrad(() => scope(() => {
    // [R, C] layout: class dim moved last when there are trailing dims
    const x2 = inner === 1 ? viewOf(input, [rows, c]) : moveAxisLast(input, outer, c, inner);
    const t1 = viewOf(target, [rows]);
    const valid = ne(t1, ignoreIndex);
    const safe = where(valid, t1, 0);
    t1.dispose();
    checkIndexRange(op, safe, c, `target for ${c} classes (ignoreIndex ${ignoreIndex})`);
    let lp = x2;
    if (fused) {
      lp = empty([rows, c], dt, dev);
      b.softmax(x2.storage, lp.storage, rows, c, true);
      x2.dispose();
    }
    const picked = empty([rows], dt, dev);
    b.gather(lp.storage, safe.storage, picked.storage, rows, c, 1, 1);
    const validF = cast(valid, dt);
    valid.dispose();
    let wr = validF;
    if (weight) {
      const wsel = empty([rows], dt, dev);
      b.indexSelect(weight.storage, safe.storage, wsel.storage, 1, c, rows, 1);
      wr = mul(wsel, validF);
      wsel.dispose();
    }
    let loss = neg(mul(wr, picked));
    picked.dispose();
    if (eps > 0) {
      // smooth_r = −Σ_c w_c·lp[r, c] on valid rows
      const sm = empty([rows], dt, dev);
      if (weight) gemm(lp, weight, sm, { batch: 1, m: rows, n: 1, k: c, transA: false, transB: false, strideA: 0, strideB: 0 });
      else b.reduce("sum", lp.storage, sm.storage, rows, c, 1);
      loss = sub(mul(loss, 1 - eps), mul(mul(sm, validF), eps / c));
      sm.dispose();
    }
    const denom = reduction === "mean" ? sum(wr) : null;
    const out = reduction === "none" ? viewOf(loss, target.shape) : reduction === "sum" ? sum(loss) : div(sum(loss), denom as Tensor);
    loss.dispose();
    return { lp, safe, validF, wr, denom, out };
  }));
  const { lp, safe, validF, wr, denom, out } = st;
  if (!needsGrad(input)) {
    for (const t of [lp, safe, validF, wr, denom]) if (t && !t.isDisposed) t.dispose();
    return record(op, out, [input], () => [null]);
  }
  return record(op, out, [input], (g) => scope(() => {
    // u: upstream gradient per row ([R] for "none", a broadcast scalar otherwise)
    const u = reduction === "none" ? viewOf(g, [rows]) : reduction === "mean" ? div(g, denom as Tensor) : g;
    const tw = mul(wr, u);
    let g2: Tensor;
    if (fused) {
      const sm = exp(lp);
      let rowc = eps > 0 ? mul(tw, 1 - eps) : tw;
      if (eps > 0) {
        const wsum = weight ? mul(sum(weight), eps / c) : eps;
        rowc = add(rowc, mul(mul(validF, u), wsum));
      }
      g2 = mul(sm, viewOf(rowc, [rows, 1]));
      sm.dispose();
      const tgt = eps > 0 ? neg(mul(tw, 1 - eps)) : neg(tw);
      b.scatterAdd(tgt.storage, safe.storage, g2.storage, rows, c, 1, 1);
      tgt.dispose();
      if (eps > 0) {
        const a = mul(mul(validF, u), -eps / c);
        let wrow = weight;
        if (!wrow) {
          wrow = empty([c], dt, dev);
          b.fill(wrow.storage, 1);
        }
        gemm(a, wrow, g2, { batch: 1, m: rows, n: c, k: 1, transA: false, transB: false, strideA: 0, strideB: 0, accumulate: true });
        a.dispose();
        if (wrow !== weight) wrow.dispose();
      }
    } else {
      g2 = empty([rows, c], dt, dev, true);
      const tgt = neg(tw);
      b.scatterAdd(tgt.storage, safe.storage, g2.storage, rows, c, 1, 1);
      tgt.dispose();
    }
    tw.dispose();
    if (u !== g) u.dispose();
    if (inner === 1) {
      const gx = viewOf(g2, input.shape);
      g2.dispose();
      return [gx];
    }
    const gx = moveAxisBack(g2, outer, c, inner, input.shape);
    g2.dispose();
    return [gx];
  }));
}

/**
 * crossEntropy through a backend's fused kernel (plain rows, no class weights or smoothing): one pass
 * for the row losses, one for the gradient, and only a logsumexp per row kept between them.
 */
function fusedRowsCrossEntropy(op: string, input: Tensor, target: Tensor, rows: number, c: number, ignoreIndex: number, reduction: Reduction, dt: DType): Tensor | null {
  const b = input.backend;
  const dev = input.device;
  const t1 = viewOf(target, [rows]);
  const validF = noGrad(() => scope(() => {
    const valid = ne(t1, ignoreIndex);
    checkIndexRange(op, where(valid, t1, 0), c, `target for ${c} classes (ignoreIndex ${ignoreIndex})`);
    return cast(valid, dt);
  }));
  const loss = empty([rows], dt, dev);
  // the per-row logsumexp is a statistic kept for the backward pass: float32, as PyTorch's
  const lse = empty([rows], "float32", dev);
  if (!b.crossEntropy?.(input.storage, t1.storage, loss.storage, lse.storage, rows, c, ignoreIndex)) {
    for (const t of [t1, validF, loss, lse]) t.dispose();
    return null;
  }
  const denom = reduction === "mean" ? noGrad(() => sum(validF)) : null;
  const out = noGrad(() => (reduction === "none" ? viewOf(loss, target.shape) : reduction === "sum" ? sum(loss) : div(sum(loss), denom as Tensor)));
  loss.dispose();
  if (!needsGrad(input)) {
    for (const t of [t1, validF, lse, denom]) t?.dispose();
    return record(op, out, [input], () => [null]);
  }
  return record(op, out, [input], (g) => scope(() => {
    // w: the upstream gradient per row, zero on ignored rows
    const u = reduction === "none" ? viewOf(g, [rows]) : reduction === "mean" ? div(g, denom as Tensor) : g;
    const w = mul(validF, u);
    const gx = empty(input.shape, dt, dev);
    if (!b.crossEntropyGrad?.(input.storage, t1.storage, lse.storage, w.storage, gx.storage, rows, c)) throw new Error(`${op}: the backend took the fused forward pass but not its gradient`);
    return [gx];
  }));
}

/**
 * Cross entropy of logits [N, C] (or [N, C, d...], or [C]) against int32 class indices [N] ([N, d...],
 * []): a fused logSoftmax + gather. "mean" divides by the summed weights of non-ignored targets.
 */
export function crossEntropy(logits: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  [logits] = autocastFloat32([logits]);
  return classLoss("crossEntropy", logits, target, opts, true);
}

/** Negative log-likelihood of log-probabilities [N, C] (or [N, C, d...], or [C]) at int32 class indices. */
export function nllLoss(logProbs: Tensor, target: Tensor, opts: NllLossOptions = {}): Tensor {
  [logProbs] = autocastFloat32([logProbs]);
  return classLoss("nllLoss", logProbs, target, { ...opts, labelSmoothing: 0 }, false);
}

export interface BceWithLogitsOptions {
  /** Per-element rescaling, broadcast to the input. */
  weight?: Tensor | null;
  /** Weight of positive examples, broadcast along the last (class) dim. */
  posWeight?: Tensor | null;
  reduction?: Reduction;
}

/**
 * Binary cross entropy on logits, in the stable form (1−y)·x + lw·softplus(−x) with
 * lw = 1 + (posWeight − 1)·y (without posWeight: max(x,0) − x·y + log1p(exp(−|x|))).
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, targets: Tensor, opts: BceWithLogitsOptions = {}): Tensor {
  const op = "binaryCrossEntropyWithLogits";
  const reduction = opts.reduction ?? "mean";
  checkReduction(op, reduction);
  // mixed float dtypes promote, as PyTorch's elementwise maths does
  checkFloat(op, { logits, targets, weight: opts.weight, posWeight: opts.posWeight }, true);
  if (!shapeEquals(logits.shape, targets.shape)) throw new ShapeError(op, `targets ${fmtShape(targets.shape)} must have the shape of logits ${fmtShape(logits.shape)}`);
  return composite([logits, targets, opts.weight, opts.posWeight], () => {
    const sp = softplus(neg(logits));
    const lw = opts.posWeight ? add(mul(sub(opts.posWeight, 1), targets), 1) : null;
    let loss = add(mul(sub(1, targets), logits), lw ? mul(lw, sp) : sp);
    if (opts.weight) loss = mul(loss, opts.weight);
    if (!shapeEquals(loss.shape, logits.shape)) {
      throw new ShapeError(op, `weight/posWeight do not broadcast to logits ${fmtShape(logits.shape)} (got loss ${fmtShape(loss.shape)})`);
    }
    return reduceLoss(loss, reduction);
  });
}

/** Mean squared error (a − b)², reduced. */
export function mseLoss(a: Tensor, b: Tensor, reduction: Reduction = "mean"): Tensor {
  checkReduction("mseLoss", reduction);
  checkFloat("mseLoss", { a, b }, true);
  return composite([a, b], () => reduceLoss(square(sub(a, b)), reduction));
}
