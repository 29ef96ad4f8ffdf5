// Max, average and adaptive-average pooling over [N, C, H, W] (1-D pools run as height-1 2-D pools).
import type { PoolGeometry } from "../../../backends/backend.js";
import { needsGrad, record } from "../../../autograd/record.js";
import { empty } from "../../alloc.js";
import { fmtShape, ShapeError } from "../../shape.js";
import type { Tensor } from "../../tensor.js";
import { checkFloat, checkInt, composite, pair, single, viewRecorded } from "./util.js";

type Pair = number | readonly [number, number];

/** PyTorch's pooling_output_shape, with its checks. */
function poolOut(op: string, x: Tensor, size: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  if (p > k / 2) throw new ShapeError(op, `padding ${p} should be at most half of the kernel size ${k}`);
  const num = size + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0);
  let o = Math.floor(num / s) + 1;
  if (ceil && (o - 1) * s >= size + p) o--;
  if (o < 1) throw new ShapeError(op, `kernel ${k} (dilation ${d}) is bigger than the padded input ${fmtShape(x.shape)} (padding ${p})`);
  return o;
}

/** Views x as [N, C, H, W] with gradients: `dims` is 1 or 2 spatial dims; unbatched input gains N = 1. */
function as4d(op: string, x: Tensor, dims: 1 | 2): { shape: number[]; x4: () => Tensor; back: (out: Tensor) => Tensor } {
  checkFloat(op, { input: x });
  if (x.ndim !== dims + 1 && x.ndim !== dims + 2) {
    throw new ShapeError(op, `expects input [N, C, ${dims === 2 ? "H, W" : "L"}] or unbatched [C, ${dims === 2 ? "H, W" : "L"}], got ${fmtShape(x.shape)}`);
  }
  const batched = x.ndim === dims + 2;
  const lead = batched ? x.shape.slice(0, 2) : [1, x.shape[0]];
  const spatial = x.shape.slice(batched ? 2 : 1);
  const shape = [...lead, ...(dims === 1 ? [1, spatial[0]] : spatial)];
  return {
    shape,
    x4: () => viewRecorded(x, shape),
    back: (out) => {
      const os = dims === 1 ? [out.shape[3]] : out.shape.slice(2);
      return viewRecorded(out, [...(batched ? lead : [lead[1]]), ...os]);
    },
  };
}

function geometry(op: string, x: Tensor, shape: readonly number[], k: [number, number], s: [number, number], p: [number, number], d: [number, number], ceil: boolean, countIncludePad: boolean): PoolGeometry {
  const [n, c, h, w] = shape;
  return {
    planes: n * c, h, w, kh: k[0], kw: k[1], strideH: s[0], strideW: s[1], padH: p[0], padW: p[1], dilationH: d[0], dilationW: d[1],
    oh: poolOut(op, x, h, k[0], s[0], p[0], d[0], ceil), ow: poolOut(op, x, w, k[1], s[1], p[1], d[1], ceil), countIncludePad,
  };
}

function maxPoolCore(op: string, x4: Tensor, geo: PoolGeometry): Tensor {
  const [n, c] = x4.shape;
  const b = x4.backend;
  const out = empty([n, c, geo.oh, geo.ow], x4.dtype, x4.device);
  const argmax = empty(out.shape, "int32", x4.device);
  b.maxPool2d(x4.storage, out.storage, argmax.storage, geo);
  if (!needsGrad(x4)) argmax.dispose();
  return record(op, out, [x4], (g) => {
    const gx = empty(x4.shape, x4.dtype, x4.device, true);
    b.maxPool2dGrad(g.storage, argmax.storage, gx.storage, geo);
    return [gx];
  });
}

function avgPoolCore(op: string, x4: Tensor, geo: PoolGeometry): Tensor {
  const [n, c] = x4.shape;
  const b = x4.backend;
  const out = empty([n, c, geo.oh, geo.ow], x4.dtype, x4.device);
  b.avgPool2d(x4.storage, out.storage, geo);
  return record(op, out, [x4], (g) => {
    const gx = empty(x4.shape, x4.dtype, x4.device, true);
    b.avgPool2dGrad(g.storage, gx.storage, geo);
    return [gx];
  });
}

function adaptiveCore(op: string, x4: Tensor, oh: number, ow: number): Tensor {
  const [n, c, h, w] = x4.shape;
  const b = x4.backend;
  const out = empty([n, c, oh, ow], x4.dtype, x4.device);
  b.adaptiveAvgPool2d(x4.storage, out.storage, n * c, h, w, oh, ow);
  return record(op, out, [x4], (g) => {
    const gx = empty(x4.shape, x4.dtype, x4.device, true);
    b.adaptiveAvgPool2dGrad(g.storage, gx.storage, n * c, h, w, oh, ow);
    return [gx];
  });
}

/** 2-D max pooling of x [N, C, H, W] (or [C, H, W]); stride defaults to the kernel size. */
export function maxPool2d(x: Tensor, kernelSize: Pair, stride?: Pair | null, padding: Pair = 0, dilation: Pair = 1, ceilMode = false): Tensor {
  const op = "maxPool2d";
  const k = pair(op, "kernelSize", kernelSize);
  const s = stride === undefined || stride === null ? k : pair(op, "stride", stride);
  const { shape, x4, back } = as4d(op, x, 2);
  const geo = geometry(op, x, shape, k, s, pair(op, "padding", padding, 0), pair(op, "dilation", dilation), ceilMode, true);
  return composite([x], () => back(maxPoolCore(op, x4(), geo)));
}

/** 1-D max pooling of x [N, C, L] (or [C, L]). */
export function maxPool1d(x: Tensor, kernelSize: number, stride?: number | null, padding = 0, dilation = 1, ceilMode = false): Tensor {
  const op = "maxPool1d";
  const k = single(op, "kernelSize", kernelSize);
  const s = stride === undefined || stride === null ? k : single(op, "stride", stride);
  const { shape, x4, back } = as4d(op, x, 1);
  const geo = geometry(op, x, shape, [1, k], [1, s], [0, single(op, "padding", padding, 0)], [1, single(op, "dilation", dilation)], ceilMode, true);
  return composite([x], () => back(maxPoolCore(op, x4(), geo)));
}

/** 2-D average pooling; countIncludePad (default true) counts zero padding in the divisor. */
export function avgPool2d(x: Tensor, kernelSize: Pair, stride?: Pair | null, padding: Pair = 0, ceilMode = false, countIncludePad = true): Tensor {
  const op = "avgPool2d";
  const k = pair(op, "kernelSize", kernelSize);
  const s = stride === undefined || stride === null ? k : pair(op, "stride", stride);
  const { shape, x4, back } = as4d(op, x, 2);
  const geo = geometry(op, x, shape, k, s, pair(op, "padding", padding, 0), [1, 1], ceilMode, countIncludePad);
  return composite([x], () => back(avgPoolCore(op, x4(), geo)));
}

/** 1-D average pooling of x [N, C, L] (or [C, L]). */
export function avgPool1d(x: Tensor, kernelSize: number, stride?: number | null, padding = 0, ceilMode = false, countIncludePad = true): Tensor {
  const op = "avgPool1d";
  const k = single(op, "kernelSize", kernelSize);
  const s = stride === undefined || stride === null ? k : single(op, "stride", stride);
  const { shape, x4, back } = as4d(op, x, 1);
  const geo = geometry(op, x, shape, [1, k], [1, s], [0, single(op, "padding", padding, 0)], [1, 1], ceilMode, countIncludePad);
  return composite([x], () => back(avgPoolCore(op, x4(), geo)));
}

/** Adaptive average pooling to `outputSize` (a number, or [h, w] where null keeps that input size). */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | readonly [number | null, number | null]): Tensor {
  const op = "adaptiveAvgPool2d";
  const { shape, x4, back } = as4d(op, x, 2);
  const [, , h, w] = shape;
  const [oh, ow] = typeof outputSize === "number" ? [outputSize, outputSize] : [outputSize[0] ?? h, outputSize[1] ?? w];
  checkInt(op, "output height", oh);
  checkInt(op, "output width", ow);
  if (h === 0 || w === 0) throw new ShapeError(op, `input ${fmtShape(x.shape)} has an empty spatial dim`);
  return composite([x], () => back(adaptiveCore(op, x4(), oh, ow)));
}

/** Adaptive average pooling of x [N, C, L] (or [C, L]) to length outputSize. */
export function adaptiveAvgPool1d(x: Tensor, outputSize: number): Tensor {
  const op = "adaptiveAvgPool1d";
  checkInt(op, "outputSize", outputSize);
  const { shape, x4, back } = as4d(op, x, 1);
  if (shape[3] === 0) throw new ShapeError(op, `input ${fmtShape(x.shape)} has an empty spatial dim`);
  return composite([x], () => back(adaptiveCore(op, x4(), 1, outputSize)));
}
