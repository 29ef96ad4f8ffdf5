import type { ReduceOp } from "../../backends/backend.js";
import { noGrad } from "../../autograd/grad-mode.js";
import { record } from "../../autograd/record.js";
import { empty, viewOf } from "../alloc.js";
import { broadcastStrides, contiguousStrides, fmtShape, normDim, normDims, ShapeError, shapeEquals, splitAt, type Shape } from "../shape.js";
import { isFloatingPoint, type DType } from "../dtype.js";
import { Tensor } from "../tensor.js";
import { shareAs } from "./index-ops.js";
import { cast, div, eq, exp, log, mul, sqrt, sub, add } from "./elementwise.js";

export type Dims = number | readonly number[];

/** Normalised, sorted reduction dims; an empty list means every dim, as in PyTorch. */
function reduceDims(op: string, dim: Dims | undefined, rank: number): number[] {
  return normDims(op, Array.isArray(dim) && dim.length === 0 ? undefined : dim, rank);
}

/** Shape after reducing `dims`, keeping them as size-1 dims when keepdim. */
export function reducedShape(shape: Shape, dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  shape.forEach((d, i) => {
    if (!dims.includes(i)) out.push(d);
    else if (keepdim) out.push(1);
  });
  return out;
}

/** Broadcast-copies `x` (whose shape broadcasts to `shape`) into a new dense tensor. No autograd. */
export function expandCopy(x: Tensor, shape: Shape): Tensor {
  const out = empty(shape, x.dtype, x.device);
  x.backend.copyStrided(x.storage, 0, broadcastStrides(x.shape, shape), out.storage, 0, contiguousStrides(shape), shape);
  return out;
}

function copyAs(x: Tensor, dtype: DType): Tensor {
  const out = empty(x.shape, dtype, x.device);
  if (dtype === x.dtype) x.backend.copyStrided(x.storage, 0, contiguousStrides(x.shape), out.storage, 0, contiguousStrides(x.shape), x.shape);
  else x.backend.cast(x.storage, out.storage);
  return out;
}

/** Runs a reduce kernel over sorted `dims`, merging adjacent dims into one pass. Returns keepdim shape. */
function reduceRaw(op: ReduceOp, x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length === x.ndim || x.ndim === 0) {
    const out = empty(x.shape.map(() => 1), x.dtype === "bool" ? "int32" : x.dtype, x.device);
    if (x.size === 0) x.backend.fill(out.storage, op === "sum" ? 0 : op === "prod" ? 1 : NaN);
    else x.backend.reduce(op, x.storage, out.storage, 1, x.size, 1);
    return out;
  }
  if (dims.length === 0) return copyAs(x, x.dtype === "bool" ? "int32" : x.dtype);
  let cur = x;
  let shape = [...x.shape];
  // reduce runs of adjacent dims, last run first so earlier dim numbers stay valid
  const runs: [number, number][] = [];
  for (const d of dims) {
    const last = runs[runs.length - 1];
    if (last && last[1] === d - 1) last[1] = d;
    else runs.push([d, d]);
  }
  for (let i = runs.length - 1; i >= 0; i--) {
    const [lo, hi] = runs[i];
    let outer = 1, r = 1, inner = 1;
    for (let k = 0; k < lo; k++) outer *= shape[k];
    for (let k = lo; k <= hi; k++) r *= shape[k];
    for (let k = hi + 1; k < shape.length; k++) inner *= shape[k];
    const next = shape.map((d, k) => (k >= lo && k <= hi ? 1 : d));
    const out = empty(next, cur.dtype === "bool" ? "int32" : cur.dtype, x.device);
    if (r === 0) x.backend.fill(out.storage, op === "sum" ? 0 : op === "prod" ? 1 : NaN);
    else x.backend.reduce(op, cur.storage, out.storage, outer, r, inner);
    if (cur !== x) cur.dispose();
    cur = out;
    shape = next;
  }
  return cur;
}

function finishReduce(kept: Tensor, x: Tensor, dims: readonly number[], keepdim: boolean): Tensor {
  if (keepdim) return kept;
  const v = viewOf(kept, reducedShape(x.shape, dims, false));
  kept.dispose();
  return v;
}

export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = reduceDims("sum", dim, x.ndim);
  const out = finishReduce(reduceRaw("sum", x, dims), x, dims, keepdim);
  if (!isFloatingPoint(out.dtype)) return out;
  return record("sum", out, [x], (g) => {
    const gk = viewOf(g, reducedShape(x.shape, dims, true));
    const gx = expandCopy(gk, x.shape);
    gk.dispose();
    return [gx];
  });
}

export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = reduceDims("mean", dim, x.ndim);
  let count = 1;
  for (const d of dims) count *= x.shape[d];
  const input = isFloatingPoint(x.dtype) ? x : cast(x, "float32");
  const s = sum(input, dims, keepdim);
  return mul(s, 1 / count);
}

/** Sums `g` down to `shape` (the adjoint of broadcasting `shape` up to g's shape). */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (shapeEquals(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  const kept = noGrad(() => reduceRaw("sum", g, dims));
  const out = viewOf(kept, shape);
  kept.dispose();
  return out;
}

function extremum(op: "max" | "min", x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = reduceDims(op, dim, x.ndim);
  if (x.size === 0) throw new ShapeError(op, `cannot reduce an empty tensor ${fmtShape(x.shape)}`);
  const kept = reduceRaw(op, x, dims);
  const keptShape = reducedShape(x.shape, dims, true);
  const out = finishReduce(kept, x, dims, keepdim);
  if (!isFloatingPoint(out.dtype)) return out;
  return record(op, out, [x], (g) => {
    // the gradient is shared evenly among tied extrema
    const m = viewOf(out, keptShape);
    const mask = cast(eq(x, m), x.dtype);
    const count = sum(mask, dims, true);
    return [div(mul(mask, viewOf(g, keptShape)), count)];
  });
}

export const max = (x: Tensor, dim?: Dims, keepdim = false): Tensor => extremum("max", x, dim, keepdim);
export const min = (x: Tensor, dim?: Dims, keepdim = false): Tensor => extremum("min", x, dim, keepdim);
export const amax = max;
export const amin = min;

export function prod(x: Tensor, dim?: number, keepdim = false): Tensor {
  const dims = normDims("prod", dim, x.ndim);
  const out = finishReduce(reduceRaw("prod", x, dims), x, dims, keepdim);
  if (!isFloatingPoint(out.dtype)) return out;
  return record("prod", out, [x], (g) => {
    // d prod / d x_i = prod / x_i; computed without dividing, so zeros get exact gradients
    const keptShape = reducedShape(x.shape, dims, true);
    const d = dims.length === 1 ? dims[0] : -1;
    const others = prodExcludingSelf(x, d);
    return [mul(others, viewOf(g, keptShape))];
  });
}

/** For each element, the product of the other elements along `dim` (all elements when dim = -1). */
function prodExcludingSelf(x: Tensor, dim: number): Tensor {
  const data = x.dataSync();
  const [outer, r, inner] = dim < 0 ? [1, x.size, 1] : splitAt(x.shape, dim);
  const res = new Float32Array(x.size);
  for (let p = 0; p < outer; p++) {
    for (let q = 0; q < inner; q++) {
      let acc = 1;
      for (let i = 0; i < r; i++) {
        const k = (p * r + i) * inner + q;
        res[k] = acc;
        acc *= data[k];
      }
      acc = 1;
      for (let i = r - 1; i >= 0; i--) {
        const k = (p * r + i) * inner + q;
        res[k] *= acc;
        acc *= data[k];
      }
    }
  }
  return new Tensor(x.backend.upload(res, x.dtype), x.shape, x.dtype);
}

function argExtremum(op: "argmax" | "argmin", x: Tensor, dim?: number, keepdim = false): Tensor {
  if (x.size === 0) throw new ShapeError(op, `cannot reduce an empty tensor ${fmtShape(x.shape)}`);
  if (dim === undefined) {
    const out = empty(keepdim ? x.shape.map(() => 1) : [], "int32", x.device);
    x.backend.argReduce(op, x.storage, out.storage, 1, x.size, 1);
    return out;
  }
  const d = normDim(op, dim, x.ndim);
  const [outer, r, inner] = splitAt(x.shape, d);
  const out = empty(reducedShape(x.shape, [d], keepdim), "int32", x.device);
  x.backend.argReduce(op, x.storage, out.storage, outer, r, inner);
  return out;
}

export const argmax = (x: Tensor, dim?: number, keepdim = false): Tensor => argExtremum("argmax", x, dim, keepdim);
export const argmin = (x: Tensor, dim?: number, keepdim = false): Tensor => argExtremum("argmin", x, dim, keepdim);

export interface VarOptions {
  /** Bessel's correction: 1 (default, unbiased) or 0 (population). */
  correction?: number;
  keepdim?: boolean;
}

export function variance(x: Tensor, dim?: Dims, opts: VarOptions = {}): Tensor {
  const dims = reduceDims("var", dim, x.ndim);
  let n = 1;
  for (const d of dims) n *= x.shape[d];
  const correction = opts.correction ?? 1;
  const mu = mean(x, dims, true);
  const dev = sub(x, mu);
  const ss = sum(mul(dev, dev), dims, opts.keepdim ?? false);
  return div(ss, Math.max(0, n - correction));
}

export function std(x: Tensor, dim?: Dims, opts: VarOptions = {}): Tensor {
  return sqrt(variance(x, dim, opts));
}

/** log Σ exp(x) along dims, computed stably by shifting by the max. */
export function logsumexp(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = reduceDims("logsumexp", dim, x.ndim);
  const m = noGrad(() => {
    const raw = reduceRaw("max", x, dims);
    x.backend.unary("clamp", raw.storage, raw.storage, raw.size, { min: -3.4e38, max: 3.4e38 });
    return raw;
  });
  const s = log(sum(exp(sub(x, m)), dims, true));
  const out = add(s, m);
  return keepdim ? out : shareAs("view", out, reducedShape(x.shape, dims, false));
}

/** Cumulative sum along `dim`. */
export function cumsum(x: Tensor, dim: number): Tensor {
  const d = normDim("cumsum", dim, x.ndim);
  const [outer, r, inner] = splitAt(x.shape, d);
  const input = x.dtype === "bool" ? cast(x, "int32") : x;
  const out = empty(x.shape, input.dtype, x.device);
  x.backend.cumsum(input.storage, out.storage, outer, r, inner, false);
  if (!isFloatingPoint(out.dtype)) return out;
  return record("cumsum", out, [x], (g) => {
    const gx = empty(x.shape, x.dtype, x.device);
    x.backend.cumsum(g.storage, gx.storage, outer, r, inner, true);
    return [gx];
  });
}

export interface SortResult {
  values: Tensor;
  indices: Tensor;
}

/** Stable sort along `dim` (default last); indices are int32. */
export function sort(x: Tensor, dim = -1, descending = false): SortResult {
  const d = normDim("sort", dim, x.ndim);
  const [outer, r, inner] = splitAt(x.shape, d);
  const values = empty(x.shape, x.dtype, x.device);
  const indices = empty(x.shape, "int32", x.device);
  x.backend.sort(x.storage, values.storage, indices.storage, outer, r, inner, descending);
  if (isFloatingPoint(x.dtype)) {
    record("sort", values, [x], (g) => {
      const gx = empty(x.shape, x.dtype, x.device, true);
      x.backend.scatterAdd(g.storage, indices.storage, gx.storage, outer, r, r, inner);
      return [gx];
    });
  }
  return { values, indices };
}

/** The k largest (or smallest) elements along `dim`, sorted. */
export function topk(x: Tensor, k: number, dim = -1, largest = true): SortResult {
  const d = normDim("topk", dim, x.ndim);
  if (!Number.isInteger(k) || k < 0 || k > x.shape[d]) throw new ShapeError("topk", `k=${k} out of range for dim ${dim} of size ${x.shape[d]}`);
  const [outer, r, inner] = splitAt(x.shape, d);
  const { values: sv, indices: si } = noGrad(() => sort(x, d, largest));
  const shape = x.shape.map((s, i) => (i === d ? k : s));
  const values = empty(shape, x.dtype, x.device);
  const indices = empty(shape, "int32", x.device);
  const src = contiguousStrides(x.shape);
  const dst = contiguousStrides(shape);
  x.backend.copyStrided(sv.storage, 0, src, values.storage, 0, dst, shape);
  x.backend.copyStrided(si.storage, 0, src, indices.storage, 0, dst, shape);
  sv.dispose();
  si.dispose();
  if (isFloatingPoint(x.dtype)) {
    record("topk", values, [x], (g) => {
      const gx = empty(x.shape, x.dtype, x.device, true);
      x.backend.scatterAdd(g.storage, indices.storage, gx.storage, outer, r, k, inner);
      return [gx];
    });
  }
  return { values, indices };
}

declare module "../tensor.js" {
  interface Tensor {
    sum(dim?: Dims, keepdim?: boolean): Tensor;
    mean(dim?: Dims, keepdim?: boolean): Tensor;
    max(dim?: Dims, keepdim?: boolean): Tensor;
    min(dim?: Dims, keepdim?: boolean): Tensor;
    amax(dim?: Dims, keepdim?: boolean): Tensor;
    amin(dim?: Dims, keepdim?: boolean): Tensor;
    prod(dim?: number, keepdim?: boolean): Tensor;
    argmax(dim?: number, keepdim?: boolean): Tensor;
    argmin(dim?: number, keepdim?: boolean): Tensor;
    var(dim?: Dims, opts?: VarOptions): Tensor;
    std(dim?: Dims, opts?: VarOptions): Tensor;
    logsumexp(dim?: Dims, keepdim?: boolean): Tensor;
    cumsum(dim: number): Tensor;
    sort(dim?: number, descending?: boolean): SortResult;
    topk(k: number, dim?: number, largest?: boolean): SortResult;
  }
}

const P = Tensor.prototype;
P.sum = function (d, k) { return sum(this, d, k); };
P.mean = function (d, k) { return mean(this, d, k); };
P.max = function (d, k) { return max(this, d, k); };
P.min = function (d, k) { return min(this, d, k); };
P.amax = function (d, k) { return max(this, d, k); };
P.amin = function (d, k) { return min(this, d, k); };
P.prod = function (d, k) { return prod(this, d, k); };
P.argmax = function (d, k) { return argmax(this, d, k); };
P.argmin = function (d, k) { return argmin(this, d, k); };
P.var = function (d, o) { return variance(this, d, o); };
P.std = function (d, o) { return std(this, d, o); };
P.logsumexp = function (d, k) { return logsumexp(this, d, k); };
P.cumsum = function (d) { return cumsum(this, d); };
P.sort = function (d, desc) { return sort(this, d, desc); };
P.topk = function (k, d, l) { return topk(this, k, d, l); };
