// layerNorm (row kernel) and batchNorm (the same row kernel over a channel-major copy).
import { autocastFloat32 } from "../../../amp/autocast.js";
import { needsGrad, record } from "../../../autograd/record.js";
import { noGrad } from "../../../autograd/grad-mode.js";
import { empty, viewOf } from "../../alloc.js";
import { isHalf } from "../../dtype.js";
import { fmtShape, numel, ShapeError, shapeEquals } from "../../shape.js";
import type { Tensor } from "../../tensor.js";
import { add, cast, mul, rsqrt, sub } from "../elementwise.js";
import { expandCopy } from "../reduce.js";
import { scope } from "../../scope.js";
import { castRecorded, checkFloat, composite, recast, viewRecorded } from "./util.js";

/**
 * Layer normalisation over the trailing `normalizedShape` dims, with optional elementwise affine. The
 * output is in x's dtype, which weight and bias must share (as in PyTorch).
 */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  const op = "layerNorm";
  [x] = autocastFloat32([x]); // weight and bias are float32 parameters
  const dt = checkFloat(op, { input: x, weight, bias });
  const ns = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
  if (ns.length === 0 || ns.length > x.ndim || !shapeEquals(x.shape.slice(x.ndim - ns.length), ns)) {
    throw new ShapeError(op, `normalizedShape ${fmtShape(ns)} does not match the trailing dims of input ${fmtShape(x.shape)}`);
  }
  for (const [name, t] of [["weight", weight], ["bias", bias]] as const) {
    if (t && !shapeEquals(t.shape, ns)) throw new ShapeError(op, `${name} ${fmtShape(t.shape)} must have shape normalizedShape ${fmtShape(ns)}`);
  }
  const cols = numel(ns);
  const rows = cols === 0 ? 0 : x.size / cols;
  const b = x.backend;
  const out = empty(x.shape, dt, x.device);
  // mean and rstd are statistics kept for the backward pass: float32 whatever x's dtype, as PyTorch's
  const mean = empty([rows], "float32", x.device);
  const rstd = empty([rows], "float32", x.device);
  b.layerNorm(x.storage, weight?.storage ?? null, bias?.storage ?? null, out.storage, mean.storage, rstd.storage, rows, cols, eps);
  const inputs = [x, weight, bias].filter((t): t is Tensor => !!t);
  if (!needsGrad(...inputs)) {
    mean.dispose();
    rstd.dispose();
  }
  return record(op, out, inputs, (g) => {
    const gx = empty(x.shape, dt, x.device);
    const gw = weight?.requiresGrad ? empty(ns, dt, x.device, true) : null;
    const gb = bias?.requiresGrad ? empty(ns, dt, x.device, true) : null;
    b.layerNormGrad(x.storage, weight?.storage ?? null, mean.storage, rstd.storage, g.storage, gx.storage, gw?.storage ?? null, gb?.storage ?? null, rows, cols);
    const grads: (Tensor | null)[] = [gx];
    if (weight) grads.push(gw);
    if (bias) grads.push(gb);
    return grads;
  });
}

function channelDims(op: string, x: Tensor): [n: number, c: number, s: number] {
  if (x.ndim < 2) throw new ShapeError(op, `expects input [N, C, *], got ${fmtShape(x.shape)}`);
  const n = x.shape[0];
  const c = x.shape[1];
  return [n, c, c === 0 || n === 0 ? 0 : x.size / (n * c)];
}

export interface BatchNormStats {
  /** Per-channel mean over (N, *spatial), shape [C]. */
  mean: Tensor;
  /** Per-channel biased (population) variance over (N, *spatial), shape [C]. */
  var: Tensor;
}

/** Runs the row-normalisation kernel over x laid out channel-major as [C, N·S]. */
function channelNormalize(x: Tensor, eps: number): { xt: Tensor; xhat: Tensor; mean: Tensor; rstd: Tensor; n: number; c: number; s: number } {
  const [n, c, s] = channelDims("batchNorm", x);
  const t = empty([c, n * s], x.dtype, x.device);
  // x [N, C, S] → t [C, N, S]
  x.backend.copyStrided(x.storage, 0, [s, c * s, 1], t.storage, 0, [n * s, s, 1], [c, n, s]);
  const xhat = empty([c, n * s], x.dtype, x.device);
  // the per-channel statistics stay float32 (like layerNorm's), so running stats update without rounding
  const mean = empty([c], "float32", x.device);
  const rstd = empty([c], "float32", x.device);
  x.backend.layerNorm(t.storage, null, null, xhat.storage, mean.storage, rstd.storage, c, n * s, eps);
  return { xt: t, xhat, mean, rstd, n, c, s };
}

/** [C, N·S] channel-major back to [N, C, *]. */
function fromChannelMajor(t: Tensor, n: number, c: number, s: number, shape: readonly number[]): Tensor {
  const out = empty(shape, t.dtype, t.device);
  t.backend.copyStrided(t.storage, 0, [s, n * s, 1], out.storage, 0, [c * s, s, 1], [n, c, s]);
  return out;
}

/**
 * Per-channel mean and biased variance of x [N, C, *] over every dim but 1, in x's dtype.
 * Differentiable: the gradient flows back to x through both.
 */
export function batchNormStats(x: Tensor): BatchNormStats {
  const op = "batchNormStats";
  const dt = checkFloat(op, { input: x });
  const [n, c, s] = channelDims(op, x);
  const m = n * s;
  if (m === 0) throw new ShapeError(op, `input ${fmtShape(x.shape)} has no elements per channel`);
  const { xt, xhat, mean: mean32, rstd } = channelNormalize(x, 0);
  xhat.dispose();
  // var = 1/rstd² (rstd is +Inf for a constant channel, giving 0), computed in float32 and rounded once
  const var32 = empty([c], "float32", x.device);
  const b = x.backend;
  b.unary("square", rstd.storage, var32.storage, c);
  b.unary("reciprocal", var32.storage, var32.storage, c);
  rstd.dispose();
  xt.dispose();
  const mean = recast(mean32, dt);
  const variance = recast(var32, dt);
  const bshape = [1, c, ...x.shape.slice(2).map(() => 1)];
  const grad = needsGrad(x);
  const meanOut = record(op, mean, [x], (g) => scope(() => [mul(expandCopy(viewOf(g, bshape), x.shape), 1 / m)]));
  const saved = grad ? viewOf(mean, bshape) : null;
  const varOut = record(op, variance, [x], (g) => scope(() => {
    // d var / dx = 2 (x − mean) / M
    const dev = sub(x, saved ?? viewOf(mean, bshape));
    return [mul(mul(dev, viewOf(g, bshape)), 2 / m)];
  }));
  return { mean: meanOut, var: varOut };
}

/**
 * Batch normalisation of x [N, C, *]. In training mode it normalises with the batch statistics and,
 * when running stats are given, updates them in place (running var uses the unbiased estimate, as
 * PyTorch); in eval mode it uses the running statistics. The output is in x's dtype; weight, bias and
 * the running stats share one dtype: x's, or float32 with a bfloat16/float16 x (PyTorch's mixed mode).
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight?: Tensor | null,
  bias?: Tensor | null,
  training = false,
  momentum = 0.1,
  eps = 1e-5,
): Tensor {
  const op = "batchNorm";
  const params = { runningMean, runningVar, weight, bias };
  const dt = checkFloat(op, { input: x, ...params }, true);
  const pdt = checkFloat(op, params);
  const hasParams = Object.values(params).some((t) => !!t);
  if (hasParams && pdt !== dt && !(isHalf(dt) && pdt === "float32")) {
    throw new ShapeError(op, `expected weight, bias and running stats in the input's dtype ${dt}${isHalf(dt) ? " or float32" : ""}, got ${pdt}`);
  }
  const [n, c, s] = channelDims(op, x);
  for (const [name, t] of Object.entries(params)) {
    if (t && !shapeEquals(t.shape, [c])) throw new ShapeError(op, `${name} ${fmtShape(t.shape)} must be [${c}] for input ${fmtShape(x.shape)}`);
  }
  const bshape = [1, c, ...x.shape.slice(2).map(() => 1)];
  if (!training) {
    if (!runningMean || !runningVar) throw new ShapeError(op, "eval mode needs runningMean and runningVar");
    // y = x·scale + shift with scale = w/√(var+eps), shift = b − mean·scale (all differentiable), worked
    // out in the parameters' dtype and rounded once to x's
    return composite([x, weight, bias], () => {
      let scale = rsqrt(add(runningVar, eps));
      if (weight) scale = mul(scale, weight);
      let shift = mul(runningMean, scale);
      shift = bias ? sub(bias, shift) : mul(shift, -1);
      return add(mul(x, viewRecorded(castRecorded(scale, dt), bshape)), viewRecorded(castRecorded(shift, dt), bshape));
    });
  }
  const m = n * s;
  if (m <= 1) throw new ShapeError(op, `expected more than 1 value per channel when training, got input ${fmtShape(x.shape)}`);
  if (pdt === dt || (!weight && !bias)) return batchNormTrain(x, runningMean, runningVar, weight ?? null, bias ?? null, momentum, eps);
  // float32 weight and bias with a half input: the affine runs in x's dtype, gradients flow back through the casts
  return composite([x, weight, bias], () =>
    batchNormTrain(x, runningMean, runningVar, weight ? castRecorded(weight, dt) : null, bias ? castRecorded(bias, dt) : null, momentum, eps));
}

/** running ← (1−momentum)·running + momentum·batch, worked out in float32 (batch is float32 [C]) and stored in running's dtype. */
function updateRunning(running: Tensor, batch: Tensor, momentum: number): void {
  const b = running.backend;
  const c = running.size;
  const r = running.dtype === "float32" ? running : cast(running, "float32");
  const t = empty([c], "float32", running.device);
  b.binaryScalar("mul", batch.storage, momentum, t.storage, c, false);
  b.binaryScalar("mul", r.storage, 1 - momentum, r.storage, c, false);
  b.binary("add", r.storage, [1], t.storage, [1], r.storage, [c]);
  t.dispose();
  if (r !== running) {
    b.cast(r.storage, running.storage);
    r.dispose();
  }
}

/** batchNorm in training mode, weight and bias (if any) already in x's dtype. */
function batchNormTrain(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null, momentum: number, eps: number): Tensor {
  const op = "batchNorm";
  const dt = x.dtype;
  const b = x.backend;
  const { xt, xhat, mean, rstd, n, c, s } = channelNormalize(x, eps);
  const m = n * s;
  if (runningMean && runningVar) {
    noGrad(() => {
      // the unbiased batch variance: 1/rstd² − eps scaled by M/(M−1)
      const bv = empty([c], "float32", x.device);
      b.unary("square", rstd.storage, bv.storage, c);
      b.unary("reciprocal", bv.storage, bv.storage, c);
      b.binaryScalar("sub", bv.storage, eps, bv.storage, c, false);
      b.binaryScalar("mul", bv.storage, m / (m - 1), bv.storage, c, false);
      updateRunning(runningVar, bv, momentum);
      updateRunning(runningMean, mean, momentum);
      bv.dispose();
    });
  }
  // affine in the channel-major layout: y = xhat·w[c] + b[c]
  let yt = xhat;
  if (weight || bias) {
    yt = empty([c, m], dt, x.device);
    if (weight) b.binary("mul", xhat.storage, [m, 1], weight.storage, [1, 0], yt.storage, [c, m]);
    if (bias) b.binary("add", (weight ? yt : xhat).storage, [m, 1], bias.storage, [1, 0], yt.storage, [c, m]);
  }
  const out = fromChannelMajor(yt, n, c, s, x.shape);
  if (yt !== xhat) yt.dispose();
  const inputs = [x, weight, bias].filter((t): t is Tensor => !!t);
  if (!needsGrad(...inputs)) {
    disposeStats(xt, xhat, mean, rstd);
    return record(op, out, inputs, () => []);
  }
  return record(op, out, inputs, (g) => {
    const gt = empty([c, m], dt, x.device);
    x.backend.copyStrided(g.storage, 0, [s, c * s, 1], gt.storage, 0, [m, s, 1], [c, n, s]);
    let gw: Tensor | null = null;
    let gb: Tensor | null = null;
    if (bias?.requiresGrad) {
      gb = empty([c], dt, x.device);
      b.reduce("sum", gt.storage, gb.storage, c, m, 1);
    }
    if (weight?.requiresGrad) {
      const prod = empty([c, m], dt, x.device);
      b.binary("mul", gt.storage, [m, 1], xhat.storage, [m, 1], prod.storage, [c, m]);
      gw = empty([c], dt, x.device);
      b.reduce("sum", prod.storage, gw.storage, c, m, 1);
      prod.dispose();
    }
    let gx: Tensor | null = null;
    if (x.requiresGrad) {
      if (weight) b.binary("mul", gt.storage, [m, 1], weight.storage, [1, 0], gt.storage, [c, m]);
      const gxt = empty([c, m], dt, x.device);
      b.layerNormGrad(xt.storage, null, mean.storage, rstd.storage, gt.storage, gxt.storage, null, null, c, m);
      gx = fromChannelMajor(gxt, n, c, s, x.shape);
      gxt.dispose();
    }
    gt.dispose();
    const grads: (Tensor | null)[] = [gx];
    if (weight) grads.push(gw);
    if (bias) grads.push(gb);
    return grads;
  });
}

function disposeStats(...ts: Tensor[]): void {
  for (const t of ts) t.dispose();
}
