// Indexing ops (narrow, slice, flip, select, index, gather, scatterAdd, indexSelect, oneHot, tril/triu)
// and the strided-copy helper the shape ops are built on. Re-exported (by name) from ./shape.ts, so
// helpers exported here for ./shape.ts and ./einsum.ts stay out of the public API.
import { SliceGrad } from "../../autograd/node.js";
import { record } from "../../autograd/record.js";
import { empty, viewOf } from "../alloc.js";
import type { DType } from "../dtype.js";
import { contiguousStrides, fmtShape, normDim, normDims, numel, ShapeError, shapeEquals, splitAt, type Shape } from "../shape.js";
import { Tensor } from "../tensor.js";
import { add, ge, le, logicalAnd, sub, where } from "./elementwise.js";
import { arange } from "../creation.js";

/** A view sharing x's storage with another shape of the same element order, recorded for autograd. */
export function shareAs(op: string, x: Tensor, shape: Shape): Tensor {
  const out = viewOf(x, shape);
  return record(op, out, [x], (g) => [viewOf(g, x.shape)]);
}

/** Whether (offset, strides) over `shape` reads a dense tensor of `size` elements in order. */
function isIdentityMap(offset: number, strides: readonly number[], shape: Shape, size: number): boolean {
  if (offset !== 0 || numel(shape) !== size) return false;
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== s) return false;
    s *= shape[i];
  }
  return true;
}

/**
 * Materialises the strided view (offset, strides, shape) of x's dense storage as a new tensor with one
 * copyStrided call (or shares storage when the view reads x in order). The map must be injective (each
 * element of x read at most once): the backward pass is the adjoint copy of the gradient into a
 * gradient of x that is zeroed unless `covers` (every element of x is read, as for permute).
 */
export function stridedCopy(op: string, x: Tensor, offset: number, strides: readonly number[], shape: Shape, covers = false): Tensor {
  if (isIdentityMap(offset, strides, shape, x.size)) return shareAs(op, x, shape);
  const out = empty(shape, x.dtype, x.device);
  const dst = contiguousStrides(shape);
  x.backend.copyStrided(x.storage, offset, strides, out.storage, 0, dst, shape);
  return record(op, out, [x], (g) => [new SliceGrad(g, offset, strides, x.shape, covers)]);
}

/** The leading block of x with `shape` (each dim no larger than x's), as x[:s0, :s1, ...]. */
function leadingBlock(op: string, x: Tensor, shape: Shape): Tensor {
  return shapeEquals(shape, x.shape) ? x : stridedCopy(op, x, 0, contiguousStrides(x.shape), shape);
}

/** x placed in the leading block of a zero tensor of `shape` (the adjoint of leadingBlock). */
function padZerosTo(op: string, x: Tensor, shape: Shape): Tensor {
  if (shapeEquals(shape, x.shape)) return x;
  const out = empty(shape, x.dtype, x.device, true);
  const big = contiguousStrides(shape);
  const small = contiguousStrides(x.shape);
  x.backend.copyStrided(x.storage, 0, small, out.storage, 0, big, x.shape);
  return record(op, out, [x], (g) => {
    const gx = empty(x.shape, g.dtype, x.device);
    x.backend.copyStrided(g.storage, 0, big, gx.storage, 0, small, x.shape);
    return [gx];
  });
}

/** Throws unless `index` is int32 with every value in [0, size). Checked on the host. */
export function checkIndex(op: string, index: Tensor, dim: number, size: number): void {
  if (index.dtype !== "int32") throw new ShapeError(op, `index must be int32, got ${index.dtype} ${fmtShape(index.shape)}`);
  const data = index.dataSync();
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < 0 || v >= size) throw new ShapeError(op, `index ${v} is out of range for dim ${dim} of size ${size}`);
  }
}

function checkInt(op: string, what: string, v: number): void {
  if (!Number.isInteger(v)) throw new ShapeError(op, `${what} must be an integer, got ${v}`);
}

function sameDevice(op: string, ...ts: Tensor[]): void {
  for (const t of ts) if (t.device !== ts[0].device) throw new ShapeError(op, `tensors are on different devices (${ts[0].device} and ${t.device})`);
}

/**
 * out[i][j][k] = x[i][index[i][j][k]][k] (for dim = 1), as torch.gather. `index` is int32 with as many
 * dims as x and no larger than x outside `dim`; the output has index's shape.
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normDim("gather", dim, x.ndim);
  sameDevice("gather", x, index);
  if (index.ndim !== x.ndim) throw new ShapeError("gather", `index ${fmtShape(index.shape)} must have as many dims as input ${fmtShape(x.shape)}`);
  for (let k = 0; k < x.ndim; k++) {
    if (k !== d && index.shape[k] > x.shape[k]) throw new ShapeError("gather", `index ${fmtShape(index.shape)} is larger than input ${fmtShape(x.shape)} in dim ${k}`);
  }
  checkIndex("gather", index, d, x.shape[d] ?? 1);
  const src = leadingBlock("gather", x, index.shape.map((s, k) => (k === d ? x.shape[d] : s)));
  const [outer, rx, inner] = splitAt(src.shape, d);
  const ri = index.shape[d] ?? 1;
  const out = empty(index.shape, x.dtype, x.device);
  x.backend.gather(src.storage, index.storage, out.storage, outer, rx, ri, inner);
  return record("gather", out, [src], (g) => {
    const gx = empty(src.shape, g.dtype, x.device, true);
    x.backend.scatterAdd(g.storage, index.storage, gx.storage, outer, rx, ri, inner);
    return [gx];
  });
}

/**
 * Out-of-place torch.scatter_add: a copy of x with out[i][index[i][j][k]][k] += src[i][j][k] (dim = 1).
 * index has as many dims as x, is no larger than src anywhere and no larger than x outside `dim`.
 */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const op = "scatterAdd";
  const d = normDim(op, dim, x.ndim);
  sameDevice(op, x, index, src);
  if (src.dtype !== x.dtype) throw new ShapeError(op, `src dtype ${src.dtype} does not match input dtype ${x.dtype}`);
  if (index.ndim !== x.ndim || src.ndim !== x.ndim) {
    throw new ShapeError(op, `input ${fmtShape(x.shape)}, index ${fmtShape(index.shape)} and src ${fmtShape(src.shape)} must have the same number of dims`);
  }
  for (let k = 0; k < x.ndim; k++) {
    if (index.shape[k] > src.shape[k] || (k !== d && index.shape[k] > x.shape[k])) {
      throw new ShapeError(op, `index ${fmtShape(index.shape)} is larger than src ${fmtShape(src.shape)} or input ${fmtShape(x.shape)} in dim ${k}`);
    }
  }
  checkIndex(op, index, d, x.shape[d] ?? 1);
  const s = leadingBlock(op, src, index.shape);
  const zShape = index.shape.map((n, k) => (k === d ? x.shape[d] : n));
  const [outer, rOut, inner] = splitAt(zShape, d);
  const ri = index.shape[d] ?? 1;
  const gatherGrad = (g: Tensor): Tensor => {
    const gs = empty(index.shape, g.dtype, x.device);
    x.backend.gather(g.storage, index.storage, gs.storage, outer, rOut, ri, inner);
    return gs;
  };
  if (shapeEquals(zShape, x.shape)) {
    // fast path: one copy and one kernel
    const out = empty(x.shape, x.dtype, x.device);
    const cs = contiguousStrides(x.shape);
    x.backend.copyStrided(x.storage, 0, cs, out.storage, 0, cs, x.shape);
    x.backend.scatterAdd(s.storage, index.storage, out.storage, outer, rOut, ri, inner);
    return record(op, out, [x, s], (g) => [x.requiresGrad ? g : null, s.requiresGrad ? gatherGrad(g) : null]);
  }
  const z = empty(zShape, x.dtype, x.device, true);
  x.backend.scatterAdd(s.storage, index.storage, z.storage, outer, rOut, ri, inner);
  record(op, z, [s], (g) => [gatherGrad(g)]);
  return add(x, padZerosTo(op, z, x.shape));
}

/** Selects entries of x along `dim` by a 1-D (or 0-d) int32 index: out.shape[dim] = index.size. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  const d = normDim("indexSelect", dim, x.ndim);
  sameDevice("indexSelect", x, index);
  if (index.ndim > 1) throw new ShapeError("indexSelect", `index must be 1-D, got ${fmtShape(index.shape)}`);
  checkIndex("indexSelect", index, d, x.shape[d] ?? 1);
  const [outer, rx, inner] = splitAt(x.shape, d);
  const n = index.size;
  const shape = x.ndim === 0 ? [] : x.shape.map((s, k) => (k === d ? n : s));
  const out = empty(shape, x.dtype, x.device);
  x.backend.indexSelect(x.storage, index.storage, out.storage, outer, rx, n, inner);
  return record("indexSelect", out, [x], (g) => {
    const gx = empty(x.shape, g.dtype, x.device, true);
    x.backend.indexAdd(g.storage, index.storage, gx.storage, outer, rx, n, inner);
    return [gx];
  });
}

/**
 * One-hot encoding of int32 class indices: shape [...indices.shape, numClasses]. numClasses = -1 infers
 * max + 1. The result is int32 (PyTorch returns int64, which we map to int32) unless `dtype` says float32.
 */
export function oneHot(indices: Tensor, numClasses = -1, dtype: DType = "int32"): Tensor {
  if (indices.dtype !== "int32") throw new ShapeError("oneHot", `indices must be int32, got ${indices.dtype} ${fmtShape(indices.shape)}`);
  let classes = numClasses;
  if (classes === -1) {
    if (indices.size === 0) throw new ShapeError("oneHot", "cannot infer the number of classes from an empty tensor; pass numClasses");
    const data = indices.dataSync();
    let max = -1;
    for (let i = 0; i < data.length; i++) if (data[i] > max) max = data[i];
    classes = max + 1;
  } else if (!Number.isInteger(classes) || classes < 0) {
    throw new ShapeError("oneHot", `numClasses must be a non-negative integer or -1, got ${numClasses}`);
  }
  const data = indices.dataSync();
  for (let i = 0; i < data.length; i++) {
    if (data[i] < 0 || data[i] >= classes) throw new ShapeError("oneHot", `class index ${data[i]} is out of range for ${classes} classes`);
  }
  const n = indices.size;
  const out = empty([...indices.shape, classes], dtype, indices.device, true);
  const ones = empty([n], dtype, indices.device);
  const b = indices.backend;
  b.fill(ones.storage, 1);
  b.scatterAdd(ones.storage, indices.storage, out.storage, n, classes, 1, 1);
  ones.dispose();
  return out;
}

function triangle(op: "tril" | "triu", x: Tensor, diagonal: number): Tensor {
  if (x.ndim < 2) throw new ShapeError(op, `expects a tensor with at least 2 dims, got ${fmtShape(x.shape)}`);
  if (!Number.isInteger(diagonal)) throw new ShapeError(op, `diagonal must be an integer, got ${diagonal}`);
  const m = x.shape[x.ndim - 2];
  const n = x.shape[x.ndim - 1];
  const rows = arange(0, m, 1, { dtype: "int32", device: x.device });
  const cols = arange(0, n, 1, { dtype: "int32", device: x.device });
  const r2 = viewOf(rows, [m, 1]);
  const diff = sub(cols, r2);
  const mask = op === "tril" ? le(diff, diagonal) : ge(diff, diagonal);
  rows.dispose();
  cols.dispose();
  r2.dispose();
  diff.dispose();
  // where() keeps mask alive for its backward, so it is not disposed here
  return x.dtype === "bool" ? logicalAnd(x, mask) : where(mask, x, 0);
}

/** Lower triangle of the last two dims: elements with col − row <= diagonal kept, the rest zero. */
export const tril = (x: Tensor, diagonal = 0): Tensor => triangle("tril", x, diagonal);
/** Upper triangle of the last two dims: elements with col − row >= diagonal kept, the rest zero. */
export const triu = (x: Tensor, diagonal = 0): Tensor => triangle("triu", x, diagonal);

// ---------------------------------------------------------------- slicing and basic indexing

/** `length` entries of `dim` from `start` (negative counts from the end). */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normDim("narrow", dim, x.ndim);
  const n = x.shape[d];
  const s = start < 0 ? start + n : start;
  if (!Number.isInteger(s) || !Number.isInteger(length) || s < 0 || length < 0 || s + length > n) {
    throw new ShapeError("narrow", `start ${start} and length ${length} are out of range for dim ${dim} of size ${n} in ${fmtShape(x.shape)}`);
  }
  const strides = contiguousStrides(x.shape);
  return stridedCopy("narrow", x, s * strides[d], strides, x.shape.map((v, i) => (i === d ? length : v)));
}

/** Python's slice.indices: the first index and count of start:end:step over a dim of size n. */
function sliceRange(op: string, n: number, start: number | null | undefined, end: number | null | undefined, step: number): [number, number] {
  checkInt(op, "step", step);
  if (step === 0) throw new ShapeError(op, "slice step cannot be zero");
  if (start != null) checkInt(op, "slice start", start);
  if (end != null) checkInt(op, "slice end", end);
  let s: number;
  let count: number;
  if (step > 0) {
    s = start == null ? 0 : start < 0 ? Math.max(0, start + n) : Math.min(start, n);
    const e = end == null ? n : end < 0 ? Math.max(0, end + n) : Math.min(end, n);
    count = e > s ? Math.ceil((e - s) / step) : 0;
  } else {
    s = start == null ? n - 1 : start < 0 ? Math.max(-1, start + n) : Math.min(start, n - 1);
    const e = end == null ? -1 : end < 0 ? Math.max(-1, end + n) : Math.min(end, n - 1);
    count = s > e ? Math.ceil((s - e) / -step) : 0;
  }
  return [count === 0 ? 0 : s, count];
}

/**
 * x[start:end:step] along `dim`, with Python semantics: negative start/end count from the end, bounds
 * are clamped, omitted (undefined/null) ends mean the whole dim, and a negative step walks backwards.
 */
export function slice(x: Tensor, dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
  const d = normDim("slice", dim, x.ndim);
  const [first, count] = sliceRange("slice", x.shape[d], start, end, step);
  const strides = contiguousStrides(x.shape);
  return stridedCopy("slice", x, first * strides[d], strides.map((s, i) => (i === d ? s * step : s)), x.shape.map((v, i) => (i === d ? count : v)));
}

/** Reverses the order of elements along `dims`. */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  const ds = normDims("flip", dims, x.ndim);
  const strides = contiguousStrides(x.shape);
  let offset = 0;
  const out = [...strides];
  for (const d of ds) {
    if (x.shape[d] > 1) offset += (x.shape[d] - 1) * strides[d];
    out[d] = -strides[d];
  }
  return stridedCopy("flip", x, offset, out, x.shape, true);
}

/** The `index`-th entry along `dim`, which is removed (x[..., index, ...]). */
export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = normDim("select", dim, x.ndim);
  const n = x.shape[d];
  const i = index < 0 ? index + n : index;
  if (!Number.isInteger(i) || i < 0 || i >= n) throw new ShapeError("select", `index ${index} is out of range for dim ${dim} of size ${n} in ${fmtShape(x.shape)}`);
  const strides = contiguousStrides(x.shape);
  return stridedCopy("select", x, i * strides[d], strides.filter((_, k) => k !== d), x.shape.filter((_, k) => k !== d));
}

/** The entries along `dim` as separate tensors with that dim removed. */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  const d = normDim("unbind", dim, x.ndim);
  return Array.from({ length: x.shape[d] }, (_, i) => select(x, d, i));
}

/**
 * One entry of an index() spec, for one dim of the tensor:
 * - a number i: picks entry i (negative counts from the end) and removes the dim — x[i];
 * - null (or undefined): the whole dim — x[:];
 * - [start, end, step?] with any element null/omitted: a range with Python slice semantics — x[start:end:step]
 *   (negative bounds count from the end, out-of-range bounds clamp, a negative step walks backwards);
 * - a string in Python syntax: "1:3", "::2", "::-1", ":", "-1" (an integer string picks one entry);
 * - "...": as many whole dims as needed so the spec covers every dim (at most one);
 * - "newaxis": inserts a size-1 dim (consumes no dim of x);
 * - a 1-D int32 tensor: selects those entries along the dim (as indexSelect; at most one per spec).
 * Dims not named by the spec are taken whole.
 */
export type IndexEntry = number | null | undefined | string | readonly (number | null | undefined)[] | Tensor;

/**
 * Basic (and single-tensor) indexing with a small readable spec, one entry per dim; see IndexEntry.
 * x.index([0, [1, 3], null]) is x[0, 1:3, :]; x.index(["...", [null, null, -1]]) is x[..., ::-1];
 * x.index([-1, "::2"]) is x[-1, ::2]. Ranges and integers copy once (one kernel) whatever the spec.
 */
export function index(x: Tensor, spec: readonly IndexEntry[]): Tensor {
  const op = "index";
  const parsed = spec.map((e) => (typeof e === "string" ? parseEntry(e) : e));
  let ellipsis = -1;
  let consumed = 0;
  let tensorEntries = 0;
  parsed.forEach((e, i) => {
    if (e === "...") {
      if (ellipsis >= 0) throw new ShapeError(op, "an index spec can contain at most one \"...\"");
      ellipsis = i;
    } else if (e !== "newaxis") consumed++;
    if (e instanceof Tensor) tensorEntries++;
  });
  if (tensorEntries > 1) throw new ShapeError(op, "at most one tensor entry is supported per index spec");
  if (consumed > x.ndim) throw new ShapeError(op, `too many indices (${consumed}) for a tensor of shape ${fmtShape(x.shape)}`);
  const fill = Array<IndexEntry>(x.ndim - consumed).fill(null);
  const entries = ellipsis >= 0 ? [...parsed.slice(0, ellipsis), ...fill, ...parsed.slice(ellipsis + 1)] : [...parsed, ...fill];
  const xStrides = contiguousStrides(x.shape);
  const shape: number[] = [];
  const strides: number[] = [];
  let offset = 0;
  let d = 0;
  let selected: { dim: number; index: Tensor; srcDim: number } | null = null;
  for (const e of entries) {
    if (e === "newaxis") {
      shape.push(1);
      strides.push(0);
      continue;
    }
    const n = x.shape[d];
    if (typeof e === "number") {
      const i = e < 0 ? e + n : e;
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new ShapeError(op, `index ${e} is out of range for dim ${d} of size ${n} in ${fmtShape(x.shape)}`);
      offset += i * xStrides[d];
    } else if (e === null || e === undefined || e instanceof Tensor) {
      if (e instanceof Tensor) selected = { dim: shape.length, index: e, srcDim: d };
      shape.push(n);
      strides.push(xStrides[d]);
    } else if (Array.isArray(e)) {
      const r = e as readonly (number | null | undefined)[];
      if (r.length > 3) throw new ShapeError(op, `a range is [start, end, step], got ${JSON.stringify(r)}`);
      const step = r[2] ?? 1;
      const [first, count] = sliceRange(op, n, r[0], r[1], step);
      offset += first * xStrides[d];
      shape.push(count);
      strides.push(xStrides[d] * step);
    } else {
      throw new ShapeError(op, `cannot use ${String(e)} as an index entry`);
    }
    d++;
  }
  const basic = stridedCopy(op, x, offset, strides, shape);
  if (!selected) return basic;
  const sel: { dim: number; index: Tensor; srcDim: number } = selected;
  if (sel.index.ndim > 1) throw new ShapeError(op, `tensor entries must be 1-D, got ${fmtShape(sel.index.shape)}`);
  checkIndex(op, sel.index, sel.srcDim, x.shape[sel.srcDim]);
  return indexSelect(basic, sel.dim, sel.index);
}

function parseEntry(s: string): IndexEntry {
  const t = s.trim();
  if (t === "..." || t === "newaxis") return t;
  const num = (p: string): number | null => {
    const q = p.trim();
    if (q === "") return null;
    if (!/^[+-]?\d+$/.test(q)) throw new ShapeError("index", `cannot parse "${s}" as an index (expected e.g. "2", "1:3", "::-1" or "...")`);
    return Number(q);
  };
  const parts = t.split(":");
  if (parts.length > 3) throw new ShapeError("index", `cannot parse "${s}" as an index (expected e.g. "2", "1:3", "::-1" or "...")`);
  if (parts.length === 1) {
    const v = num(parts[0]);
    if (v === null) throw new ShapeError("index", `cannot parse "${s}" as an index`);
    return v;
  }
  return parts.map(num);
}

declare module "../tensor.js" {
  interface Tensor {
    narrow(dim: number, start: number, length: number): Tensor;
    slice(dim: number, start?: number | null, end?: number | null, step?: number): Tensor;
    flip(dims: number | readonly number[]): Tensor;
    select(dim: number, index: number): Tensor;
    unbind(dim?: number): Tensor[];
    /** Indexing with a spec, one entry per dim: see IndexEntry. x.index([0, [1, 3], null]) is x[0, 1:3, :]. */
    index(spec: readonly IndexEntry[]): Tensor;
    gather(dim: number, index: Tensor): Tensor;
    scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor;
    indexSelect(dim: number, index: Tensor): Tensor;
    tril(diagonal?: number): Tensor;
    triu(diagonal?: number): Tensor;
  }
}

const P = Tensor.prototype;
P.gather = function (d, i) { return gather(this, d, i); };
P.scatterAdd = function (d, i, s) { return scatterAdd(this, d, i, s); };
P.indexSelect = function (d, i) { return indexSelect(this, d, i); };
P.tril = function (k) { return tril(this, k); };
P.triu = function (k) { return triu(this, k); };
P.narrow = function (d, s, l) { return narrow(this, d, s, l); };
P.slice = function (d, s, e, st) { return slice(this, d, s, e, st); };
P.flip = function (d) { return flip(this, d); };
P.select = function (d, i) { return select(this, d, i); };
P.unbind = function (d) { return unbind(this, d); };
P.index = function (s) { return index(this, s); };
