/**
 * The addon's exports (native/cpu/addon.cc). Every call passes typed arrays only; scalar parameters,
 * shapes and strides are written into the Float64Array registered with `init` just before the call.
 */
export interface NativeCpu {
  init(meta: Float64Array): number;
  numThreads(): number;
  matmul(a: Float32Array, b: Float32Array, out: Float32Array): void;
  unary(op: number, x: Float32Array, out: Float32Array): boolean;
  unaryGrad(op: number, x: Float32Array, y: Float32Array, gy: Float32Array, gx: Float32Array): boolean;
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array | Uint8Array): boolean;
  binaryScalar(op: number, a: Float32Array, out: Float32Array | Uint8Array): boolean;
  where(cond: Uint8Array, a: Float32Array, b: Float32Array, out: Float32Array): void;
  copyStrided(src: Float32Array | Int32Array | Uint8Array, dst: Float32Array | Int32Array | Uint8Array): void;
  fill(out: Float32Array): void;
  philoxFill(out: Uint32Array): void;
  reduce(op: number, x: Float32Array, out: Float32Array): void;
  argReduce(isMax: boolean, x: Float32Array, out: Int32Array): void;
  softmax(x: Float32Array, out: Float32Array): void;
  softmaxGrad(y: Float32Array, gy: Float32Array, gx: Float32Array): void;
  layerNorm(x: Float32Array, w: Float32Array | null, b: Float32Array | null, out: Float32Array, mean: Float32Array, rstd: Float32Array): void;
  layerNormGrad(
    x: Float32Array, w: Float32Array | null, mean: Float32Array, rstd: Float32Array, gy: Float32Array, gx: Float32Array,
    gw: Float32Array | null, gb: Float32Array | null,
  ): void;
  im2col(x: Float32Array, cols: Float32Array): void;
  col2im(cols: Float32Array, x: Float32Array): void;
  maxPool2d(x: Float32Array, out: Float32Array, argmax: Int32Array): void;
  maxPool2dGrad(gy: Float32Array, argmax: Int32Array, gx: Float32Array): void;
  adamStep(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array): void;
  indexSelect(x: Float32Array, index: Int32Array, out: Float32Array): void;
  indexAdd(src: Float32Array, index: Int32Array, out: Float32Array): void;
  /** meta: batch, heads, lq, lk, headDim, scale, causal, then (offset, batchStride, headStride, rowStride) of q, k, v, out. */
  flashAttention(q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, lse: Float32Array): void;
  /** Same meta as flashAttention; gOut uses out's layout, gq/gk/gv those of q/k/v. */
  flashAttentionGrad(
    q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, gOut: Float32Array, lse: Float32Array,
    gq: Float32Array, gk: Float32Array, gv: Float32Array,
  ): void;
}

/** Largest head size the native flash attention takes; larger falls back to the GEMM path. */
export const MAX_FLASH_HEAD_DIM = 256;

/** Highest rank the native strided kernels take (kMaxRank in kernels.h); larger falls back to js. */
export const MAX_RANK = 16;
