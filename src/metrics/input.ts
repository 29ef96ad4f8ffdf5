// Reading metric inputs. Every metric works on the host in float64: inputs are Tensors (downloaded
// once) or plain arrays, and the answers are compared with scikit-learn's float64 ones.
import { Tensor } from "../tensor/index.js";

/**
 * What a metric accepts for targets, predictions or scores: a Tensor, a flat array (number[] or any
 * typed array) of N values, or an array of N rows (number[][]) for [N, C] scores.
 */
export type MetricInput = Tensor | ArrayLike<number> | readonly ArrayLike<number>[];

/** An input read to the host: float64 values, row-major, with its shape. */
export interface HostArray {
  readonly data: Float64Array;
  readonly shape: readonly number[];
  /** The values came in as float32 (scikit-learn picks float32 eps for those, e.g. in log loss). */
  readonly float32: boolean;
  /** The values came in with an integer or bool dtype, so they can only be labels. */
  readonly integerTyped: boolean;
}

const fmt = (shape: readonly number[]): string => `[${shape.join(", ")}]`;

function isRows(x: ArrayLike<number> | readonly ArrayLike<number>[]): x is readonly ArrayLike<number>[] {
  return Array.isArray(x) && x.length > 0 && typeof x[0] === "object" && x[0] !== null;
}

/** Reads `x` to the host. `what` names it in errors, e.g. "accuracy: yTrue". */
export function readInput(x: MetricInput, what: string): HostArray {
  if (x instanceof Tensor) {
    const integerTyped = x.dtype !== "float32";
    return { data: Float64Array.from(x.dataSync()), shape: [...x.shape], float32: !integerTyped, integerTyped };
  }
  if (x === null || typeof x !== "object" || typeof x.length !== "number") {
    throw new TypeError(`${what} must be a Tensor, an array of numbers or an array of rows, got ${x === null ? "null" : typeof x}`);
  }
  if (isRows(x)) {
    const cols = x[0].length;
    const data = new Float64Array(x.length * cols);
    for (let i = 0; i < x.length; i++) {
      const row = x[i];
      if (row === null || typeof row !== "object" || row.length !== cols) {
        throw new TypeError(`${what}: row ${i} has ${row?.length ?? "no"} values, expected ${cols} like row 0`);
      }
      for (let j = 0; j < cols; j++) data[i * cols + j] = numberAt(row, j, `${what}[${i}]`);
    }
    return { data, shape: [x.length, cols], float32: x[0] instanceof Float32Array, integerTyped: isIntegerArray(x[0]) };
  }
  const flat = x as ArrayLike<number>;
  const data = new Float64Array(flat.length);
  for (let i = 0; i < flat.length; i++) data[i] = numberAt(flat, i, what);
  return { data, shape: [flat.length], float32: flat instanceof Float32Array, integerTyped: isIntegerArray(flat) };
}

function isIntegerArray(a: ArrayLike<number>): boolean {
  return a instanceof Int32Array || a instanceof Uint8Array || a instanceof Int8Array || a instanceof Int16Array ||
    a instanceof Uint16Array || a instanceof Uint32Array || a instanceof Uint8ClampedArray;
}

function numberAt(a: ArrayLike<number>, i: number, what: string): number {
  const v: unknown = a[i];
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  throw new TypeError(`${what}: element ${i} is ${v === null ? "null" : typeof v}, expected a number`);
}

/** The number of samples (the first dim); rejects 0-d inputs. */
export function samplesOf(h: HostArray, what: string): number {
  if (h.shape.length === 0) throw new Error(`${what} must have a sample dim, got a 0-d input`);
  return h.shape[0];
}

/** Throws unless `a` and `b` hold the same number of samples, naming both counts. */
export function checkSameLength(fn: string, aName: string, a: HostArray, bName: string, b: HostArray): number {
  const na = samplesOf(a, `${fn}: ${aName}`);
  const nb = samplesOf(b, `${fn}: ${bName}`);
  if (na !== nb) throw new Error(`${fn}: ${aName} has ${na} samples but ${bName} has ${nb}`);
  return na;
}

/** The values of an [N] or [N, 1] input; anything else is an error naming the shape. */
export function asVector(h: HostArray, what: string): Float64Array {
  if (h.shape.length === 1 || (h.shape.length === 2 && h.shape[1] === 1)) return h.data;
  throw new Error(`${what} must have shape [N] or [N, 1], got ${fmt(h.shape)}`);
}

/** Whether `h` is [N, C] with C > 1 (scores per class) rather than one value per sample. */
export function isMatrix(h: HostArray): boolean {
  return h.shape.length === 2 && h.shape[1] > 1;
}

/** Throws unless every value is finite (NaN or ±Infinity in scores gives meaningless rankings). */
export function checkFinite(values: Float64Array, what: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new Error(`${what} contains ${values[i]} at index ${i}; expected finite values`);
  }
}

/** The values of an [N] / [N, 1] input of class labels, which must be integers. */
export function asLabels(h: HostArray, what: string): Float64Array {
  const v = asVector(h, what);
  for (let i = 0; i < v.length; i++) {
    if (!Number.isInteger(v[i])) throw new Error(`${what} must hold integer class labels, got ${v[i]} at index ${i}`);
  }
  return v;
}

/** Sorted distinct values of the given arrays (scikit-learn's unique_labels for numeric labels). */
export function uniqueSorted(...arrays: ArrayLike<number>[]): number[] {
  const seen = new Set<number>();
  for (const a of arrays) for (let i = 0; i < a.length; i++) seen.add(a[i]);
  return [...seen].sort((x, y) => x - y);
}

/** Formats a shape as [2, 3] for error messages. */
export function fmtShape(shape: readonly number[]): string {
  return fmt(shape);
}
