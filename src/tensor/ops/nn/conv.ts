// Convolutions as im2col + batched GEMM (one backend.matmul call over every image and group), and the
// transposed convolution as its adjoint (GEMM + col2im).
import { autocastLower } from "../../../amp/autocast.js";
import { windowOutputSize, type Conv2dParams, type ConvGeometry } from "../../../backends/backend.js";
import { needsGrad, record } from "../../../autograd/record.js";
import { empty, viewOf } from "../../alloc.js";
import { fmtShape, ShapeError } from "../../shape.js";
import type { Tensor } from "../../tensor.js";
import { sumTo } from "../reduce.js";
import { checkFloat, checkInt, composite, gemm, pair, single, viewRecorded } from "./util.js";

type Pair = number | readonly [number, number];

export interface Conv2dOptions {
  stride?: Pair;
  /** Zero padding on both sides of each spatial dim; "same" (stride 1, even total padding) or "valid" (0). */
  padding?: Pair | "same" | "valid";
  dilation?: Pair;
  groups?: number;
}

export interface Conv1dOptions {
  stride?: number;
  padding?: number | "same" | "valid";
  dilation?: number;
  groups?: number;
}

export interface ConvTranspose2dOptions {
  stride?: Pair;
  padding?: Pair;
  outputPadding?: Pair;
  dilation?: Pair;
  groups?: number;
}

export interface ConvTranspose1dOptions {
  stride?: number;
  padding?: number;
  outputPadding?: number;
  dilation?: number;
  groups?: number;
}

interface Spatial {
  stride: [number, number];
  pad: [number, number];
  dilation: [number, number];
}

/**
 * The weight as GEMM operand A for a batch of n·groups products: with one group it is broadcast by a
 * zero batch stride; with several it is copied n times so that batch b = image·groups + group lands
 * on group b mod groups at a linear stride.
 */
function weightOperand(w: Tensor, n: number, groups: number): { t: Tensor; stride: number; owned: boolean } {
  if (groups === 1 || n === 1) return { t: w, stride: groups === 1 ? 0 : w.size / groups, owned: false };
  const t = empty([n, w.size], w.dtype, w.device);
  w.backend.copyStrided(w.storage, 0, [0, 1], t.storage, 0, [w.size, 1], [n, w.size]);
  return { t, stride: w.size / groups, owned: true };
}

/** Sums a [n, ...shape] batch of per-image weight gradients into `shape` (a view when n = 1). */
function sumImages(full: Tensor, n: number, shape: readonly number[]): Tensor {
  if (n === 1) {
    const v = viewOf(full, shape);
    full.dispose();
    return v;
  }
  const out = empty(shape, full.dtype, full.device);
  full.backend.reduce("sum", full.storage, out.storage, 1, n, full.size / n);
  full.dispose();
  return out;
}

function biasGrad(g: Tensor, cout: number): Tensor {
  const s = sumTo(g, [cout, ...g.shape.slice(2).map(() => 1)]);
  const v = viewOf(s, [cout]);
  if (s !== g) s.dispose();
  return v;
}

function isDirect(g: ConvGeometry): boolean {
  return g.kh === 1 && g.kw === 1 && g.strideH === 1 && g.strideW === 1 && g.padH === 0 && g.padW === 0 && g.oh === g.h && g.ow === g.w;
}

/**
 * conv2d on x [n, c, h, w] and weight [cout, c/groups, kh, kw], geometry already checked. Each of the
 * forward and the two gradients first asks the backend for a whole-convolution kernel (cuDNN on cuda);
 * where it has none or declines, im2col + GEMM computes it.
 */
function convCore(op: string, x: Tensor, w: Tensor, bias: Tensor | null, geo: ConvGeometry, groups: number): Tensor {
  const { n, oh, ow } = geo;
  const cout = w.shape[0];
  const l = oh * ow;
  const b = x.backend;
  const whole: Conv2dParams = { ...geo, cout, groups };
  const inputs = bias ? [x, w, bias] : [x, w];
  const out = empty([n, cout, oh, ow], x.dtype, x.device);
  // im2col columns of x, kept for the weight gradient when the GEMM path made them
  let cols: Tensor | null = null;
  if (b.conv2d?.(x.storage, w.storage, out.storage, whole)) {
    if (bias) b.binary("add", out.storage, [cout * l, l, 1], bias.storage, [0, 1, 0], out.storage, [n, cout, l]);
  } else {
    cols = convForwardGemm(x, w, bias, out, geo, groups);
    if (cols !== x && !(needsGrad(...inputs) && w.requiresGrad)) {
      cols.dispose();
      cols = null;
    }
  }
  return record(op, out, inputs, (gy) => {
    let gx: Tensor | null = null;
    let gw: Tensor | null = null;
    const gradInput = b.conv2dGradInput?.bind(b);
    const gradWeight = b.conv2dGradWeight?.bind(b);
    if (x.requiresGrad) {
      const viaBackend = gradInput ? viaKernel(x.shape, x, (t) => gradInput(gy.storage, w.storage, t.storage, whole)) : null;
      gx = viaBackend ?? convGradInputGemm(gy, w, x, geo, groups);
    }
    if (w.requiresGrad) {
      const viaBackend = gradWeight ? viaKernel(w.shape, x, (t) => gradWeight(x.storage, gy.storage, t.storage, whole)) : null;
      gw = viaBackend ?? convGradWeightGemm(gy, w, x, cols, geo, groups);
    }
    const gb = bias?.requiresGrad ? biasGrad(gy, cout) : null;
    return [gx, gw, gb];
  });
}

/** A new tensor of `shape` that a backend kernel filled, or null (freed again) when the kernel declined. */
function viaKernel(shape: readonly number[], like: Tensor, run: (t: Tensor) => boolean): Tensor | null {
  const t = empty(shape, like.dtype, like.device);
  if (run(t)) return t;
  t.dispose();
  return null;
}

/** x's im2col columns [n, c·kh·kw, oh·ow]: x itself for a 1×1 direct conv, else a new tensor. */
function columnsOf(x: Tensor, geo: ConvGeometry): Tensor {
  if (isDirect(geo)) return x;
  const cols = empty([geo.n, geo.c * geo.kh * geo.kw, geo.oh * geo.ow], x.dtype, x.device);
  x.backend.im2col(x.storage, cols.storage, geo);
  return cols;
}

/** out = conv(x, w) + bias by im2col + one batched GEMM; returns the columns (x itself for a 1×1 direct conv). */
function convForwardGemm(x: Tensor, w: Tensor, bias: Tensor | null, out: Tensor, geo: ConvGeometry, groups: number): Tensor {
  const { n, c, oh, ow } = geo;
  const cout = w.shape[0];
  const kg = (c / groups) * geo.kh * geo.kw;
  const coutG = cout / groups;
  const l = oh * ow;
  const b = x.backend;
  const cols = columnsOf(x, geo);
  if (bias) b.copyStrided(bias.storage, 0, [0, 1, 0], out.storage, 0, [cout * l, l, 1], [n, cout, l]);
  const wop = weightOperand(w, n, groups);
  gemm(wop.t, cols, out, { batch: n * groups, m: coutG, n: l, k: kg, transA: false, transB: false, strideA: wop.stride, strideB: kg * l, accumulate: !!bias });
  if (wop.owned) wop.t.dispose();
  return cols;
}

/** The gradient with respect to x: one batched GEMM into columns, then col2im. */
function convGradInputGemm(gy: Tensor, w: Tensor, x: Tensor, geo: ConvGeometry, groups: number): Tensor {
  const { n, c, oh, ow } = geo;
  const kg = (c / groups) * geo.kh * geo.kw;
  const coutG = w.shape[0] / groups;
  const l = oh * ow;
  const wb = weightOperand(w, n, groups);
  const gcols = empty([n, c * geo.kh * geo.kw, l], x.dtype, x.device);
  gemm(wb.t, gy, gcols, { batch: n * groups, m: kg, n: l, k: coutG, transA: true, transB: false, strideA: wb.stride, strideB: coutG * l });
  if (wb.owned) wb.t.dispose();
  if (isDirect(geo)) {
    const gx = viewOf(gcols, x.shape);
    gcols.dispose();
    return gx;
  }
  const gx = empty(x.shape, x.dtype, x.device, true);
  x.backend.col2im(gcols.storage, gx.storage, geo);
  gcols.dispose();
  return gx;
}

/** The gradient with respect to w: one batched GEMM against the columns (made here when the forward kept none), summed over images. */
function convGradWeightGemm(gy: Tensor, w: Tensor, x: Tensor, kept: Tensor | null, geo: ConvGeometry, groups: number): Tensor {
  const { n, c, oh, ow } = geo;
  const cout = w.shape[0];
  const kg = (c / groups) * geo.kh * geo.kw;
  const coutG = cout / groups;
  const l = oh * ow;
  const cols = kept ?? columnsOf(x, geo);
  const full = empty([n, cout, kg], x.dtype, x.device);
  gemm(gy, cols, full, { batch: n * groups, m: coutG, n: kg, k: l, transA: false, transB: true, strideA: coutG * l, strideB: kg * l });
  if (!kept && cols !== x) cols.dispose();
  return sumImages(full, n, w.shape);
}

/** transposed conv on x [n, cin, h, w] and weight [cin, cout/groups, kh, kw]; geo describes the conv from out to x. */
function convTransposeCore(op: string, x: Tensor, w: Tensor, bias: Tensor | null, geo: ConvGeometry, groups: number): Tensor {
  const { n, c: cout, h: hout, w: wout, oh: h, ow: wd } = geo;
  const cin = x.shape[1];
  const cinG = cin / groups;
  const kg = (cout / groups) * geo.kh * geo.kw;
  const l = h * wd;
  const b = x.backend;
  const direct = isDirect(geo);
  const wop = weightOperand(w, n, groups);
  const out = empty([n, cout, hout, wout], x.dtype, x.device, !direct);
  const cols = direct ? out : empty([n, cout * geo.kh * geo.kw, l], x.dtype, x.device);
  gemm(wop.t, x, cols, { batch: n * groups, m: kg, n: l, k: cinG, transA: true, transB: false, strideA: wop.stride, strideB: cinG * l });
  if (wop.owned) wop.t.dispose();
  if (!direct) {
    b.col2im(cols.storage, out.storage, geo);
    cols.dispose();
  }
  if (bias) {
    const s = hout * wout;
    b.binary("add", out.storage, [cout * s, s, 1], bias.storage, [0, 1, 0], out.storage, [n, cout, s]);
  }
  const inputs = bias ? [x, w, bias] : [x, w];
  return record(op, out, inputs, (gy) => {
    let gx: Tensor | null = null;
    let gw: Tensor | null = null;
    let gcols = gy;
    if (!direct && (x.requiresGrad || w.requiresGrad)) {
      gcols = empty([n, cout * geo.kh * geo.kw, l], x.dtype, x.device);
      b.im2col(gy.storage, gcols.storage, geo);
    }
    if (x.requiresGrad) {
      const wb = weightOperand(w, n, groups);
      gx = empty(x.shape, x.dtype, x.device);
      gemm(wb.t, gcols, gx, { batch: n * groups, m: cinG, n: l, k: kg, transA: false, transB: false, strideA: wb.stride, strideB: kg * l });
      if (wb.owned) wb.t.dispose();
    }
    if (w.requiresGrad) {
      const full = empty([n, cin, kg], x.dtype, x.device);
      gemm(x, gcols, full, { batch: n * groups, m: cinG, n: kg, k: l, transA: false, transB: true, strideA: cinG * l, strideB: kg * l });
      gw = sumImages(full, n, w.shape);
    }
    if (gcols !== gy) gcols.dispose();
    const gb = bias?.requiresGrad ? biasGrad(gy, cout) : null;
    return [gx, gw, gb];
  });
}

function checkConvArgs(op: string, x: Tensor, w: Tensor, bias: Tensor | null | undefined, spatialDims: number, transposed: boolean, groups: number): boolean {
  checkFloat(op, { input: x, weight: w, bias });
  checkInt(op, "groups", groups);
  const batched = x.ndim === spatialDims + 2;
  if (!batched && x.ndim !== spatialDims + 1) {
    throw new ShapeError(op, `expects input [N, C, ${spatialDims === 2 ? "H, W" : "L"}] or unbatched, got ${fmtShape(x.shape)}`);
  }
  if (w.ndim !== spatialDims + 2) throw new ShapeError(op, `expects a ${spatialDims + 2}-D weight, got ${fmtShape(w.shape)}`);
  const cin = x.shape[batched ? 1 : 0];
  if (!transposed) {
    const cout = w.shape[0];
    if (cin % groups !== 0 || cout % groups !== 0) throw new ShapeError(op, `groups=${groups} must divide input channels ${cin} and output channels ${cout}`);
    if (w.shape[1] * groups !== cin) {
      throw new ShapeError(op, `input ${fmtShape(x.shape)} has ${cin} channels but weight ${fmtShape(w.shape)} with groups=${groups} expects ${w.shape[1] * groups}`);
    }
    if (bias && (bias.ndim !== 1 || bias.shape[0] !== cout)) throw new ShapeError(op, `bias must be [${cout}], got ${fmtShape(bias.shape)}`);
  } else {
    if (cin % groups !== 0) throw new ShapeError(op, `groups=${groups} must divide input channels ${cin}`);
    if (w.shape[0] !== cin) throw new ShapeError(op, `input ${fmtShape(x.shape)} has ${cin} channels but weight ${fmtShape(w.shape)} expects ${w.shape[0]}`);
    const cout = w.shape[1] * groups;
    if (bias && (bias.ndim !== 1 || bias.shape[0] !== cout)) throw new ShapeError(op, `bias must be [${cout}], got ${fmtShape(bias.shape)}`);
  }
  return batched;
}

function convOut(op: string, x: Tensor, w: Tensor, size: number, k: number, s: number, p: number, d: number): number {
  const o = windowOutputSize(size, k, s, p, d);
  if (o < 1) {
    throw new ShapeError(op, `kernel ${fmtShape(w.shape.slice(2))} (dilation ${d}) is bigger than the padded input ${fmtShape(x.shape)} (padding ${p})`);
  }
  return o;
}

function convPadding(op: string, padding: Pair | "same" | "valid", k: [number, number], stride: [number, number], dilation: [number, number]): [number, number] {
  if (padding === "valid") return [0, 0];
  if (padding === "same") {
    if (stride[0] !== 1 || stride[1] !== 1) throw new ShapeError(op, `padding="same" needs stride 1, got [${stride.join(",")}]`);
    const total = [dilation[0] * (k[0] - 1), dilation[1] * (k[1] - 1)];
    if (total[0] % 2 !== 0 || total[1] % 2 !== 0) throw new ShapeError(op, `padding="same" with kernel [${k.join(",")}] needs asymmetric padding, which is not supported`);
    return [total[0] / 2, total[1] / 2];
  }
  return pair(op, "padding", padding, 0);
}

function conv2dImpl(op: string, x4: Tensor, w4: Tensor, bias: Tensor | null, sp: Spatial, groups: number): Tensor {
  const [n, c, h, wd] = x4.shape;
  const [kh, kw] = [w4.shape[2], w4.shape[3]];
  const oh = convOut(op, x4, w4, h, kh, sp.stride[0], sp.pad[0], sp.dilation[0]);
  const ow = convOut(op, x4, w4, wd, kw, sp.stride[1], sp.pad[1], sp.dilation[1]);
  const geo: ConvGeometry = {
    n, c, h, w: wd, kh, kw, strideH: sp.stride[0], strideW: sp.stride[1], padH: sp.pad[0], padW: sp.pad[1],
    dilationH: sp.dilation[0], dilationW: sp.dilation[1], oh, ow,
  };
  return convCore(op, x4, w4, bias, geo, groups);
}

/** 2-D convolution (cross-correlation, as PyTorch) of x [N, Cin, H, W] with weight [Cout, Cin/groups, kh, kw]. */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  [x, weight, bias = null] = autocastLower(bias ? [x, weight, bias] : [x, weight]);
  const op = "conv2d";
  const groups = opts.groups ?? 1;
  const batched = checkConvArgs(op, x, weight, bias, 2, false, groups);
  const stride = pair(op, "stride", opts.stride ?? 1);
  const dilation = pair(op, "dilation", opts.dilation ?? 1);
  const pad = convPadding(op, opts.padding ?? 0, [weight.shape[2], weight.shape[3]], stride, dilation);
  if (batched) return conv2dImpl(op, x, weight, bias ?? null, { stride, pad, dilation }, groups);
  return composite([x, weight, bias], () => {
    const out = conv2dImpl(op, viewRecorded(x, [1, ...x.shape]), weight, bias ?? null, { stride, pad, dilation }, groups);
    return viewRecorded(out, out.shape.slice(1));
  });
}

/** 1-D convolution of x [N, Cin, L] with weight [Cout, Cin/groups, k] (run as a conv2d of height 1). */
export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: Conv1dOptions = {}): Tensor {
  [x, weight, bias = null] = autocastLower(bias ? [x, weight, bias] : [x, weight]);
  const op = "conv1d";
  const groups = opts.groups ?? 1;
  const batched = checkConvArgs(op, x, weight, bias, 1, false, groups);
  const stride = single(op, "stride", opts.stride ?? 1);
  const dilation = single(op, "dilation", opts.dilation ?? 1);
  const p = opts.padding ?? 0;
  const pad = p === "valid" || p === "same" ? convPadding(op, p, [1, weight.shape[2]], [1, stride], [1, dilation])[1] : single(op, "padding", p, 0);
  return composite([x, weight, bias], () => {
    const n0 = batched ? x.shape[0] : 1;
    const x4 = viewRecorded(x, [n0, x.shape[batched ? 1 : 0], 1, x.shape[x.ndim - 1]]);
    const w4 = viewRecorded(weight, [weight.shape[0], weight.shape[1], 1, weight.shape[2]]);
    const out4 = conv2dImpl(op, x4, w4, bias ?? null, { stride: [1, stride], pad: [0, pad], dilation: [1, dilation] }, groups);
    const [n, co, , lo] = out4.shape;
    return viewRecorded(out4, batched ? [n, co, lo] : [co, lo]);
  });
}

function convTransposeOut(op: string, x: Tensor, w: Tensor, size: number, k: number, s: number, p: number, op_: number, d: number): number {
  if (op_ >= s && op_ >= d) throw new ShapeError(op, `outputPadding ${op_} must be smaller than stride ${s} or dilation ${d}`);
  const o = (size - 1) * s - 2 * p + d * (k - 1) + op_ + 1;
  if (o < 1) throw new ShapeError(op, `input ${fmtShape(x.shape)} with kernel ${fmtShape(w.shape.slice(2))} and padding ${p} gives an empty output`);
  return o;
}

function convTranspose2dImpl(op: string, x4: Tensor, w4: Tensor, bias: Tensor | null, sp: Spatial, outPad: [number, number], groups: number): Tensor {
  const [n, , h, wd] = x4.shape;
  const [kh, kw] = [w4.shape[2], w4.shape[3]];
  const cout = w4.shape[1] * groups;
  const hout = convTransposeOut(op, x4, w4, h, kh, sp.stride[0], sp.pad[0], outPad[0], sp.dilation[0]);
  const wout = convTransposeOut(op, x4, w4, wd, kw, sp.stride[1], sp.pad[1], outPad[1], sp.dilation[1]);
  const geo: ConvGeometry = {
    n, c: cout, h: hout, w: wout, kh, kw, strideH: sp.stride[0], strideW: sp.stride[1], padH: sp.pad[0], padW: sp.pad[1],
    dilationH: sp.dilation[0], dilationW: sp.dilation[1], oh: h, ow: wd,
  };
  return convTransposeCore(op, x4, w4, bias, geo, groups);
}

/**
 * Transposed 2-D convolution (the adjoint of conv2d) of x [N, Cin, H, W] with weight
 * [Cin, Cout/groups, kh, kw]: output H' = (H−1)·stride − 2·padding + dilation·(kh−1) + outputPadding + 1.
 */
export function convTranspose2d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvTranspose2dOptions = {}): Tensor {
  [x, weight, bias = null] = autocastLower(bias ? [x, weight, bias] : [x, weight]);
  const op = "convTranspose2d";
  const groups = opts.groups ?? 1;
  const batched = checkConvArgs(op, x, weight, bias, 2, true, groups);
  const stride = pair(op, "stride", opts.stride ?? 1);
  const dilation = pair(op, "dilation", opts.dilation ?? 1);
  const pad = pair(op, "padding", opts.padding ?? 0, 0);
  const outPad = pair(op, "outputPadding", opts.outputPadding ?? 0, 0);
  if (batched) return convTranspose2dImpl(op, x, weight, bias ?? null, { stride, pad, dilation }, outPad, groups);
  return composite([x, weight, bias], () => {
    const out = convTranspose2dImpl(op, viewRecorded(x, [1, ...x.shape]), weight, bias ?? null, { stride, pad, dilation }, outPad, groups);
    return viewRecorded(out, out.shape.slice(1));
  });
}

/** Transposed 1-D convolution of x [N, Cin, L] with weight [Cin, Cout/groups, k]. */
export function convTranspose1d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvTranspose1dOptions = {}): Tensor {
  [x, weight, bias = null] = autocastLower(bias ? [x, weight, bias] : [x, weight]);
  const op = "convTranspose1d";
  const groups = opts.groups ?? 1;
  const batched = checkConvArgs(op, x, weight, bias, 1, true, groups);
  const stride = single(op, "stride", opts.stride ?? 1);
  const dilation = single(op, "dilation", opts.dilation ?? 1);
  const pad = single(op, "padding", opts.padding ?? 0, 0);
  const outPad = single(op, "outputPadding", opts.outputPadding ?? 0, 0);
  return composite([x, weight, bias], () => {
    const n0 = batched ? x.shape[0] : 1;
    const x4 = viewRecorded(x, [n0, x.shape[batched ? 1 : 0], 1, x.shape[x.ndim - 1]]);
    const w4 = viewRecorded(weight, [weight.shape[0], weight.shape[1], 1, weight.shape[2]]);
    const out4 = convTranspose2dImpl(op, x4, w4, bias ?? null, { stride: [1, stride], pad: [0, pad], dilation: [1, dilation] }, [0, outPad], groups);
    const [n, co, , lo] = out4.shape;
    return viewRecorded(out4, batched ? [n, co, lo] : [co, lo]);
  });
}
