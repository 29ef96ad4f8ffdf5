import type { DType, TypedArray } from "../tensor/dtype.js";
import type { Device, Storage } from "./storage.js";

/**
 * The backend contract: a small set of kernels over flat storage. The op layer (src/tensor/ops)
 * computes shapes, checks arguments and records gradients; a backend only moves numbers.
 * Every kernel writes a preallocated `out`, so the op layer owns allocation and pooling.
 *
 * Layout convention: storages are dense row-major; kernels that work along one axis take
 * the tensor as [outer, r, inner] (r is the axis length). Broadcasting kernels take per-operand
 * strides over the output shape, with stride 0 along broadcast dims.
 *
 * Adding a backend means implementing this interface under src/backends/<name>/ (and native/ if it
 * needs compiled code); nothing above this file changes.
 */
export interface Backend {
  readonly name: string;
  readonly device: Device;
  /**
   * Kernels that take bfloat16/float16 storage natively; every other kernel gets float32 copies of half
   * storages (src/backends/half-emulation.ts). The memory methods (alloc … copyStrided) always take them.
   */
  readonly halfKernels?: ReadonlySet<string>;

  // ---- memory ----
  /** New storage; zero-filled unless `zero === false` (then contents are unspecified). */
  alloc(dtype: DType, size: number, zero?: boolean): Storage;
  /** Gives storage back to the backend's pool; the caller guarantees no tensor uses it any more. */
  release(s: Storage): void;
  upload(data: TypedArray, dtype: DType): Storage;
  download(s: Storage): TypedArray;
  fill(s: Storage, value: number): void;
  /** Converts element type; `dst` has the same size as `src`. Float to int truncates toward zero. */
  cast(src: Storage, dst: Storage): void;
  /** dst[dstOffset + Σ i_k·dstStrides_k] = src[srcOffset + Σ i_k·srcStrides_k] over `shape`. */
  copyStrided(
    src: Storage, srcOffset: number, srcStrides: readonly number[],
    dst: Storage, dstOffset: number, dstStrides: readonly number[],
    shape: readonly number[],
  ): void;

  // ---- elementwise ----
  unary(op: UnaryOp, x: Storage, out: Storage, n: number, p?: UnaryParams): void;
  /** gx = gy · f'(x), given x, y = f(x) and gy. */
  unaryGrad(op: UnaryOp, x: Storage, y: Storage, gy: Storage, gx: Storage, n: number, p?: UnaryParams): void;
  binary(op: BinaryOp, a: Storage, aStrides: readonly number[], b: Storage, bStrides: readonly number[], out: Storage, shape: readonly number[]): void;
  /** out = a ⊙ s, or s ⊙ a when `reversed`. */
  binaryScalar(op: BinaryOp, a: Storage, s: number, out: Storage, n: number, reversed: boolean): void;
  where(cond: Storage, cStrides: readonly number[], a: Storage, aStrides: readonly number[], b: Storage, bStrides: readonly number[], out: Storage, shape: readonly number[]): void;

  // ---- reductions along the middle axis of [outer, r, inner] ----
  reduce(op: ReduceOp, x: Storage, out: Storage, outer: number, r: number, inner: number): void;
  /** Writes int32 indices of the first max/min. */
  argReduce(op: "argmax" | "argmin", x: Storage, out: Storage, outer: number, r: number, inner: number): void;
  cumsum(x: Storage, out: Storage, outer: number, r: number, inner: number, reverse: boolean): void;
  /** Stable sort along r; writes values and int32 source indices. */
  sort(x: Storage, values: Storage, indices: Storage, outer: number, r: number, inner: number, descending: boolean): void;

  // ---- linear algebra ----
  matmul(a: Storage, b: Storage, out: Storage, p: MatmulParams): void;

  // ---- indexing (index storages are int32) ----
  /** out[o,i,n] = x[o, index[o,i,n], n]; x is [outer, rx, inner], index/out are [outer, ri, inner]. */
  gather(x: Storage, index: Storage, out: Storage, outer: number, rx: number, ri: number, inner: number): void;
  /** out[o, index[o,i,n], n] += src[o,i,n]; out is [outer, rOut, inner]. */
  scatterAdd(src: Storage, index: Storage, out: Storage, outer: number, rOut: number, ri: number, inner: number): void;
  /** out[o,j,n] = x[o, index[j], n]; x is [outer, rx, inner], out is [outer, nIdx, inner]. */
  indexSelect(x: Storage, index: Storage, out: Storage, outer: number, rx: number, nIdx: number, inner: number): void;
  /** out[o, index[j], n] += src[o,j,n]. */
  indexAdd(src: Storage, index: Storage, out: Storage, outer: number, rOut: number, nIdx: number, inner: number): void;

  // ---- neural-network kernels ----
  /** Row-wise softmax (or log-softmax) of a [rows, cols] matrix. */
  softmax(x: Storage, out: Storage, rows: number, cols: number, log: boolean): void;
  softmaxGrad(y: Storage, gy: Storage, gx: Storage, rows: number, cols: number, log: boolean): void;
  /** Normalises each row of [rows, cols]; writes per-row mean and 1/std for the backward pass. */
  layerNorm(x: Storage, weight: Storage | null, bias: Storage | null, out: Storage, mean: Storage, rstd: Storage, rows: number, cols: number, eps: number): void;
  /** gw and gb are accumulated into (+=), so callers pass zeroed storage. */
  layerNormGrad(x: Storage, weight: Storage | null, mean: Storage, rstd: Storage, gy: Storage, gx: Storage, gw: Storage | null, gb: Storage | null, rows: number, cols: number): void;
  /** x [n, c, h, w] → cols [n, c·kh·kw, oh·ow]. */
  im2col(x: Storage, cols: Storage, p: ConvGeometry): void;
  /** Adjoint of im2col: accumulates cols into a zeroed x. */
  col2im(cols: Storage, x: Storage, p: ConvGeometry): void;
  /** x [n·c, h, w] → out [n·c, oh, ow]; argmax holds the flat h·w index of each max (int32). */
  maxPool2d(x: Storage, out: Storage, argmax: Storage, p: PoolGeometry): void;
  maxPool2dGrad(gy: Storage, argmax: Storage, gx: Storage, p: PoolGeometry): void;
  avgPool2d(x: Storage, out: Storage, p: PoolGeometry): void;
  avgPool2dGrad(gy: Storage, gx: Storage, p: PoolGeometry): void;
  adaptiveAvgPool2d(x: Storage, out: Storage, planes: number, h: number, w: number, oh: number, ow: number): void;
  adaptiveAvgPool2dGrad(gy: Storage, gx: Storage, planes: number, h: number, w: number, oh: number, ow: number): void;

  // ---- fused fast paths ----
  /** One Adam/AdamW update in place on param, m, v. */
  adamStep(param: Storage, grad: Storage, m: Storage, v: Storage, n: number, p: AdamParams): void;
  /**
   * Optional, for causal attention: rows = batch·lq rows of lk scores; row r is query i = r mod lq and
   * keeps keys j ≤ i. out = softmax(scale·x) over those keys and 0 elsewhere, in one pass (no mask
   * tensor, no separate scaling; masked scores are not even read). Returns false, doing nothing, for
   * shapes it does not take; the caller then masks and softmaxes separately.
   */
  causalSoftmax?(x: Storage, out: Storage, rows: number, cols: number, lq: number, scale: number): boolean;
  /** Optional: the gradient of causalSoftmax with respect to x (scale included), from its output y; false as above. */
  causalSoftmaxGrad?(y: Storage, gy: Storage, gx: Storage, rows: number, cols: number, lq: number, scale: number): boolean;
  /**
   * Optional fused cross-entropy over [rows, cols] logits at int32 targets [rows]: loss[r] =
   * logsumexp(x[r]) − x[r, t[r]] (0 where t[r] is ignoreIndex) and lse[r] for the backward pass, in one
   * read of the logits and without storing log-probabilities. Returns false for inputs it does not take.
   */
  crossEntropy?(x: Storage, target: Storage, loss: Storage, lse: Storage, rows: number, cols: number, ignoreIndex: number): boolean;
  /** Optional: gx[r, c] = w[r]·(exp(x[r, c] − lse[r]) − [c = t[r]]), the scaled gradient of crossEntropy. */
  crossEntropyGrad?(x: Storage, target: Storage, lse: Storage, w: Storage, gx: Storage, rows: number, cols: number): boolean;
  /**
   * Optional fused attention (FlashAttention): per batch b and head h, out = softmax(scale·q·kᵀ)·v with
   * query i keeping keys j ≤ i when `causal` (top-left aligned, PyTorch's is_causal), and lse[(b·heads +
   * h)·lq + i] = the log-sum-exp of row i's kept, scaled scores. The lq×lk scores are never stored.
   * Operands are read and written through their AttentionLayout, so q, k and v may share one packed
   * buffer. Returns false, doing nothing, for shapes it does not take (the caller falls back to GEMMs).
   */
  flashAttention?(q: Storage, k: Storage, v: Storage, out: Storage, lse: Storage, p: FlashAttentionParams): boolean;
  /**
   * Optional: the gradient of flashAttention from its out, lse and gOut (laid out like out). Writes (does
   * not accumulate) gq, gk, gv, laid out like q, k, v; they may share one buffer. False as above.
   */
  flashAttentionGrad?(
    q: Storage, k: Storage, v: Storage, out: Storage, gOut: Storage, lse: Storage,
    gq: Storage, gk: Storage, gv: Storage, p: FlashAttentionParams,
  ): boolean;
  /**
   * Optional multi-tensor Adam/AdamW: one update of every (param, grad, m, v) group with the same
   * hyper-parameters, in as few launches as the device allows (PyTorch's foreach/_fused_adamw_).
   * sizes[i] is the element count of group i. False, doing nothing, when it does not take the groups.
   */
  adamStepMulti?(params: readonly Storage[], grads: readonly Storage[], ms: readonly Storage[], vs: readonly Storage[], sizes: readonly number[], p: AdamParams): boolean;
  /**
   * Optional whole convolution (cuDNN on cuda): out = x ⋆ w, cross-correlation as PyTorch, no bias, with
   * x [n, c, h, w], w [cout, c/groups, kh, kw] and out [n, cout, oh, ow], float32, dense NCHW. Overwrites
   * out. Returns false, doing nothing, for what it does not take; the caller then runs im2col + GEMM.
   */
  conv2d?(x: Storage, w: Storage, out: Storage, p: Conv2dParams): boolean;
  /** Optional: the gradient of conv2d with respect to x, from gy (laid out like out); overwrites gx. False as conv2d. */
  conv2dGradInput?(gy: Storage, w: Storage, gx: Storage, p: Conv2dParams): boolean;
  /** Optional: the gradient of conv2d with respect to w, from x and gy; overwrites (does not accumulate into) gw. False as conv2d. */
  conv2dGradWeight?(x: Storage, gy: Storage, gw: Storage, p: Conv2dParams): boolean;
  /** Optional: a matmul with explicit leading dimensions, batch strides and offsets (StridedMatmulParams). */
  matmulStrided?(a: Storage, b: Storage, out: Storage, p: StridedMatmulParams): void;
  /** Optional: how float32 matmuls may round inputs on this device (see setFloat32MatmulPrecision). */
  setMatmulPrecision?(precision: MatmulPrecision): void;
}

/**
 * PyTorch's float32 matmul precision: "highest" computes in float32; "high" may use TF32 tensor cores
 * (10-bit mantissa inputs); "medium" may use bfloat16 tensor cores (8-bit mantissa). Accumulation and
 * storage stay float32 in every mode.
 */
export type MatmulPrecision = "highest" | "high" | "medium";

/**
 * Every unary op, in the order native addons number them (`enum UnaryOp` in native/cpu/kernels.h,
 * the switch in native/cuda/kernels.cu): append new ops at the end.
 */
export const UNARY_OPS = [
  "neg", "abs", "sign", "exp", "expm1", "log", "log1p", "sqrt", "rsqrt", "square", "reciprocal",
  "sin", "cos", "tanh", "sigmoid", "relu", "leakyRelu", "elu", "gelu", "geluTanh", "silu", "softplus",
  "erf", "floor", "ceil", "round", "trunc", "clamp", "powScalar", "logicalNot", "isnan", "isinf",
] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

/** Parameters of the parametric unary ops: leakyRelu/elu (alpha), clamp (min, max), powScalar (exponent). */
export interface UnaryParams {
  alpha?: number;
  min?: number;
  max?: number;
  exponent?: number;
}

/** Every binary op, in the order native addons number them (as UNARY_OPS). */
export const BINARY_OPS = [
  "add", "sub", "mul", "div", "pow", "maximum", "minimum", "atan2", "remainder",
  "eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr", "logicalXor",
] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

export const COMPARISON_OPS: ReadonlySet<BinaryOp> = new Set(["eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr", "logicalXor"]);

export const REDUCE_OPS = ["sum", "prod", "max", "min"] as const;
export type ReduceOp = (typeof REDUCE_OPS)[number];

/** An op's number in a native addon: its index in the list above. */
function codes<T extends string>(ops: readonly T[]): Readonly<Record<T, number>> {
  return Object.fromEntries(ops.map((op, i) => [op, i])) as Record<T, number>;
}
export const UNARY_CODE = codes(UNARY_OPS);
export const BINARY_CODE = codes(BINARY_OPS);
export const REDUCE_CODE = codes(REDUCE_OPS);

/**
 * out[b] = op(A[b]) · op(B[b]) for b < batch, with A[b] m×k (or k×m stored, when transA) and B[b]
 * k×n (or n×k stored, when transB). A batch stride of 0 broadcasts that operand. With `accumulate`
 * the product is added to out.
 */
export interface MatmulParams {
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  strideA: number;
  strideB: number;
  accumulate?: boolean;
}

/**
 * A matmul over operands that live inside bigger buffers: row-major C = alpha·op(A)·op(B) + beta·C
 * where op(A) is m×k, element (i, l) of A sits at offsetA + batch·strideA + i·lda + l (transA: at
 * l·lda + i), likewise B and C. Used to read attention heads straight out of a packed qkv tensor.
 */
export interface StridedMatmulParams extends Omit<MatmulParams, "accumulate"> {
  lda: number;
  ldb: number;
  ldc: number;
  strideC: number;
  offsetA: number;
  offsetB: number;
  offsetC: number;
  alpha?: number;
  beta?: number;
}

/** A 2-D sliding window over an h×w plane producing oh×ow outputs (shared by convolution and pooling). */
export interface Window2d {
  h: number;
  w: number;
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
  dilationH: number;
  dilationW: number;
  oh: number;
  ow: number;
}

/** Outputs of a sliding window along one axis (PyTorch's formula, rounding down): may be < 1 when the window does not fit. */
export function windowOutputSize(size: number, kernel: number, stride: number, padding: number, dilation: number): number {
  return Math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
}

export interface ConvGeometry extends Window2d {
  n: number;
  c: number;
}

/** A whole 2-D convolution: the im2col window plus the output channels and channel groups. */
export interface Conv2dParams extends ConvGeometry {
  cout: number;
  groups: number;
}

export interface PoolGeometry extends Window2d {
  planes: number;
  /** avg pooling only: whether zero padding counts in the divisor (PyTorch's default: true). */
  countIncludePad: boolean;
}

export interface AdamParams {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** AdamW: weight decay applied to the weights directly rather than added to the gradient. */
  decoupled: boolean;
  /** 1-based step count, for bias correction. */
  step: number;
}

/**
 * Where row t of head h in batch b of an attention operand starts: offset + b·batchStride + h·headStride
 * + t·rowStride (in elements); the headDim elements of a row are contiguous.
 */
export interface AttentionLayout {
  offset: number;
  batchStride: number;
  headStride: number;
  rowStride: number;
}

export interface FlashAttentionParams {
  batch: number;
  heads: number;
  lq: number;
  lk: number;
  /** q, k and v share this head size. */
  headDim: number;
  scale: number;
  causal: boolean;
  q: AttentionLayout;
  k: AttentionLayout;
  v: AttentionLayout;
  /** Also the layout of gOut in flashAttentionGrad. */
  out: AttentionLayout;
}
