import { backendFor } from "../backends/registry.js";
import type { Device } from "../backends/storage.js";
import { empty } from "./alloc.js";
import { DTYPES, dtypeOfArray, isDType, isHalf, type DType, type TypedArray } from "./dtype.js";
import { defaultGenerator, type Generator } from "./random.js";
import { checkShape, fmtShape, numel, type Shape } from "./shape.js";
import { Tensor, type NestedArray } from "./tensor.js";

export interface TensorOptions {
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}

export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

function finish(t: Tensor, opts: TensorOptions): Tensor {
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

function checkOpts(op: string, opts: TensorOptions): void {
  if (opts.dtype !== undefined && !isDType(opts.dtype)) throw new Error(`${op}: unknown dtype "${String(opts.dtype)}" (expected ${DTYPES.join(", ")})`);
}

function fromFlat(data: TypedArray, shape: Shape, dtype: DType, opts: TensorOptions): Tensor {
  const b = backendFor(opts.device ?? "cpu");
  return finish(new Tensor(b.upload(data, dtype), shape, dtype), opts);
}

/**
 * Infers shape from nested arrays: the shape is read down the first elements, then every row is checked
 * against it, so ragged input fails with the path of the first bad row.
 */
function inferShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let d: NestedArray = data;
  while (Array.isArray(d)) {
    shape.push(d.length);
    if (d.length === 0) break;
    d = d[0];
  }
  checkNested(data, "", shape, 0);
  return shape;
}

function checkNested(data: NestedArray, path: string, shape: readonly number[], depth: number): void {
  const where = path || "root";
  if (!Array.isArray(data)) {
    if (depth !== shape.length) throw new Error(`tensor: ragged nested array at ${where}: found a scalar where a list of length ${shape[depth]} was expected`);
    if (typeof data !== "number" && typeof data !== "boolean") throw new Error(`tensor: element at ${where} is ${data === null ? "null" : typeof data}, expected a number or boolean`);
    return;
  }
  if (depth >= shape.length) throw new Error(`tensor: ragged nested array at ${where}: found a list where a scalar was expected`);
  if (shape[depth] !== data.length) throw new Error(`tensor: ragged nested array at ${where}: length ${data.length}, expected ${shape[depth]}`);
  data.forEach((x, i) => checkNested(x, `${path}[${i}]`, shape, depth + 1));
}

function flatten(data: NestedArray, out: number[]): void {
  if (Array.isArray(data)) for (const d of data) flatten(d, out);
  else out.push(typeof data === "boolean" ? (data ? 1 : 0) : data);
}

/** A tensor from nested arrays, a flat typed array (with an optional shape), or a number. */
export function tensor(data: NestedArray | TypedArray, opts: TensorOptions & { shape?: Shape } = {}): Tensor {
  checkOpts("tensor", opts);
  if (opts.shape) checkShape("tensor", opts.shape);
  if (ArrayBuffer.isView(data)) {
    const shape = opts.shape ?? [data.length];
    if (numel(shape) !== data.length) throw new Error(`tensor: shape ${fmtShape(shape)} needs ${numel(shape)} elements, got ${data.length}`);
    // a Uint16Array with dtype bfloat16/float16 holds their bit patterns; other typed arrays (Float64Array,
    // a Uint16Array of numbers, ...) are read as float32 values
    if (data instanceof Uint16Array && opts.dtype !== undefined && isHalf(opts.dtype)) return fromFlat(data, shape, opts.dtype, opts);
    const own: DType = data instanceof Float32Array || data instanceof Int32Array || data instanceof Uint8Array ? dtypeOfArray(data) : "float32";
    const src = own === "float32" && !(data instanceof Float32Array) ? Float32Array.from(data) : data;
    return fromFlat(src, shape, opts.dtype ?? own, opts);
  }
  const shape = inferShape(data);
  const flat: number[] = [];
  flatten(data, flat);
  if (opts.shape && numel(opts.shape) !== flat.length) throw new Error(`tensor: shape ${fmtShape(opts.shape)} needs ${numel(opts.shape)} elements, got ${flat.length}`);
  const isBool = typeof (Array.isArray(data) ? firstLeaf(data) : data) === "boolean";
  const dtype = opts.dtype ?? (isBool ? "bool" : "float32");
  const arr = dtype === "float32" || isHalf(dtype) ? Float32Array.from(flat) : dtype === "int32" ? Int32Array.from(flat) : Uint8Array.from(flat, (v) => (v !== 0 ? 1 : 0));
  return fromFlat(arr, opts.shape ?? shape, dtype, opts);
}

function firstLeaf(data: NestedArray): NestedArray {
  let d = data;
  while (Array.isArray(d) && d.length > 0) d = d[0];
  return d;
}

export function full(shape: Shape, value: number, opts: TensorOptions = {}): Tensor {
  checkOpts("full", opts);
  checkShape("full", shape);
  const t = empty(shape, opts.dtype ?? "float32", opts.device ?? "cpu");
  t.backend.fill(t.storage, value);
  return finish(t, opts);
}

export function zeros(shape: Shape, opts: TensorOptions = {}): Tensor {
  checkOpts("zeros", opts);
  checkShape("zeros", shape);
  return finish(empty(shape, opts.dtype ?? "float32", opts.device ?? "cpu", true), opts);
}

export function ones(shape: Shape, opts: TensorOptions = {}): Tensor {
  return full(shape, 1, opts);
}

export function zerosLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return zeros(t.shape, { dtype: t.dtype, device: t.device, ...opts });
}

export function onesLike(t: Tensor, opts: TensorOptions = {}): Tensor {
  return ones(t.shape, { dtype: t.dtype, device: t.device, ...opts });
}

export function fullLike(t: Tensor, value: number, opts: TensorOptions = {}): Tensor {
  return full(t.shape, value, { dtype: t.dtype, device: t.device, ...opts });
}

/** Values from start (inclusive) to end (exclusive) by step; arange(n) counts 0..n-1. */
export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
  checkOpts("arange", opts);
  if (end === undefined) [start, end] = [0, start];
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new Error(`arange: start and end must be finite, got ${start} and ${end}`);
  if (step === 0 || !Number.isFinite(step)) throw new Error(`arange: step must be a non-zero finite number, got ${step}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  const allInt = Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step);
  const dtype = opts.dtype ?? (allInt ? "int32" : "float32");
  const data = dtype === "float32" ? new Float32Array(n) : new Int32Array(n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return fromFlat(data, [n], dtype, opts);
}

export function linspace(start: number, end: number, steps: number, opts: TensorOptions = {}): Tensor {
  checkOpts("linspace", opts);
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`linspace: steps must be a non-negative integer, got ${steps}`);
  const data = new Float32Array(steps);
  const d = steps > 1 ? (end - start) / (steps - 1) : 0;
  for (let i = 0; i < steps; i++) data[i] = i === steps - 1 && steps > 1 ? end : start + i * d;
  return fromFlat(data, [steps], opts.dtype ?? "float32", opts);
}

export function eye(n: number, m = n, opts: TensorOptions = {}): Tensor {
  checkOpts("eye", opts);
  checkShape("eye", [n, m]);
  const data = new Float32Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return fromFlat(data, [n, m], opts.dtype ?? "float32", opts);
}

function floatOnly(op: string, opts: RandomOptions): void {
  checkOpts(op, opts);
  if (opts.dtype !== undefined && opts.dtype !== "float32") throw new Error(`${op}: samples are float32, got dtype ${opts.dtype}`);
}

/** Uniform samples in [0, 1). */
export function rand(shape: Shape, opts: RandomOptions = {}): Tensor {
  checkShape("rand", shape);
  floatOnly("rand", opts);
  const g = opts.generator ?? defaultGenerator;
  return fromFlat(g.uniform(numel(shape)), shape, "float32", opts);
}

/** Standard normal samples. */
export function randn(shape: Shape, opts: RandomOptions = {}): Tensor {
  checkShape("randn", shape);
  floatOnly("randn", opts);
  const g = opts.generator ?? defaultGenerator;
  return fromFlat(g.normal(numel(shape)), shape, "float32", opts);
}

/** Integers uniform in [low, high). */
export function randint(low: number, high: number, shape: Shape, opts: RandomOptions = {}): Tensor {
  checkOpts("randint", opts);
  checkShape("randint", shape);
  if (!(high > low)) throw new Error(`randint: high (${high}) must be greater than low (${low})`);
  const g = opts.generator ?? defaultGenerator;
  return fromFlat(g.integers(numel(shape), low, high), shape, opts.dtype ?? "int32", opts);
}

/** Uniform samples in [low, high), shaped like `t`. */
export function uniform(shape: Shape, low: number, high: number, opts: RandomOptions = {}): Tensor {
  checkShape("uniform", shape);
  floatOnly("uniform", opts);
  const g = opts.generator ?? defaultGenerator;
  return fromFlat(g.uniform(numel(shape), low, high), shape, "float32", opts);
}

export function normal(shape: Shape, mean: number, std: number, opts: RandomOptions = {}): Tensor {
  checkShape("normal", shape);
  floatOnly("normal", opts);
  const g = opts.generator ?? defaultGenerator;
  return fromFlat(g.normal(numel(shape), mean, std), shape, "float32", opts);
}
