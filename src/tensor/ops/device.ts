import { record } from "../../autograd/record.js";
import { backendFor } from "../../backends/registry.js";
import type { Device } from "../../backends/storage.js";
import { Tensor } from "../tensor.js";
import { isFloatingPoint } from "../dtype.js";

/**
 * A copy of `t` on `device` (host ↔ GPU), recorded for autograd: the gradient is copied back to t's
 * device. Returns `t` itself when it is already there, as torch's `.to()` does.
 */
export function toDevice(t: Tensor, device: Device): Tensor {
  if (t.device === device) return t;
  const dst = backendFor(device);
  const data = t.backend.download(t.storage);
  const out = new Tensor(dst.upload(data, t.dtype), t.shape, t.dtype);
  if (!isFloatingPoint(t.dtype)) return out;
  const from = t.device;
  return record("toDevice", out, [t], (g) => [toDevice(g, from)]);
}
