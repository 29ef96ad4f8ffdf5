// Shape, view and indexing ops. Storage is dense row-major, so ops that keep element order (reshape,
// view, squeeze, unsqueeze, flatten) share storage; the rest materialise with one copyStrided call each
// and their backward is the adjoint copy (see stridedCopy in ./index-ops.ts).
import { record } from "../../autograd/record.js";
import { empty, viewOf } from "../alloc.js";
import { promoteTypes } from "../dtype.js";
import { broadcastStrides, contiguousStrides, fmtShape, normDim, normDims, numel, ShapeError, shapeEquals, type Shape } from "../shape.js";
import { Tensor } from "../tensor.js";
import { cast } from "./elementwise.js";
import { sum, sumTo } from "./reduce.js";
import { narrow, flip, shareAs, stridedCopy } from "./index-ops.js";

export {
  gather, scatterAdd, indexSelect, oneHot, tril, triu, narrow, slice, flip, select, unbind, index, type IndexEntry,
} from "./index-ops.js";

/** Sizes given either as one array or as separate numbers (x.reshape([2, 3]) or x.reshape(2, 3)). */
type SizeArgs = (number | Shape)[];

function sizesOf(op: string, args: SizeArgs): number[] {
  if (args.length === 1 && typeof args[0] !== "number") return [...args[0]];
  return args.map((a) => {
    if (typeof a !== "number") throw new ShapeError(op, "pass sizes either as one array or as separate numbers");
    return a;
  });
}

function checkInt(op: string, what: string, v: number): void {
  if (!Number.isInteger(v)) throw new ShapeError(op, `${what} must be an integer, got ${v}`);
}

// ---------------------------------------------------------------- views sharing storage

/** Resolves one -1 in `shape` against the element count of `x` (a tensor's shape and size). */
function resolveShape(op: string, x: { readonly shape: Shape; readonly size: number }, shape: Shape): number[] {
  let infer = -1;
  let known = 1;
  shape.forEach((d, i) => {
    if (d === -1) {
      if (infer >= 0) throw new ShapeError(op, `only one dim can be -1, got ${fmtShape(shape)}`);
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(op, `invalid shape ${fmtShape(shape)}: sizes must be non-negative integers or -1`);
    } else known *= d;
  });
  const out = [...shape];
  if (infer >= 0) {
    if (known === 0 || x.size % known !== 0) {
      throw new ShapeError(op, `shape ${fmtShape(shape)} is invalid for input ${fmtShape(x.shape)} of ${x.size} elements`);
    }
    out[infer] = x.size / known;
  } else if (known !== x.size) {
    throw new ShapeError(op, `cannot reshape ${fmtShape(x.shape)} (${x.size} elements) into ${fmtShape(shape)} (${known} elements)`);
  }
  return out;
}

/** Same elements in a new shape (one dim may be -1); shares storage. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  return shareAs("reshape", x, resolveShape("reshape", x, shape));
}

/** As reshape: storage is always dense here, so every view is valid. */
export function view(x: Tensor, shape: Shape): Tensor {
  return shareAs("view", x, resolveShape("view", x, shape));
}

/** Removes size-1 dims: all of them, or only those of `dim` (a dim that is not size 1 is left alone). */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  const dims = normDims("squeeze", dim, x.ndim);
  return shareAs("squeeze", x, x.shape.filter((s, i) => !(s === 1 && dims.includes(i))));
}

/** Inserts a size-1 dim at `dim` (in [-ndim-1, ndim]). */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normDim("unsqueeze", dim, x.ndim + 1);
  const shape = [...x.shape];
  shape.splice(d, 0, 1);
  return shareAs("unsqueeze", x, shape);
}

/** Merges dims startDim..endDim (inclusive) into one; a scalar becomes [1]. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return shareAs("flatten", x, [1]);
  const s = normDim("flatten", startDim, x.ndim);
  const e = normDim("flatten", endDim, x.ndim);
  if (s > e) throw new ShapeError("flatten", `startDim ${startDim} comes after endDim ${endDim} for ${fmtShape(x.shape)}`);
  return shareAs("flatten", x, [...x.shape.slice(0, s), numel(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}

/** Splits dim into `sizes` (one may be -1); the inverse of flatten. */
export function unflatten(x: Tensor, dim: number, sizes: Shape): Tensor {
  const d = normDim("unflatten", dim, x.ndim);
  const inner = resolveShape("unflatten", { shape: [x.shape[d]], size: x.shape[d] }, sizes);
  return shareAs("unflatten", x, [...x.shape.slice(0, d), ...inner, ...x.shape.slice(d + 1)]);
}

// ---------------------------------------------------------------- strided copies

/** Reorders dims: out.shape[i] = x.shape[dims[i]]. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  const norm = dims.map((d) => normDim("permute", d, x.ndim));
  if (norm.length !== x.ndim || new Set(norm).size !== norm.length) {
    throw new ShapeError("permute", `dims ${fmtShape(dims)} are not a permutation of the ${x.ndim} dims of ${fmtShape(x.shape)}`);
  }
  const strides = contiguousStrides(x.shape);
  return stridedCopy("permute", x, 0, norm.map((d) => strides[d]), norm.map((d) => x.shape[d]), true);
}

/** Swaps two dims. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const a = normDim("transpose", dim0, x.ndim);
  const b = normDim("transpose", dim1, x.ndim);
  const perm = x.shape.map((_, i) => (i === a ? b : i === b ? a : i));
  return permute(x, perm);
}

/** Transpose of a matrix; 0-d and 1-d tensors come back unchanged. */
export function t(x: Tensor): Tensor {
  if (x.ndim > 2) throw new ShapeError("t", `expects a tensor with at most 2 dims, got ${fmtShape(x.shape)}`);
  return x.ndim < 2 ? shareAs("t", x, x.shape) : transpose(x, 0, 1);
}

function expandImpl(op: string, x: Tensor, sizes: Shape): Tensor {
  if (sizes.length < x.ndim) throw new ShapeError(op, `cannot expand ${fmtShape(x.shape)} to ${fmtShape(sizes)}: fewer dims than the input`);
  const lead = sizes.length - x.ndim;
  const shape = sizes.map((s, i) => {
    if (i < lead) {
      if (!Number.isInteger(s) || s < 0) throw new ShapeError(op, `cannot expand ${fmtShape(x.shape)} to ${fmtShape(sizes)}: new leading dim ${i} must be a non-negative size`);
      return s;
    }
    const d = x.shape[i - lead];
    if (s === -1) return d;
    if (s !== d && d !== 1) throw new ShapeError(op, `cannot expand ${fmtShape(x.shape)} to ${fmtShape(sizes)}: dim ${i} has size ${d}, expected 1 or ${s}`);
    checkInt(op, "size", s);
    return s;
  });
  if (shapeEquals(shape, x.shape)) return shareAs(op, x, shape);
  if (numel(shape) === x.size) return shareAs(op, x, shape); // only size-1 dims added
  const out = empty(shape, x.dtype, x.device);
  x.backend.copyStrided(x.storage, 0, broadcastStrides(x.shape, shape), out.storage, 0, contiguousStrides(shape), shape);
  return record(op, out, [x], (g) => [sumTo(g, x.shape)]);
}

/** Broadcasts size-1 dims (and new leading dims) to `sizes`; -1 keeps a dim. Copies. */
export function expand(x: Tensor, sizes: Shape): Tensor {
  return expandImpl("expand", x, sizes);
}

export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  return expandImpl("broadcastTo", x, shape);
}

// ---------------------------------------------------------------- joining and splitting

/** Copies `parts` side by side along dim `d` of a new tensor; `views` are the parts' shapes in the output's rank. */
function join(op: string, parts: Tensor[], views: Shape[], d: number, outShape: number[]): Tensor {
  const dtype = parts.map((p) => p.dtype).reduce(promoteTypes);
  const inputs = parts.map((p) => (p.dtype === dtype ? p : cast(p, dtype)));
  const out = empty(outShape, dtype, parts[0].device);
  const os = contiguousStrides(outShape);
  const offsets: number[] = [];
  let at = 0;
  inputs.forEach((p, i) => {
    offsets.push(at * os[d]);
    p.backend.copyStrided(p.storage, 0, contiguousStrides(views[i]), out.storage, offsets[i], os, views[i]);
    at += views[i][d];
  });
  return record(op, out, inputs, (g) =>
    inputs.map((p, i) => {
      if (!p.requiresGrad) return null;
      const gp = empty(p.shape, g.dtype, g.device);
      g.backend.copyStrided(g.storage, offsets[i], os, gp.storage, 0, contiguousStrides(views[i]), views[i]);
      return gp;
    }),
  );
}

function checkDevices(op: string, ts: readonly Tensor[]): void {
  for (const x of ts) if (x.device !== ts[0].device) throw new ShapeError(op, `tensors are on different devices (${ts[0].device} and ${x.device})`);
}

/** Concatenates along `dim`; shapes must match except there. 1-D empty tensors are skipped, as in PyTorch. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ShapeError("cat", "expects a non-empty list of tensors");
  checkDevices("cat", tensors);
  const parts = tensors.filter((x) => !(x.ndim === 1 && x.size === 0));
  if (parts.length === 0) return join("cat", [tensors[0]], [tensors[0].shape], 0, [0]);
  const ref = parts[0];
  if (ref.ndim === 0) throw new ShapeError("cat", "zero-dimensional tensors cannot be concatenated; use stack");
  const d = normDim("cat", dim, ref.ndim);
  let total = 0;
  for (const x of parts) {
    if (x.ndim !== ref.ndim) throw new ShapeError("cat", `tensors must have the same number of dims: ${fmtShape(ref.shape)} vs ${fmtShape(x.shape)}`);
    if (x.shape.some((s, i) => i !== d && s !== ref.shape[i])) {
      throw new ShapeError("cat", `tensors must have the same shape except in dim ${d}: ${fmtShape(ref.shape)} vs ${fmtShape(x.shape)}`);
    }
    total += x.shape[d];
  }
  const outShape = ref.shape.map((s, i) => (i === d ? total : s));
  return join("cat", parts, parts.map((p) => p.shape), d, outShape);
}

/** Joins equal-shaped tensors along a new dim `dim`. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ShapeError("stack", "expects a non-empty list of tensors");
  checkDevices("stack", tensors);
  const ref = tensors[0];
  tensors.forEach((x, i) => {
    if (!shapeEquals(x.shape, ref.shape)) {
      throw new ShapeError("stack", `tensors must all have the same shape: ${fmtShape(ref.shape)} at entry 0 vs ${fmtShape(x.shape)} at entry ${i}`);
    }
  });
  const d = normDim("stack", dim, ref.ndim + 1);
  const view = [...ref.shape];
  view.splice(d, 0, 1);
  const outShape = [...view];
  outShape[d] = tensors.length;
  return join("stack", [...tensors], tensors.map(() => view), d, outShape);
}

/**
 * Splits along `dim` into pieces of `sizeOrSections` entries (the last may be smaller), or into pieces
 * of the given sizes, which must add up to the dim's size.
 */
export function split(x: Tensor, sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  const d = normDim("split", dim, x.ndim);
  const n = x.shape[d];
  let sizes: number[];
  if (typeof sizeOrSections === "number") {
    const s = sizeOrSections;
    if (!Number.isInteger(s) || s < 0 || (s === 0 && n > 0)) throw new ShapeError("split", `split size must be a positive integer, got ${s}`);
    sizes = [];
    for (let at = 0; at < n; at += s) sizes.push(Math.min(s, n - at));
    if (n === 0) sizes.push(0);
  } else {
    sizes = [...sizeOrSections];
    if (sizes.some((s) => !Number.isInteger(s) || s < 0)) throw new ShapeError("split", `sizes ${fmtShape(sizes)} must be non-negative integers`);
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== n) throw new ShapeError("split", `sizes ${fmtShape(sizes)} add up to ${total} but dim ${dim} of ${fmtShape(x.shape)} has size ${n}`);
  }
  let at = 0;
  return sizes.map((s) => {
    const piece = narrow(x, d, at, s);
    at += s;
    return piece;
  });
}

/** Splits into `chunks` pieces of ceil(n / chunks) entries along `dim` (fewer when n is small). */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0) throw new ShapeError("chunk", `chunks must be a positive integer, got ${chunks}`);
  const d = normDim("chunk", dim, x.ndim);
  const n = x.shape[d];
  if (n === 0) return split(x, Array<number>(chunks).fill(0), d);
  return split(x, Math.ceil(n / chunks), d);
}

/** Tiles x: out.shape[i] = x.shape[i] · sizes[i], with x padded with leading 1s to sizes.length dims. */
export function repeat(x: Tensor, sizes: Shape): Tensor {
  if (sizes.length < x.ndim) throw new ShapeError("repeat", `${sizes.length} repeat sizes given for a tensor of shape ${fmtShape(x.shape)}; need at least ${x.ndim}`);
  for (const s of sizes) if (!Number.isInteger(s) || s < 0) throw new ShapeError("repeat", `repeat sizes ${fmtShape(sizes)} must be non-negative integers`);
  const xs = [...Array<number>(sizes.length - x.ndim).fill(1), ...x.shape];
  const xStrides = contiguousStrides(xs);
  // view out as [r0, s0, r1, s1, ...]: x is read with stride 0 along each r
  const inter: number[] = [];
  const src: number[] = [];
  sizes.forEach((r, i) => {
    inter.push(r, xs[i]);
    src.push(0, xStrides[i]);
  });
  const outShape = sizes.map((r, i) => r * xs[i]);
  const out = empty(outShape, x.dtype, x.device);
  x.backend.copyStrided(x.storage, 0, src, out.storage, 0, contiguousStrides(inter), inter);
  return record("repeat", out, [x], (g) => {
    const gv = viewOf(g, inter);
    const s = sum(gv, sizes.map((_, i) => 2 * i));
    const gx = viewOf(s, x.shape);
    gv.dispose();
    s.dispose();
    return [gx];
  });
}

// ---------------------------------------------------------------- padding

export type PadMode = "constant" | "reflect" | "replicate" | "circular";

/**
 * Pads (or, with negative amounts in constant mode, crops) the last dims as torch.nn.functional.pad:
 * `pads` is [left, right] for the last dim, then [top, bottom] for the one before, and so on.
 * Modes: "constant" (fills with `value`), "reflect" (mirrors without repeating the edge; amounts must
 * be smaller than the dim), "replicate" (repeats the edge), "circular" (wraps around).
 */
export function pad(x: Tensor, pads: readonly number[], mode: PadMode = "constant", value = 0): Tensor {
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim) {
    throw new ShapeError("pad", `padding ${fmtShape(pads)} must have an even length of at most 2·ndim for input ${fmtShape(x.shape)}`);
  }
  for (const p of pads) checkInt("pad", "padding", p);
  if (mode === "constant") return padConstant(x, pads, value);
  if (mode !== "reflect" && mode !== "replicate" && mode !== "circular") throw new ShapeError("pad", `unknown mode "${String(mode)}"`);
  let cur = x;
  for (let k = 0; k < pads.length / 2; k++) {
    const d = x.ndim - 1 - k;
    const l = pads[2 * k];
    const r = pads[2 * k + 1];
    const n = cur.shape[d];
    if (l < 0 || r < 0) throw new ShapeError("pad", `negative padding ${fmtShape(pads)} is only supported in constant mode`);
    if (l === 0 && r === 0) continue;
    if (mode === "reflect" && (l >= n || r >= n)) throw new ShapeError("pad", `reflect padding (${l}, ${r}) must be smaller than dim ${d} of size ${n} in ${fmtShape(x.shape)}`);
    if (mode === "circular" && (l > n || r > n)) throw new ShapeError("pad", `circular padding (${l}, ${r}) must be at most dim ${d} of size ${n} in ${fmtShape(x.shape)}`);
    if (n === 0) throw new ShapeError("pad", `cannot ${mode}-pad dim ${d} of size 0 in ${fmtShape(x.shape)}`);
    const edge = (at: number, count: number): Tensor => expand(narrow(cur, d, at, 1), cur.shape.map((s, i) => (i === d ? count : s)));
    const parts: Tensor[] = [];
    if (l > 0) parts.push(mode === "reflect" ? flip(narrow(cur, d, 1, l), d) : mode === "replicate" ? edge(0, l) : narrow(cur, d, n - l, l));
    parts.push(cur);
    if (r > 0) parts.push(mode === "reflect" ? flip(narrow(cur, d, n - 1 - r, r), d) : mode === "replicate" ? edge(n - 1, r) : narrow(cur, d, 0, r));
    cur = cat(parts, d);
  }
  return cur === x ? shareAs("pad", x, x.shape) : cur;
}

function padConstant(x: Tensor, pads: readonly number[], value: number): Tensor {
  const outShape = [...x.shape];
  const copyShape = [...x.shape];
  const srcStart = x.shape.map(() => 0);
  const dstStart = x.shape.map(() => 0);
  for (let k = 0; k < pads.length / 2; k++) {
    const d = x.ndim - 1 - k;
    const l = pads[2 * k];
    const r = pads[2 * k + 1];
    const n = x.shape[d];
    outShape[d] = n + l + r;
    if (outShape[d] < 0) throw new ShapeError("pad", `padding ${fmtShape(pads)} makes dim ${d} of ${fmtShape(x.shape)} negative`);
    srcStart[d] = Math.max(0, -l);
    dstStart[d] = Math.max(0, l);
    copyShape[d] = Math.max(0, n - srcStart[d] - Math.max(0, -r));
  }
  const xs = contiguousStrides(x.shape);
  const os = contiguousStrides(outShape);
  const at = (start: number[], strides: number[]): number => start.reduce((a, s, i) => a + s * strides[i], 0);
  const copyCount = numel(copyShape);
  const srcOff = copyCount ? at(srcStart, xs) : 0;
  const dstOff = copyCount ? at(dstStart, os) : 0;
  const out = empty(outShape, x.dtype, x.device);
  if (copyCount !== out.size) x.backend.fill(out.storage, value);
  x.backend.copyStrided(x.storage, srcOff, xs, out.storage, dstOff, os, copyShape);
  return record("pad", out, [x], (g) => {
    const gx = empty(x.shape, g.dtype, x.device, copyCount !== x.size);
    x.backend.copyStrided(g.storage, dstOff, os, gx.storage, srcOff, xs, copyShape);
    return [gx];
  });
}

// ---------------------------------------------------------------- methods

declare module "../tensor.js" {
  interface Tensor {
    reshape(shape: Shape): Tensor;
    reshape(...shape: number[]): Tensor;
    view(shape: Shape): Tensor;
    view(...shape: number[]): Tensor;
    squeeze(dim?: number | readonly number[]): Tensor;
    unsqueeze(dim: number): Tensor;
    flatten(startDim?: number, endDim?: number): Tensor;
    unflatten(dim: number, sizes: Shape): Tensor;
    permute(dims: readonly number[]): Tensor;
    permute(...dims: number[]): Tensor;
    transpose(dim0: number, dim1: number): Tensor;
    t(): Tensor;
    expand(sizes: Shape): Tensor;
    expand(...sizes: number[]): Tensor;
    expandAs(other: Tensor): Tensor;
    broadcastTo(shape: Shape): Tensor;
    split(sizeOrSections: number | readonly number[], dim?: number): Tensor[];
    chunk(chunks: number, dim?: number): Tensor[];
    repeat(sizes: Shape): Tensor;
    repeat(...sizes: number[]): Tensor;
  }
}

const P = Tensor.prototype;
P.reshape = function (this: Tensor, ...s: SizeArgs) { return reshape(this, sizesOf("reshape", s)); };
P.view = function (this: Tensor, ...s: SizeArgs) { return view(this, sizesOf("view", s)); };
P.squeeze = function (d) { return squeeze(this, d); };
P.unsqueeze = function (d) { return unsqueeze(this, d); };
P.flatten = function (s, e) { return flatten(this, s, e); };
P.unflatten = function (d, s) { return unflatten(this, d, s); };
P.permute = function (this: Tensor, ...s: SizeArgs) { return permute(this, sizesOf("permute", s)); };
P.transpose = function (a, b) { return transpose(this, a, b); };
P.t = function () { return t(this); };
P.expand = function (this: Tensor, ...s: SizeArgs) { return expand(this, sizesOf("expand", s)); };
P.expandAs = function (o) { return expand(this, o.shape); };
P.broadcastTo = function (s) { return broadcastTo(this, s); };
P.split = function (s, d) { return split(this, s, d); };
P.chunk = function (c, d) { return chunk(this, c, d); };
P.repeat = function (this: Tensor, ...s: SizeArgs) { return repeat(this, sizesOf("repeat", s)); };
