import type { DType, TypedArray } from "../tensor/dtype.js";

export type Device = "cpu" | "cuda";

/**
 * Backend-owned memory. Host backends (js, cpu) share `HostStorage`, so tensors move between them
 * for free; a device backend keeps its own handle type. `refs` counts the tensors that view it:
 * reshape/view share storage, and the buffer goes back to its pool when the last one is disposed.
 */
export interface Storage {
  readonly device: Device;
  readonly dtype: DType;
  readonly size: number;
  refs: number;
}

export class HostStorage implements Storage {
  readonly device = "cpu" as const;
  refs = 1;
  constructor(
    readonly data: TypedArray,
    readonly dtype: DType,
  ) {}
  get size(): number {
    return this.data.length;
  }
}

export function hostData(s: Storage): TypedArray {
  if (!(s instanceof HostStorage)) throw new Error(`expected host storage, got ${s.device} storage`);
  return s.data;
}

export function f32(s: Storage): Float32Array {
  return hostData(s) as Float32Array;
}

export function i32(s: Storage): Int32Array {
  return hostData(s) as Int32Array;
}
