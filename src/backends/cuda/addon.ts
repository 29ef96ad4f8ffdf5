import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { packageRoot } from "../../package-root.js";

/** An opaque handle to device memory owned by the addon's caching allocator. */
export interface CudaHandle {
  readonly __cudaHandle: never;
}

export interface CudaDeviceInfo {
  ok: boolean;
  reason: string;
  name?: string;
  major?: number;
  minor?: number;
  multiprocessors?: number;
  totalMemory?: number;
  /** Empty when cuBLAS loaded; otherwise why matmul is unavailable. */
  cublasError?: string;
  /** Empty when cuDNN loaded; otherwise why convolutions stay on im2col + GEMM. Absent from addons built before it. */
  cudnnError?: string;
  /** cudnnGetVersion() of the loaded cuDNN (e.g. 90100), 0 when none. */
  cudnnVersion?: number;
}

export interface CudaMemoryStats {
  liveBytes: number;
  cachedBytes: number;
  peakBytes: number;
  deviceMallocs: number;
}

type H = CudaHandle;
type HN = CudaHandle | null;

/**
 * The native addon's functions (native/cuda/addon.cu). Dtype codes (DTYPE_CODE): 0 float32, 1 int32, 2 bool,
 * 3 bfloat16, 4 float16; the two halves are 2-byte bit patterns on the device as on the host.
 */
export interface CudaAddon {
  init(): CudaDeviceInfo;
  alloc(bytes: number, zero: boolean): H;
  free(h: H): void;
  upload(h: H, data: ArrayBufferView): void;
  download(h: H, into: ArrayBufferView): void;
  sync(): void;
  fill(h: H, dtype: number, n: number, value: number): void;
  cast(src: H, srcDtype: number, dst: H, dstDtype: number, n: number): void;
  copyStrided(src: H, srcOffset: number, srcStrides: readonly number[], dst: H, dstOffset: number, dstStrides: readonly number[], shape: readonly number[], elemBytes: number): void;
  unary(op: number, x: H, xDtype: number, out: H, outDtype: number, n: number, alpha: number, min: number, max: number, exponent: number): void;
  /** Dtype codes come last (float32, bfloat16 or float16 each); an addon called without them takes float32. */
  unaryGrad(op: number, x: H, y: H, gy: H, gx: H, n: number, alpha: number, min: number, max: number, exponent: number,
    xDtype: number, yDtype: number, gyDtype: number, gxDtype: number): void;
  binary(op: number, a: H, aDtype: number, aStrides: readonly number[], b: H, bDtype: number, bStrides: readonly number[], out: H, outDtype: number, shape: readonly number[]): void;
  binaryScalar(op: number, a: H, aDtype: number, s: number, out: H, outDtype: number, n: number, reversed: boolean): void;
  where(cond: H, condDtype: number, cStrides: readonly number[], a: H, aStrides: readonly number[], b: H, bStrides: readonly number[], out: H, elemBytes: number, shape: readonly number[]): void;
  reduce(op: number, x: H, xDtype: number, out: H, outDtype: number, outer: number, r: number, inner: number): void;
  argReduce(isMax: boolean, x: H, xDtype: number, out: H, outer: number, r: number, inner: number): void;
  sort(x: H, xDtype: number, values: H, indices: H, outer: number, r: number, inner: number, descending: boolean): void;
  cumsum(x: H, xDtype: number, out: H, outDtype: number, outer: number, r: number, inner: number, reverse: boolean): void;
  /** dtype: the one dtype of a, b and c (0 float32, 3 bfloat16, 4 float16; halves accumulate in float32). */
  gemm(a: H, b: H, c: H, dtype: number, batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean, strideA: number, strideB: number, accumulate: boolean): void;
  gemmStrided(a: H, b: H, c: H, dtype: number, batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean, lda: number, ldb: number, ldc: number,
    strideA: number, strideB: number, strideC: number, offsetA: number, offsetB: number, offsetC: number, alpha: number, beta: number): void;
  /** 0: full float32, 1: TF32 tensor cores, 2: bf16 tensor cores. */
  setMatmulPrecision(precision: number): void;
  gather(x: H, elemBytes: number, index: H, out: H, outer: number, rx: number, ri: number, inner: number): void;
  scatterAdd(src: H, dtype: number, index: H, out: H, outer: number, rOut: number, ri: number, inner: number): void;
  indexSelect(x: H, elemBytes: number, index: H, out: H, outer: number, rx: number, nIdx: number, inner: number): void;
  indexAdd(src: H, dtype: number, index: H, out: H, outer: number, rOut: number, nIdx: number, inner: number): void;
  softmax(x: H, out: H, rows: number, cols: number, log: boolean): void;
  softmaxGrad(y: H, gy: H, gx: H, rows: number, cols: number, log: boolean): void;
  causalSoftmax(x: H, out: H, rows: number, cols: number, lq: number, scale: number): void;
  crossEntropy(x: H, target: H, loss: H, lse: H, rows: number, cols: number, ignoreIndex: number): void;
  crossEntropyGrad(x: H, target: H, lse: H, w: H, gx: H, rows: number, cols: number): void;
  causalSoftmaxGrad(y: H, gy: H, gx: H, rows: number, cols: number, lq: number, scale: number): void;
  layerNorm(x: H, weight: HN, bias: HN, out: H, mean: H, rstd: H, rows: number, cols: number, eps: number): void;
  layerNormGrad(x: H, weight: HN, mean: H, rstd: H, gy: H, gx: H, gw: HN, gb: HN, rows: number, cols: number): void;
  im2col(x: H, cols: H, geometry: readonly number[]): void;
  col2im(cols: H, x: H, geometry: readonly number[]): void;
  maxPool2d(x: H, out: H, argmax: H, geometry: readonly number[]): void;
  maxPool2dGrad(gy: H, argmax: H, gx: H, geometry: readonly number[]): void;
  avgPool2d(x: H, out: H, geometry: readonly number[]): void;
  avgPool2dGrad(gy: H, gx: H, geometry: readonly number[]): void;
  adaptiveAvgPool2d(x: H, out: H, planes: number, h: number, w: number, oh: number, ow: number): void;
  adaptiveAvgPool2dGrad(gy: H, gx: H, planes: number, h: number, w: number, oh: number, ow: number): void;
  adamStep(param: H, grad: H, m: H, v: H, n: number, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean, step: number): void;
  /**
   * Adam over many tensors in few launches; the arrays run in parallel, sizes in elements. Optional: an
   * addon built before it existed lacks it (likewise the two attention entries).
   */
  adamStepMulti?(params: readonly H[], grads: readonly H[], ms: readonly H[], vs: readonly H[], sizes: readonly number[], lr: number, beta1: number, beta2: number, eps: number,
    weightDecay: number, decoupled: boolean, step: number): void;
  /**
   * FlashAttention forward. dims: [batch, heads, lq, lk, headDim]; layouts: [offset, batchStride,
   * headStride, rowStride] for q, k, v and out, in that order (16 numbers). dtype: the dtype code of q, k, v
   * and out (0 float32, 3 bfloat16, 4 float16; absent means float32); lse is always float32. False when it
   * does not take the shape.
   */
  flashAttention?(q: H, k: H, v: H, out: H, lse: H, dims: readonly number[], scale: number, causal: boolean, layouts: readonly number[], dtype?: number): boolean;
  /**
   * FlashAttention backward, arguments as flashAttention; gOut uses out's layout, gq/gk/gv q's, k's and v's;
   * dtype is that of every operand but lse.
   */
  flashAttentionGrad?(q: H, k: H, v: H, out: H, gOut: H, lse: H, gq: H, gk: H, gv: H, dims: readonly number[], scale: number, causal: boolean, layouts: readonly number[],
    dtype?: number): boolean;
  /**
   * cuDNN convolution, out = x ⋆ w (no bias), float32 NCHW. geometry: im2col's 14 numbers [n, c, h, w, kh,
   * kw, strideH, strideW, padH, padW, dilationH, dilationW, oh, ow], then cout and groups. False when cuDNN
   * did not load or does not take the shape (nothing queued).
   */
  conv2d?(x: H, w: H, out: H, geometry: readonly number[]): boolean;
  /** cuDNN gradient of conv2d with respect to x; overwrites gx. Arguments and result as conv2d. */
  conv2dGradInput?(gy: H, w: H, gx: H, geometry: readonly number[]): boolean;
  /** cuDNN gradient of conv2d with respect to w; overwrites gw. Arguments and result as conv2d. */
  conv2dGradWeight?(x: H, gy: H, gw: H, geometry: readonly number[]): boolean;
  /** Device-event timing around work queued between the two calls; timerStop waits and returns ms. */
  timerStart(): void;
  timerStop(): number;
  memoryStats(): CudaMemoryStats;
  emptyCache(): void;
}

const ADDON_NAME = "ingot_cuda.node";

/** Where the built addon may be: INGOT_CUDA_ADDON, else build/Release under the package root. */
function candidatePaths(): string[] {
  const out: string[] = [];
  if (process.env.INGOT_CUDA_ADDON) out.push(process.env.INGOT_CUDA_ADDON);
  out.push(join(packageRoot() ?? dirname(fileURLToPath(import.meta.url)), "build", "Release", ADDON_NAME));
  return out;
}

export type AddonLoad = { addon: CudaAddon; info: CudaDeviceInfo; path: string } | { addon: null; reason: string };

let cached: AddonLoad | null = null;

/** Loads and initialises the addon once. Never throws: a missing addon or GPU comes back as a reason. */
export function loadCudaAddon(): AddonLoad {
  if (cached) return cached;
  const path = candidatePaths().find((p) => existsSync(p));
  if (!path) return (cached = { addon: null, reason: `${ADDON_NAME} is not built (run node scripts/build-cuda.mjs where nvcc exists)` });
  try {
    const req = createRequire(import.meta.url);
    const addon = req(path) as CudaAddon;
    const info = addon.init();
    if (!info.ok) return (cached = { addon: null, reason: info.reason || "CUDA initialisation failed" });
    return (cached = { addon, info, path });
  } catch (e) {
    return (cached = { addon: null, reason: `loading ${path} failed: ${e instanceof Error ? e.message : String(e)}` });
  }
}
