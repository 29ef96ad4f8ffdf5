import type { AdamParams } from "../../backends/backend.js";
import { isGradEnabled } from "../../autograd/grad-mode.js";
import { broadcastStrides, contiguousStrides, fmtShape, ShapeError, shapeEquals } from "../shape.js";
import { Tensor } from "../tensor.js";

/**
 * In-place updates (PyTorch's trailing-underscore methods). They are not recorded by autograd, so on a
 * tensor that requires grad they are only allowed under noGrad — as in PyTorch, where optimizers run
 * their updates under no_grad.
 */
function checkInPlace(op: string, t: Tensor): void {
  if (t.requiresGrad && isGradEnabled()) {
    throw new Error(`${op}: in-place update of a tensor that requires grad; run it inside noGrad()`);
  }
}

/** Copies src (broadcasting to this tensor's shape) into this tensor. */
export function copy_(dst: Tensor, src: Tensor): Tensor {
  checkInPlace("copy_", dst);
  const b = dst.backend;
  const strides = broadcastStrides(src.shape, dst.shape);
  if (src.dtype === dst.dtype) b.copyStrided(src.storage, 0, strides, dst.storage, 0, contiguousStrides(dst.shape), dst.shape);
  else throw new ShapeError("copy_", `dtype ${src.dtype} into ${dst.dtype}: cast first`);
  return dst;
}

export function fill_(t: Tensor, value: number): Tensor {
  checkInPlace("fill_", t);
  t.backend.fill(t.storage, value);
  return t;
}

export function zero_(t: Tensor): Tensor {
  return fill_(t, 0);
}

/** t += alpha·other (other broadcasts to t). */
export function add_(t: Tensor, other: Tensor | number, alpha = 1): Tensor {
  checkInPlace("add_", t);
  const b = t.backend;
  if (typeof other === "number") {
    b.binaryScalar("add", t.storage, other * alpha, t.storage, t.size, false);
    return t;
  }
  const s = contiguousStrides(t.shape);
  if (alpha === 1) {
    b.binary("add", t.storage, s, other.storage, broadcastStrides(other.shape, t.shape), t.storage, t.shape);
  } else {
    const scaled = other.mul(alpha);
    b.binary("add", t.storage, s, scaled.storage, broadcastStrides(other.shape, t.shape), t.storage, t.shape);
    scaled.dispose();
  }
  return t;
}

export function mul_(t: Tensor, other: Tensor | number): Tensor {
  checkInPlace("mul_", t);
  const b = t.backend;
  if (typeof other === "number") b.binaryScalar("mul", t.storage, other, t.storage, t.size, false);
  else b.binary("mul", t.storage, contiguousStrides(t.shape), other.storage, broadcastStrides(other.shape, t.shape), t.storage, t.shape);
  return t;
}

/** One fused Adam/AdamW update of `param` in place, with its moment buffers m and v (same shape). */
export function adamStep_(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, p: AdamParams): void {
  checkAdamOperands(param, grad, m, v);
  param.backend.adamStep(param.storage, grad.storage, m.storage, v.storage, param.size, p);
}

/**
 * adamStep_ over many parameters with the same hyper-parameters: one multi-tensor launch where the
 * backend has one (PyTorch's fused/foreach AdamW), otherwise one adamStep per parameter.
 */
export function adamStepMulti_(params: readonly Tensor[], grads: readonly Tensor[], ms: readonly Tensor[], vs: readonly Tensor[], p: AdamParams): void {
  if (grads.length !== params.length || ms.length !== params.length || vs.length !== params.length) {
    throw new ShapeError("adamStepMulti_", `needs as many grads, ms and vs as params (${params.length}), got ${grads.length}, ${ms.length}, ${vs.length}`);
  }
  if (params.length === 0) return;
  params.forEach((x, i) => checkAdamOperands(x, grads[i], ms[i], vs[i]));
  const be = params[0].backend;
  const st = (ts: readonly Tensor[]) => ts.map((t) => t.storage);
  if (params.every((x) => x.backend === be) && be.adamStepMulti?.(st(params), st(grads), st(ms), st(vs), params.map((x) => x.size), p)) return;
  params.forEach((x, i) => x.backend.adamStep(x.storage, grads[i].storage, ms[i].storage, vs[i].storage, x.size, p));
}

function checkAdamOperands(param: Tensor, grad: Tensor, m: Tensor, v: Tensor): void {
  for (const [name, x] of [["grad", grad], ["m", m], ["v", v]] as const) {
    if (!shapeEquals(x.shape, param.shape)) throw new ShapeError("adamStep_", `${name} ${fmtShape(x.shape)} does not match param ${fmtShape(param.shape)}`);
  }
}

declare module "../tensor.js" {
  interface Tensor {
    copy_(src: Tensor): Tensor;
    fill_(value: number): Tensor;
    zero_(): Tensor;
    add_(other: Tensor | number, alpha?: number): Tensor;
    mul_(other: Tensor | number): Tensor;
  }
}

Tensor.prototype.copy_ = function (s) { return copy_(this, s); };
Tensor.prototype.fill_ = function (v) { return fill_(this, v); };
Tensor.prototype.zero_ = function () { return zero_(this); };
Tensor.prototype.add_ = function (o, a) { return add_(this, o, a); };
Tensor.prototype.mul_ = function (o) { return mul_(this, o); };
