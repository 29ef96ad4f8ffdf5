import type { Backend } from "../backends/backend.js";
import { backendFor } from "../backends/registry.js";
import type { Device, Storage } from "../backends/storage.js";
import type { GradNode } from "../autograd/node.js";
import { isFloatingPoint, isHalf, type DType, type TypedArray } from "./dtype.js";
import { halfToFloat32 } from "./half.js";
import { fmtShape, numel, type Shape } from "./shape.js";
import { track, untrackDisposed } from "./scope.js";

/** Nested number arrays, as returned by toArray() and accepted by tensor(). */
export type NestedArray = number | boolean | NestedArray[];

export type GradHook = (grad: Tensor) => Tensor | void;

let nextId = 1;

/**
 * An n-dimensional array on a device. Storage is dense row-major and owned by a backend; reshape-like
 * views share it. Ops are attached as methods by the modules under ./ops (import "ingot" gets them all).
 */
export class Tensor {
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly dtype: DType;
  private store: Storage | null;
  /** Whether gradients flow to this tensor. Set on leaves with requiresGrad_(). */
  requiresGrad = false;
  /** Accumulated gradient of a leaf after backward(). */
  grad: Tensor | null = null;
  /** The op that produced this tensor, when it was recorded for autograd. */
  gradFn: GradNode | null = null;
  /** Gradient hooks, run in order when this tensor's gradient is computed; a hook may return a replacement. */
  hooks: GradHook[] | null = null;
  /** Keep .grad for this non-leaf (torch's retain_grad). */
  retainsGrad = false;

  constructor(storage: Storage, shape: Shape, dtype: DType) {
    this.store = storage;
    this.shape = shape.slice(); // typed readonly; a copy so callers' arrays cannot alias it
    this.dtype = dtype;
    track(this);
  }

  get storage(): Storage {
    if (!this.store) throw new Error(`tensor ${fmtShape(this.shape)} ${this.dtype} was used after dispose()`);
    return this.store;
  }

  get isDisposed(): boolean {
    return this.store === null;
  }

  get device(): Device {
    return this.storage.device;
  }

  get backend(): Backend {
    return backendFor(this.storage.device);
  }

  get ndim(): number {
    return this.shape.length;
  }

  dim(): number {
    return this.shape.length;
  }

  get size(): number {
    return numel(this.shape);
  }

  numel(): number {
    return numel(this.shape);
  }

  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** Frees the storage now (back to the backend's pool once no view uses it). Idempotent. */
  dispose(): void {
    const s = this.store;
    if (!s) return;
    this.store = null;
    this.gradFn = null;
    untrackDisposed(this);
    if (--s.refs === 0) backendFor(s.device).release(s);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /** Marks a leaf as requiring grad (in place), as torch's requires_grad_(). */
  requiresGrad_(on = true): this {
    if (!this.isLeaf && !on) throw new Error("requiresGrad_: only leaf tensors can stop requiring grad; use detach()");
    if (on && !isFloatingPoint(this.dtype)) throw new Error(`requiresGrad_: only float tensors can require grad, got ${this.dtype}`);
    this.requiresGrad = on;
    return this;
  }

  /** Registers a hook called with this leaf's gradient during backward; it may return a replacement. */
  registerHook(hook: GradHook): () => void {
    (this.hooks ??= []).push(hook);
    return () => {
      this.hooks = this.hooks?.filter((h) => h !== hook) ?? null;
    };
  }

  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }

  /** A new tensor sharing storage, cut from the autograd graph. */
  detach(): Tensor {
    const s = this.storage;
    s.refs++;
    return new Tensor(s, this.shape, this.dtype);
  }

  /** A copy of the elements as a flat typed array (never aliases the storage); bfloat16/float16 values come as a Float32Array. */
  dataSync(): TypedArray {
    const data = this.backend.download(this.storage);
    return isHalf(this.dtype) ? halfToFloat32(data as Uint16Array, this.dtype) : data;
  }

  async data(): Promise<TypedArray> {
    return this.dataSync();
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item: tensor ${fmtShape(this.shape)} has ${this.size} elements, expected 1`);
    return this.dataSync()[0];
  }

  /** Nested arrays of numbers (booleans for bool tensors). */
  toArray(): NestedArray {
    const flat = this.dataSync();
    const isBool = this.dtype === "bool";
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return isBool ? flat[offset] !== 0 : flat[offset];
      const stride = numel(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]; i++) out.push(build(dim + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }

  toString(): string {
    if (this.isDisposed) return `Tensor(disposed, ${fmtShape(this.shape)})`;
    const body = this.size <= 64 ? JSON.stringify(this.toArray()) : `<${this.size} elements>`;
    const grad = this.gradFn ? `, gradFn=${this.gradFn.name}` : this.requiresGrad ? ", requiresGrad" : "";
    return `Tensor(${body}, shape=${fmtShape(this.shape)}, dtype=${this.dtype}${grad})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}
