import type { MatmulParams } from "../../backends/backend.js";
import { record } from "../../autograd/record.js";
import { empty, viewOf } from "../alloc.js";
import { broadcastShapes, broadcastStrides, contiguousStrides, fmtShape, numel, ShapeError } from "../shape.js";
import { Tensor } from "../tensor.js";
import { mul } from "./elementwise.js";
import { shareAs } from "./index-ops.js";
import { expandCopy, sum, sumTo } from "./reduce.js";
import { autocastLower } from "../../amp/autocast.js";
import { isFloatingPoint } from "../dtype.js";

function gemm(a: Tensor, b: Tensor, out: Tensor, p: MatmulParams): void {
  a.backend.matmul(a.storage, b.storage, out.storage, p);
}

/** Floating tensors of one dtype on one device (PyTorch: "expected both ... to have the same dtype"). */
function checkFloat(op: string, ...ts: Tensor[]): void {
  for (const t of ts) if (!isFloatingPoint(t.dtype)) throw new ShapeError(op, `expects floating-point tensors, got ${t.dtype} ${fmtShape(t.shape)}`);
  for (const t of ts) if (t.dtype !== ts[0].dtype) throw new ShapeError(op, `expects tensors of one dtype, got ${ts[0].dtype} ${fmtShape(ts[0].shape)} and ${t.dtype} ${fmtShape(t.shape)}`);
  for (const t of ts) if (t.device !== ts[0].device) throw new ShapeError(op, `tensors are on different devices (${ts[0].device} and ${t.device})`);
}

/**
 * Matrix product with PyTorch's rules: 1-D operands are promoted (and the added dim removed), leading
 * dims broadcast as batch dims. A 2-D right operand folds all of the left's leading dims into one GEMM.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  [a, b] = autocastLower([a, b]);
  checkFloat("matmul", a, b);
  if (a.ndim === 0 || b.ndim === 0) throw new ShapeError("matmul", `both operands need at least 1 dim, got ${fmtShape(a.shape)} x ${fmtShape(b.shape)}`);
  const a2 = a.ndim === 1 ? [1, a.shape[0]] : a.shape;
  const b2 = b.ndim === 1 ? [b.shape[0], 1] : b.shape;
  const k = a2[a2.length - 1];
  if (b2[b2.length - 2] !== k) {
    throw new ShapeError("matmul", `${fmtShape(a.shape)} x ${fmtShape(b.shape)}: inner dims ${k} != ${b2[b2.length - 2]}`);
  }
  const m = a2[a2.length - 2];
  const n = b2[b2.length - 1];
  let outShape: number[];
  let out: Tensor;
  let backward: (g: Tensor) => [Tensor | null, Tensor | null];
  if (b2.length === 2) {
    const rows = numel(a2.slice(0, -1));
    outShape = [...a2.slice(0, -1), n];
    out = empty(outShape, a.dtype, a.device);
    gemm(a, b, out, { batch: 1, m: rows, n, k, transA: false, transB: false, strideA: 0, strideB: 0 });
    backward = (g) => {
      let ga: Tensor | null = null;
      let gb: Tensor | null = null;
      if (a.requiresGrad) {
        ga = empty(a.shape, a.dtype, a.device);
        gemm(g, b, ga, { batch: 1, m: rows, n: k, k: n, transA: false, transB: true, strideA: 0, strideB: 0 });
      }
      if (b.requiresGrad) {
        gb = empty(b.shape, b.dtype, a.device);
        gemm(a, g, gb, { batch: 1, m: k, n, k: rows, transA: true, transB: false, strideA: 0, strideB: 0 });
      }
      return [ga, gb];
    };
  } else {
    const batchShape = broadcastShapes("matmul", a2.slice(0, -2), b2.slice(0, -2));
    const batch = numel(batchShape);
    const fullA = [...batchShape, m, k];
    const fullB = [...batchShape, k, n];
    const ea = a2.length === fullA.length && numel(a2) === numel(fullA) ? a : expandCopy(viewOf(a, a2), fullA);
    const eb = b2.length === fullB.length && numel(b2) === numel(fullB) ? b : expandCopy(viewOf(b, b2), fullB);
    // a plain 2-D left operand is broadcast by stride 0 instead of copied
    const sa = a2.length === 2 ? 0 : m * k;
    const srcA = a2.length === 2 ? a : ea;
    outShape = [...batchShape, m, n];
    out = empty(outShape, a.dtype, a.device);
    gemm(srcA, eb, out, { batch, m, n, k, transA: false, transB: false, strideA: sa, strideB: k * n });
    backward = (g) => {
      let ga: Tensor | null = null;
      let gb: Tensor | null = null;
      if (a.requiresGrad) {
        const full = empty(fullA, a.dtype, a.device);
        gemm(g, eb, full, { batch, m, n: k, k: n, transA: false, transB: true, strideA: m * n, strideB: k * n });
        ga = reshapeTo(sumTo(full, a2), a.shape);
      }
      if (b.requiresGrad) {
        const full = empty(fullB, a.dtype, a.device);
        gemm(srcA, g, full, { batch, m: k, n, k: m, transA: true, transB: false, strideA: sa, strideB: m * n });
        gb = reshapeTo(sumTo(full, b2), b.shape);
      }
      return [ga, gb];
    };
  }
  // drop the dims that 1-D operands gained
  let finalShape = outShape;
  if (a.ndim === 1) finalShape = finalShape.filter((_, i) => i !== finalShape.length - 2);
  if (b.ndim === 1) finalShape = finalShape.slice(0, -1);
  if (finalShape.length !== outShape.length) {
    const v = viewOf(out, finalShape);
    out.dispose();
    out = v;
  }
  const gshape = outShape;
  return record("matmul", out, [a, b], (g) => backward(g.ndim === gshape.length ? g : viewOf(g, gshape)));
}

function reshapeTo(t: Tensor, shape: readonly number[]): Tensor {
  if (t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i])) return t;
  return viewOf(t, shape);
}

/** Batched matrix product of [b, m, k] and [b, k, n]. */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 3 || b.ndim !== 3 || a.shape[0] !== b.shape[0]) {
    throw new ShapeError("bmm", `expects [b,m,k] x [b,k,n] with equal b, got ${fmtShape(a.shape)} x ${fmtShape(b.shape)}`);
  }
  return matmul(a, b);
}

/** y = x·Wᵀ + b with x [*, in], W [out, in], b [out]. The bias is written first and the GEMM accumulates onto it. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  [x, weight, bias = null] = autocastLower(bias ? [x, weight, bias] : [x, weight]);
  checkFloat("linear", x, weight, ...(bias ? [bias] : []));
  if (weight.ndim !== 2) throw new ShapeError("linear", `weight must be [out, in], got ${fmtShape(weight.shape)}`);
  const [outF, inF] = weight.shape;
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inF) {
    throw new ShapeError("linear", `input ${fmtShape(x.shape)} x weight ${fmtShape(weight.shape)}: last dim of input must be ${inF}`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outF)) throw new ShapeError("linear", `bias must be [${outF}], got ${fmtShape(bias.shape)}`);
  const rows = x.size / inF;
  const shape = [...x.shape.slice(0, -1), outF];
  const out = empty(shape, x.dtype, x.device);
  if (bias) x.backend.copyStrided(bias.storage, 0, broadcastStrides(bias.shape, shape), out.storage, 0, contiguousStrides(shape), shape);
  gemm(x, weight, out, { batch: 1, m: rows, n: outF, k: inF, transA: false, transB: true, strideA: 0, strideB: 0, accumulate: !!bias });
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record("linear", out, inputs, (g) => {
    let gx: Tensor | null = null;
    let gw: Tensor | null = null;
    let gb: Tensor | null = null;
    if (x.requiresGrad) {
      gx = empty(x.shape, x.dtype, x.device);
      gemm(g, weight, gx, { batch: 1, m: rows, n: inF, k: outF, transA: false, transB: false, strideA: 0, strideB: 0 });
    }
    if (weight.requiresGrad) {
      gw = empty(weight.shape, x.dtype, x.device);
      gemm(g, x, gw, { batch: 1, m: outF, n: inF, k: rows, transA: true, transB: false, strideA: 0, strideB: 0 });
    }
    if (bias?.requiresGrad) gb = sumTo(g, bias.shape);
    return [gx, gw, gb];
  });
}

/** Outer product of two vectors. */
export function outer(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) throw new ShapeError("outer", `expects two vectors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return mul(shareAs("view", a, [a.shape[0], 1]), shareAs("view", b, [1, b.shape[0]]));
}

/** Dot product of two vectors. */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1 || a.shape[0] !== b.shape[0]) throw new ShapeError("dot", `expects two vectors of equal length, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return sum(mul(a, b));
}

declare module "../tensor.js" {
  interface Tensor {
    matmul(other: Tensor): Tensor;
    bmm(other: Tensor): Tensor;
    dot(other: Tensor): Tensor;
    outer(other: Tensor): Tensor;
  }
}

Tensor.prototype.matmul = function (o) { return matmul(this, o); };
Tensor.prototype.bmm = function (o) { return bmm(this, o); };
Tensor.prototype.dot = function (o) { return dot(this, o); };
Tensor.prototype.outer = function (o) { return outer(this, o); };
