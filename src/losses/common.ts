// Shared by every loss: the reduction option, argument checks that name the loss and the shapes, and
// the scope discipline for composite losses.
import { needsGrad } from "../autograd/index.js";
import { isFloatingPoint } from "../tensor/dtype.js";
import { mean, scope, ShapeError, sum, type Reduction, type Shape, type Tensor } from "../tensor/index.js";

export type { Reduction } from "../tensor/index.js";

/** The `reduction` option every loss takes: "mean" (default), "sum", or "none" (per-element losses). */
export interface ReductionOptions {
  reduction?: Reduction;
}

/** `[2,3]` — the engine's shape notation in error messages. */
export function fmt(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

/** Exact shape equality. */
export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function checkReduction(loss: string, r: unknown, allowed: readonly string[] = ["mean", "sum", "none"]): void {
  if (typeof r !== "string" || !allowed.includes(r)) {
    throw new ShapeError(loss, `reduction must be ${allowed.map((a) => `"${a}"`).join(", ")}, got ${JSON.stringify(r)}`);
  }
}

/** Throws unless `t` is floating point (losses are float-only; class indices are checked elsewhere). */
export function checkFloat(loss: string, name: string, t: Tensor | null | undefined): void {
  if (t && !isFloatingPoint(t.dtype)) throw new ShapeError(loss, `${name} must be floating point (float32, bfloat16 or float16), got ${t.dtype} ${fmt(t.shape)}`);
}

/**
 * Input and target of a pointwise loss must agree exactly: PyTorch broadcasts them with only a
 * warning, which silently turns [N] vs [N,1] into an [N,N] loss — here that is an error.
 */
export function checkSameShape(loss: string, aName: string, a: Tensor, bName: string, b: Tensor): void {
  if (!sameShape(a.shape, b.shape)) {
    throw new ShapeError(loss, `${aName} ${fmt(a.shape)} and ${bName} ${fmt(b.shape)} must have the same shape`);
  }
}

/** An optional tensor option (weight, posWeight) must broadcast to `shape` without enlarging it. */
export function checkBroadcastsTo(loss: string, name: string, t: Tensor | null | undefined, shape: Shape, what: string): void {
  if (!t) return;
  const ok = t.ndim <= shape.length && t.shape.every((d, i) => d === 1 || d === shape[shape.length - t.ndim + i]);
  if (!ok) throw new ShapeError(loss, `${name} ${fmt(t.shape)} does not broadcast to ${what} ${fmt(shape)}`);
}

export function checkFinite(loss: string, name: string, v: number, min = -Infinity, minInclusive = true): void {
  const ok = Number.isFinite(v) && (minInclusive ? v >= min : v > min);
  if (!ok) {
    const bound = min === -Infinity ? "a finite number" : `a finite number ${minInclusive ? ">=" : ">"} ${min}`;
    throw new ShapeError(loss, `${name} must be ${bound}, got ${v}`);
  }
}

/** Applies a "mean" | "sum" | "none" reduction to per-element losses. */
export function reduce(loss: Tensor, reduction: Reduction): Tensor {
  return reduction === "none" ? loss : reduction === "sum" ? sum(loss) : mean(loss);
}

/**
 * Runs a composite loss body. With no input needing grad every intermediate is freed at once (a
 * scope); otherwise they stay alive as the recorded graph, which backward frees.
 */
export function composite<T>(inputs: readonly (Tensor | null | undefined)[], fn: () => T): T {
  return needsGrad(...inputs.filter((t): t is Tensor => !!t)) ? fn() : scope(fn);
}
