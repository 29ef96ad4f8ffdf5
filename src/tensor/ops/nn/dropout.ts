// Inverted dropout with a seeded mask (same generator state → same mask on every backend).
import { backendFor } from "../../../backends/registry.js";
import { record } from "../../../autograd/record.js";
import { empty } from "../../alloc.js";
import { isFloatingPoint, isHalf, type DType } from "../../dtype.js";
import { float32ToHalf } from "../../half.js";
import { defaultGenerator, type Generator } from "../../random.js";
import { contiguousStrides, ShapeError } from "../../shape.js";
import { Tensor } from "../../tensor.js";
import { checkFloat } from "./util.js";

/**
 * A keep mask scaled by 1/(1−p): entries are 0 with probability p, else 1/(1−p), in `dtype` (the
 * masked tensor's, so that the multiply does not promote it). No autograd.
 */
export function dropoutMask(shape: readonly number[], p: number, device: Tensor["device"], generator: Generator = defaultGenerator, dtype: DType = "float32"): Tensor {
  if (!isFloatingPoint(dtype)) throw new ShapeError("dropoutMask", `dtype must be float32, bfloat16 or float16, got ${dtype}`);
  const n = shape.reduce((a, d) => a * d, 1);
  // generator.uniform(n) < p, without the float array: uniform's value is k / 2^24 for the word's top
  // 24 bits k, and k / 2^24 < p exactly when k < p · 2^24 (both sides exact in doubles)
  const words = generator.uint32(n);
  const mask = new Float32Array(n);
  const scale = 1 / (1 - p);
  const cut = p * 16777216;
  for (let i = 0; i < n; i++) mask[i] = words[i] >>> 8 < cut ? 0 : scale;
  if (!isHalf(dtype)) return new Tensor(backendFor(device).upload(mask, "float32"), shape, "float32");
  return new Tensor(backendFor(device).upload(float32ToHalf(mask, dtype), dtype), shape, dtype);
}

/**
 * Zeroes each element with probability p and scales the rest by 1/(1−p). Identity when not training
 * or p = 0. The mask comes from `generator` (default: the global one), so a seed reproduces it.
 */
export function dropout(x: Tensor, p = 0.5, training = true, generator?: Generator): Tensor {
  const dt = checkFloat("dropout", { x });
  if (!(p >= 0 && p <= 1)) throw new ShapeError("dropout", `probability p must be in [0, 1], got ${p}`);
  if (!training || p === 0) return x;
  const b = x.backend;
  const out = empty(x.shape, dt, x.device);
  if (p === 1) {
    b.fill(out.storage, 0);
    return record("dropout", out, [x], () => {
      const gx = empty(x.shape, dt, x.device, true);
      return [gx];
    });
  }
  const mask = dropoutMask(x.shape, p, x.device, generator, dt);
  const s = contiguousStrides(x.shape);
  b.binary("mul", x.storage, s, mask.storage, s, out.storage, x.shape);
  if (!x.requiresGrad) mask.dispose();
  return record("dropout", out, [x], (g) => {
    const gx = empty(x.shape, dt, x.device);
    b.binary("mul", g.storage, s, mask.storage, s, gx.storage, x.shape);
    return [gx];
  });
}
