// Small helpers shared by the layers: argument checks and freeing intermediates when no graph is built.
import { needsGrad } from "../autograd/record.js";
import { zeros } from "../tensor/creation.js";
import { scope } from "../tensor/scope.js";
import type { Shape } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { Parameter } from "./parameter.js";

/** Throws unless v is an integer >= min, naming the layer and the argument. */
export function checkInt(layer: string, name: string, v: number, min = 1): void {
  if (!Number.isInteger(v) || v < min) throw new Error(`${layer}: ${name} must be an integer >= ${min}, got ${v}`);
}

/** Throws unless v is a finite number in [lo, hi]. */
export function checkRange(layer: string, name: string, v: number, lo: number, hi: number): void {
  if (typeof v !== "number" || !(v >= lo && v <= hi)) throw new Error(`${layer}: ${name} must be a number in [${lo}, ${hi}], got ${v}`);
}

/** `number | [a, b]` → [a, b], each an integer >= min. */
export function toPair(layer: string, name: string, v: number | readonly number[], min = 1): [number, number] {
  const p = typeof v === "number" ? [v, v] : [...v];
  if (p.length !== 2) throw new Error(`${layer}: ${name} must be a number or a pair, got [${String(v)}]`);
  checkInt(layer, name, p[0], min);
  checkInt(layer, name, p[1], min);
  return [p[0], p[1]];
}

/** A zero-filled parameter (layers then fill it with their init). */
export function emptyParameter(shape: Shape): Parameter {
  return Parameter.adopt(zeros(shape));
}

/**
 * Runs a forward body. When no gradient will be recorded its intermediates are freed on return (a
 * scope); otherwise they stay alive as part of the graph, for the caller's scope to free.
 */
export function forwardScope<T>(inputs: readonly (Tensor | null | undefined)[], fn: () => T): T {
  return needsGrad(...inputs.filter((t): t is Tensor => !!t)) ? fn() : scope(fn);
}
