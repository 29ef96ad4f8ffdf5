import { backendFor } from "../backends/registry.js";
import type { Device } from "../backends/storage.js";
import type { DType } from "./dtype.js";
import { checkShape, numel, type Shape } from "./shape.js";
import { Tensor } from "./tensor.js";

/** A new tensor with uninitialised (zero when `zero`) storage: how ops allocate outputs. */
export function empty(shape: Shape, dtype: DType = "float32", device: Device = "cpu", zero = false): Tensor {
  const b = backendFor(device);
  return new Tensor(b.alloc(dtype, numel(shape), zero), shape, dtype);
}

/** A tensor viewing the same storage with another shape (same number of elements). */
export function viewOf(t: Tensor, shape: Shape): Tensor {
  checkShape("view", shape);
  const s = t.storage;
  s.refs++;
  return new Tensor(s, shape, t.dtype);
}
