import {
  BINARY_CODE, REDUCE_CODE, UNARY_CODE,
  type AdamParams, type AttentionLayout, type BinaryOp, type ConvGeometry, type FlashAttentionParams, type MatmulParams, type PoolGeometry, type ReduceOp, type UnaryOp, type UnaryParams,
} from "../backend.js";
import { JsBackend } from "../js/index.js";
import { HostStorage, type Storage } from "../storage.js";
import { setPhiloxKernel } from "../../tensor/random.js";
import { isHalf } from "../../tensor/dtype.js";
import { MAX_FLASH_HEAD_DIM, MAX_RANK, type NativeCpu } from "./native.js";


function f32(s: Storage): Float32Array | null {
  return s instanceof HostStorage && s.data instanceof Float32Array ? s.data : null;
}
function u8(s: Storage): Uint8Array | null {
  return s instanceof HostStorage && s.data instanceof Uint8Array ? s.data : null;
}
function i32(s: Storage): Int32Array | null {
  return s instanceof HostStorage && s.data instanceof Int32Array ? s.data : null;
}

/**
 * Native host backend: the js backend with float32 kernels replaced by the C++ addon. Storage is the
 * same HostStorage, so tensors move between js and cpu for free; anything the addon does not cover
 * (int32/bool data, rank > 16, cumsum, sort, avg pooling) runs the inherited js kernel.
 */
export class CpuBackend extends JsBackend {
  override readonly name: string = "cpu";
  /** Scalar arguments, shapes and strides for the next native call (see native/cpu/addon.cc). */
  private readonly meta = new Float64Array(256);
  readonly threads: number;

  constructor(private readonly native: NativeCpu, private readonly js: JsBackend) {
    super();
    this.threads = native.init(this.meta);
    setPhiloxKernel((out, k0, k1, counter) => {
      this.meta[0] = k0;
      this.meta[1] = k1;
      this.meta[2] = counter;
      native.philoxFill(out);
    });
  }

  /** Writes rank, shape and the stride vectors at meta[at..]; false when the rank is too large. */
  private shapeMeta(at: number, shape: readonly number[], ...strides: (readonly number[])[]): boolean {
    const r = shape.length;
    if (r > MAX_RANK) return false;
    const m = this.meta;
    m[at] = r;
    for (let d = 0; d < r; d++) m[at + 1 + d] = shape[d];
    for (let k = 0; k < strides.length; k++) {
      const s = strides[k];
      const base = at + 1 + r * (k + 1);
      for (let d = 0; d < r; d++) m[base + d] = s[d];
    }
    return true;
  }

  private unaryParams(p: UnaryParams): void {
    const m = this.meta;
    m[1] = p.alpha ?? NaN;
    m[2] = p.min ?? -Infinity;
    m[3] = p.max ?? Infinity;
    m[4] = p.exponent ?? 1;
  }

  override fill = (s: Storage, value: number): void => {
    const d = f32(s);
    if (!d || d.length < 65536) return this.js.fill(s, value);
    this.meta[0] = value;
    this.native.fill(d);
  };

  override copyStrided = (
    src: Storage, srcOffset: number, srcStrides: readonly number[],
    dst: Storage, dstOffset: number, dstStrides: readonly number[],
    shape: readonly number[],
  ): void => {
    // the addon copies 1- and 4-byte elements; 16-bit floats take the js loop
    if (src instanceof HostStorage && dst instanceof HostStorage && src.dtype === dst.dtype && !isHalf(src.dtype)
      && this.shapeMeta(2, shape, srcStrides, dstStrides)) {
      this.meta[0] = srcOffset;
      this.meta[1] = dstOffset;
      this.native.copyStrided(src.data as Float32Array | Int32Array | Uint8Array, dst.data as Float32Array | Int32Array | Uint8Array);
      return;
    }
    this.js.copyStrided(src, srcOffset, srcStrides, dst, dstOffset, dstStrides, shape);
  };

  override unary = (op: UnaryOp, x: Storage, out: Storage, n: number, p: UnaryParams = {}): void => {
    const a = f32(x), o = f32(out);
    const id = UNARY_CODE[op];
    if (a && o) {
      this.meta[0] = n;
      this.unaryParams(p);
      if (op === "leakyRelu") this.meta[1] = p.alpha ?? 0.01;
      else if (op === "elu") this.meta[1] = p.alpha ?? 1;
      if (this.native.unary(id, a, o)) return;
    }
    this.js.unary(op, x, out, n, p);
  };

  override unaryGrad = (op: UnaryOp, x: Storage, y: Storage, gy: Storage, gx: Storage, n: number, p: UnaryParams = {}): void => {
    const a = f32(x), b = f32(y), g = f32(gy), o = f32(gx);
    const id = UNARY_CODE[op];
    if (a && b && g && o) {
      this.meta[0] = n;
      this.unaryParams(p);
      if (op === "leakyRelu") this.meta[1] = p.alpha ?? 0.01;
      else if (op === "elu") this.meta[1] = p.alpha ?? 1;
      if (this.native.unaryGrad(id, a, b, g, o)) return;
    }
    this.js.unaryGrad(op, x, y, gy, gx, n, p);
  };

  override binary = (op: BinaryOp, a: Storage, aStrides: readonly number[], b: Storage, bStrides: readonly number[], out: Storage, shape: readonly number[]): void => {
    const x = f32(a), y = f32(b);
    const o = out.dtype === "float32" ? f32(out) : out.dtype === "bool" ? u8(out) : null;
    const id = BINARY_CODE[op];
    if (x && y && o && this.shapeMeta(0, shape, aStrides, bStrides) && this.native.binary(id, x, y, o)) return;
    this.js.binary(op, a, aStrides, b, bStrides, out, shape);
  };

  override binaryScalar = (op: BinaryOp, a: Storage, s: number, out: Storage, n: number, reversed: boolean): void => {
    const x = f32(a);
    const o = out.dtype === "float32" ? f32(out) : out.dtype === "bool" ? u8(out) : null;
    const id = BINARY_CODE[op];
    if (x && o) {
      this.meta[0] = n;
      this.meta[1] = s;
      this.meta[2] = reversed ? 1 : 0;
      if (this.native.binaryScalar(id, x, o)) return;
    }
    this.js.binaryScalar(op, a, s, out, n, reversed);
  };

  override where = (cond: Storage, cStrides: readonly number[], a: Storage, aStrides: readonly number[], b: Storage, bStrides: readonly number[], out: Storage, shape: readonly number[]): void => {
    const c = u8(cond), x = f32(a), y = f32(b), o = f32(out);
    if (c && x && y && o && this.shapeMeta(0, shape, cStrides, aStrides, bStrides)) {
      this.native.where(c, x, y, o);
      return;
    }
    this.js.where(cond, cStrides, a, aStrides, b, bStrides, out, shape);
  };

  override reduce = (op: ReduceOp, x: Storage, out: Storage, outer: number, r: number, inner: number): void => {
    const a = f32(x), o = f32(out);
    if (a && o) {
      const m = this.meta;
      m[0] = outer;
      m[1] = r;
      m[2] = inner;
      this.native.reduce(REDUCE_CODE[op], a, o);
      return;
    }
    this.js.reduce(op, x, out, outer, r, inner);
  };

  override argReduce = (op: "argmax" | "argmin", x: Storage, out: Storage, outer: number, r: number, inner: number): void => {
    const a = f32(x), o = i32(out);
    if (a && o && r > 0) {
      const m = this.meta;
      m[0] = outer;
      m[1] = r;
      m[2] = inner;
      this.native.argReduce(op === "argmax", a, o);
      return;
    }
    this.js.argReduce(op, x, out, outer, r, inner);
  };

  override matmul = (a: Storage, b: Storage, out: Storage, p: MatmulParams): void => {
    const A = f32(a), B = f32(b), C = f32(out);
    if (!A || !B || !C) return this.js.matmul(a, b, out, p);
    const m = this.meta;
    m[0] = p.batch;
    m[1] = p.m;
    m[2] = p.n;
    m[3] = p.k;
    m[4] = p.transA ? 1 : 0;
    m[5] = p.transB ? 1 : 0;
    m[6] = p.strideA;
    m[7] = p.strideB;
    m[8] = p.accumulate ? 1 : 0;
    this.native.matmul(A, B, C);
  };

  override indexSelect = (x: Storage, index: Storage, out: Storage, outer: number, rx: number, nIdx: number, inner: number): void => {
    const a = f32(x), idx = i32(index), o = f32(out);
    if (!a || !idx || !o) return this.js.indexSelect(x, index, out, outer, rx, nIdx, inner);
    const m = this.meta;
    m[0] = outer;
    m[1] = rx;
    m[2] = nIdx;
    m[3] = inner;
    this.native.indexSelect(a, idx, o);
  };

  override indexAdd = (src: Storage, index: Storage, out: Storage, outer: number, rOut: number, nIdx: number, inner: number): void => {
    const s = f32(src), idx = i32(index), o = f32(out);
    if (!s || !idx || !o) return this.js.indexAdd(src, index, out, outer, rOut, nIdx, inner);
    const m = this.meta;
    m[0] = outer;
    m[1] = rOut;
    m[2] = nIdx;
    m[3] = inner;
    this.native.indexAdd(s, idx, o);
  };

  override softmax = (x: Storage, out: Storage, rows: number, cols: number, log: boolean): void => {
    const a = f32(x), o = f32(out);
    if (!a || !o) return this.js.softmax(x, out, rows, cols, log);
    const m = this.meta;
    m[0] = rows;
    m[1] = cols;
    m[2] = log ? 1 : 0;
    this.native.softmax(a, o);
  };

  override softmaxGrad = (y: Storage, gy: Storage, gx: Storage, rows: number, cols: number, log: boolean): void => {
    const Y = f32(y), G = f32(gy), O = f32(gx);
    if (!Y || !G || !O) return this.js.softmaxGrad(y, gy, gx, rows, cols, log);
    const m = this.meta;
    m[0] = rows;
    m[1] = cols;
    m[2] = log ? 1 : 0;
    this.native.softmaxGrad(Y, G, O);
  };

  override layerNorm = (x: Storage, weight: Storage | null, bias: Storage | null, out: Storage, mean: Storage, rstd: Storage, rows: number, cols: number, eps: number): void => {
    const X = f32(x), W = weight ? f32(weight) : null, B = bias ? f32(bias) : null, O = f32(out), M = f32(mean), R = f32(rstd);
    if (!X || !O || !M || !R || (weight && !W) || (bias && !B)) return this.js.layerNorm(x, weight, bias, out, mean, rstd, rows, cols, eps);
    const m = this.meta;
    m[0] = rows;
    m[1] = cols;
    m[2] = eps;
    this.native.layerNorm(X, W, B, O, M, R);
  };

  override layerNormGrad = (x: Storage, weight: Storage | null, mean: Storage, rstd: Storage, gy: Storage, gx: Storage, gw: Storage | null, gb: Storage | null, rows: number, cols: number): void => {
    const X = f32(x), W = weight ? f32(weight) : null, M = f32(mean), R = f32(rstd), G = f32(gy), O = f32(gx);
    const GW = gw ? f32(gw) : null, GB = gb ? f32(gb) : null;
    if (!X || !M || !R || !G || !O || (weight && !W) || (gw && !GW) || (gb && !GB)) {
      return this.js.layerNormGrad(x, weight, mean, rstd, gy, gx, gw, gb, rows, cols);
    }
    const m = this.meta;
    m[0] = rows;
    m[1] = cols;
    this.native.layerNormGrad(X, W, M, R, G, O, GW, GB);
  };

  private convMeta(p: ConvGeometry): void {
    const m = this.meta;
    m[0] = p.n; m[1] = p.c; m[2] = p.h; m[3] = p.w; m[4] = p.kh; m[5] = p.kw; m[6] = p.strideH; m[7] = p.strideW;
    m[8] = p.padH; m[9] = p.padW; m[10] = p.dilationH; m[11] = p.dilationW; m[12] = p.oh; m[13] = p.ow;
  }

  private poolMeta(p: PoolGeometry): void {
    this.convMeta({ ...p, n: p.planes, c: 1 });
  }

  override im2col = (x: Storage, cols: Storage, p: ConvGeometry): void => {
    const X = f32(x), C = f32(cols);
    if (!X || !C) return this.js.im2col(x, cols, p);
    this.convMeta(p);
    this.native.im2col(X, C);
  };

  override col2im = (cols: Storage, x: Storage, p: ConvGeometry): void => {
    const C = f32(cols), X = f32(x);
    if (!X || !C) return this.js.col2im(cols, x, p);
    this.convMeta(p);
    this.native.col2im(C, X);
  };

  override maxPool2d = (x: Storage, out: Storage, argmax: Storage, p: PoolGeometry): void => {
    const X = f32(x), O = f32(out), A = i32(argmax);
    if (!X || !O || !A) return this.js.maxPool2d(x, out, argmax, p);
    this.poolMeta(p);
    this.native.maxPool2d(X, O, A);
  };

  override maxPool2dGrad = (gy: Storage, argmax: Storage, gx: Storage, p: PoolGeometry): void => {
    const G = f32(gy), A = i32(argmax), X = f32(gx);
    if (!G || !A || !X) return this.js.maxPool2dGrad(gy, argmax, gx, p);
    this.poolMeta(p);
    this.native.maxPool2dGrad(G, A, X);
  };

  override adamStep = (param: Storage, grad: Storage, m: Storage, v: Storage, n: number, p: AdamParams): void => {
    const P = f32(param), G = f32(grad), M = f32(m), V = f32(v);
    if (!P || !G || !M || !V) return this.js.adamStep(param, grad, m, v, n, p);
    const t = this.meta;
    t[0] = n; t[1] = p.lr; t[2] = p.beta1; t[3] = p.beta2; t[4] = p.eps; t[5] = p.weightDecay; t[6] = p.decoupled ? 1 : 0; t[7] = p.step;
    this.native.adamStep(P, G, M, V);
  };

  /** Writes flash attention's sizes, scale and the four layouts at meta[0..23) (see FlashAttention in addon.cc). */
  private attentionMeta(p: FlashAttentionParams): void {
    const m = this.meta;
    m[0] = p.batch; m[1] = p.heads; m[2] = p.lq; m[3] = p.lk; m[4] = p.headDim; m[5] = p.scale; m[6] = p.causal ? 1 : 0;
    const layouts: readonly AttentionLayout[] = [p.q, p.k, p.v, p.out];
    layouts.forEach((l, i) => {
      m[7 + 4 * i] = l.offset; m[8 + 4 * i] = l.batchStride; m[9 + 4 * i] = l.headStride; m[10 + 4 * i] = l.rowStride;
    });
  }

  /** Shapes the native kernel takes: float32 host data, 1 ≤ headDim ≤ MAX_FLASH_HEAD_DIM and at least one key. */
  private static flashShapeOk(p: FlashAttentionParams): boolean {
    return p.headDim >= 1 && p.headDim <= MAX_FLASH_HEAD_DIM && p.lk >= 1;
  }

  /** Fused attention forward (Backend.flashAttention); false, doing nothing, when the kernel does not take the call. */
  override flashAttention = (q: Storage, k: Storage, v: Storage, out: Storage, lse: Storage, p: FlashAttentionParams): boolean => {
    const Q = f32(q), K = f32(k), V = f32(v), O = f32(out), L = f32(lse);
    if (!Q || !K || !V || !O || !L || !CpuBackend.flashShapeOk(p)) return false;
    this.attentionMeta(p);
    this.native.flashAttention(Q, K, V, O, L);
    return true;
  };

  /** Fused attention backward (Backend.flashAttentionGrad): overwrites gq, gk, gv; false as for flashAttention. */
  override flashAttentionGrad = (
    q: Storage, k: Storage, v: Storage, out: Storage, gOut: Storage, lse: Storage,
    gq: Storage, gk: Storage, gv: Storage, p: FlashAttentionParams,
  ): boolean => {
    const Q = f32(q), K = f32(k), V = f32(v), O = f32(out), GO = f32(gOut), L = f32(lse), GQ = f32(gq), GK = f32(gk), GV = f32(gv);
    if (!Q || !K || !V || !O || !GO || !L || !GQ || !GK || !GV || !CpuBackend.flashShapeOk(p)) return false;
    this.attentionMeta(p);
    this.native.flashAttentionGrad(Q, K, V, O, GO, L, GQ, GK, GV);
    return true;
  };
}
