// Helpers shared by the nn ops: argument checks, recorded views and axis moves done with copyStrided.
import type { MatmulParams } from "../../../backends/backend.js";
import { needsGrad, record } from "../../../autograd/record.js";
import { scope } from "../../scope.js";
import { empty, viewOf } from "../../alloc.js";
import { isFloatingPoint, type DType } from "../../dtype.js";
import { fmtShape, ShapeError, shapeEquals, type Shape } from "../../shape.js";
import type { Tensor } from "../../tensor.js";
import { cast } from "../elementwise.js";
import { expandCopy, sumTo } from "../reduce.js";

/** The tensors an op checks, by argument name (the name goes into its errors); absent optional ones may be null. */
export type NamedTensors = Record<string, Tensor | null | undefined>;

/**
 * Checks that every given tensor is floating point (float32, bfloat16 or float16) and that all sit on
 * one device and, unless `mixed`, hold one dtype (PyTorch: "expected both ... to have the same dtype").
 * Returns the first tensor's dtype: the one outputs and gradients are made in.
 */
export function checkFloat(op: string, args: NamedTensors, mixed = false): DType {
  let first: [string, Tensor] | null = null;
  for (const [name, t] of Object.entries(args)) {
    if (!t) continue;
    if (!isFloatingPoint(t.dtype)) throw new ShapeError(op, `expects float32, bfloat16 or float16 tensors, got ${name} ${t.dtype} ${fmtShape(t.shape)}`);
    if (first === null) {
      first = [name, t];
      continue;
    }
    const [fname, f] = first;
    if (t.device !== f.device) throw new ShapeError(op, `tensors are on different devices (${fname} on ${f.device}, ${name} on ${t.device})`);
    if (!mixed && t.dtype !== f.dtype) throw new ShapeError(op, `expected ${fname} and ${name} to have the same dtype, got ${f.dtype} and ${t.dtype}`);
  }
  return first ? first[1].dtype : "float32";
}

/** A positive (or, with allowZero, non-negative) integer. */
export function checkInt(op: string, name: string, v: number, min = 1): void {
  if (!Number.isInteger(v) || v < min) throw new ShapeError(op, `${name} must be an integer >= ${min}, got ${v}`);
}

/** Expands `number | [a, b]` to a pair. */
export function pair(op: string, name: string, v: number | readonly number[], min = 1): [number, number] {
  const p: [number, number] = typeof v === "number" ? [v, v] : v.length === 2 ? [v[0], v[1]] : [NaN, NaN];
  if (Number.isNaN(p[0])) throw new ShapeError(op, `${name} must be a number or a pair, got [${String(v)}]`);
  checkInt(op, name, p[0], min);
  checkInt(op, name, p[1], min);
  return p;
}

/** `number | [a]` to a number. */
export function single(op: string, name: string, v: number | readonly number[], min = 1): number {
  const n = typeof v === "number" ? v : v.length === 1 ? v[0] : NaN;
  if (Number.isNaN(n)) throw new ShapeError(op, `${name} must be a number or a 1-element list, got [${String(v)}]`);
  checkInt(op, name, n, min);
  return n;
}

/** A view of `x` with another shape that gradients flow through. */
export function viewRecorded(x: Tensor, shape: Shape): Tensor {
  if (shapeEquals(x.shape, shape)) return x;
  return record("view", viewOf(x, shape), [x], (g) => [viewOf(g, x.shape)]);
}

/** Broadcast copy of `x` to `shape` that gradients flow through (summed back). */
export function expandRecorded(x: Tensor, shape: Shape): Tensor {
  if (shapeEquals(x.shape, shape)) return x;
  return record("expand", expandCopy(x, shape), [x], (g) => [sumTo(g, x.shape)]);
}

/** Copies x viewed as [outer, r, inner] into a new [outer, inner, r] tensor (moves the middle axis last). No autograd. */
export function moveAxisLast(x: Tensor, outer: number, r: number, inner: number): Tensor {
  const out = empty([outer, inner, r], x.dtype, x.device);
  x.backend.copyStrided(x.storage, 0, [r * inner, 1, inner], out.storage, 0, [inner * r, r, 1], [outer, inner, r]);
  return out;
}

/** The inverse of moveAxisLast: [outer, inner, r] back to a tensor of `shape` laid out as [outer, r, inner]. No autograd. */
export function moveAxisBack(x: Tensor, outer: number, r: number, inner: number, shape: Shape): Tensor {
  const out = empty(shape, x.dtype, x.device);
  x.backend.copyStrided(x.storage, 0, [inner * r, r, 1], out.storage, 0, [r * inner, 1, inner], [outer, inner, r]);
  return out;
}

/** `t` converted to `dtype`, freeing `t` (returned as is when it already has that dtype); for tensors outside autograd. */
export function recast(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  const out = cast(t, dtype);
  t.dispose();
  return out;
}

/**
 * `x` in another float dtype, or x itself when it has it; gradients flow back through the cast in x's
 * dtype: how a float32 parameter meets a half input where PyTorch allows mixing.
 */
export function castRecorded(x: Tensor, dtype: DType): Tensor {
  return x.dtype === dtype ? x : cast(x, dtype);
}

export function gemm(a: Tensor, b: Tensor, out: Tensor, p: MatmulParams): void {
  a.backend.matmul(a.storage, b.storage, out.storage, p);
}

/**
 * Checks that every int32 index in `idx` lies in [0, n), with reduce kernels (no host loop) and one
 * small download.
 */
export function checkIndexRange(op: string, idx: Tensor, n: number, what: string): void {
  if (idx.size === 0) return;
  const b = idx.backend;
  const lo = empty([1], "int32", idx.device);
  const hi = empty([1], "int32", idx.device);
  b.reduce("min", idx.storage, lo.storage, 1, idx.size, 1);
  b.reduce("max", idx.storage, hi.storage, 1, idx.size, 1);
  const mn = lo.item();
  const mx = hi.item();
  lo.dispose();
  hi.dispose();
  if (mn < 0 || mx >= n) throw new ShapeError(op, `${what} out of range: values span [${mn}, ${mx}], expected [0, ${n - 1}]`);
}

/**
 * Runs a composite op body: when no input needs grad its intermediates are freed at once (a scope);
 * otherwise they stay alive as part of the recorded graph.
 */
export function composite<T>(inputs: (Tensor | null | undefined)[], fn: () => T): T {
  return needsGrad(...inputs.filter((t): t is Tensor => !!t)) ? fn() : scope(fn);
}
