import { BINARY_CODE, REDUCE_CODE, UNARY_CODE, windowOutputSize, type AdamParams, type AttentionLayout, type Backend, type BinaryOp, type Conv2dParams, type ConvGeometry, type FlashAttentionParams, type MatmulParams, type MatmulPrecision, type StridedMatmulParams, type PoolGeometry, type ReduceOp, type UnaryOp, type UnaryParams } from "../backend.js";
import type { Storage } from "../storage.js";
import { DTYPE_CODE, isFloatingPoint, isHalf, typedArrayFor, type DType, type TypedArray } from "../../tensor/dtype.js";
import { asHostArray } from "../host-array.js";
import type { CudaAddon, CudaDeviceInfo, CudaHandle, CudaMemoryStats } from "./addon.js";

/** Device memory of the cuda backend: a handle into the addon's caching allocator. */
export class CudaStorage implements Storage {
  readonly device = "cuda" as const;
  refs = 1;
  constructor(
    readonly handle: CudaHandle,
    readonly dtype: DType,
    readonly size: number,
  ) {}
}

const MATMUL_PRECISION_CODE: Record<MatmulPrecision, number> = { highest: 0, high: 1, medium: 2 };
const ELEM_BYTES: Record<DType, number> = { float32: 4, int32: 4, bool: 1, bfloat16: 2, float16: 2 };

function cu(s: Storage): CudaStorage {
  if (!(s instanceof CudaStorage)) throw new Error(`cuda backend: expected cuda storage, got ${s.device} storage`);
  return s;
}
function h(s: Storage): CudaHandle {
  return cu(s).handle;
}
function hn(s: Storage | null): CudaHandle | null {
  return s ? h(s) : null;
}
function dt(s: Storage): number {
  return DTYPE_CODE[s.dtype];
}
function float32(kernel: string, ...ss: Storage[]): void {
  for (const s of ss) if (s.dtype !== "float32") throw new Error(`cuda backend: ${kernel} expects float32 storage, got ${s.dtype}`);
}
/** float32, bfloat16 or float16 each (the kernel computes in float and reads each operand by its own dtype). */
function floating(kernel: string, names: readonly string[], ss: readonly Storage[]): void {
  ss.forEach((s, i) => {
    if (!isFloatingPoint(s.dtype)) throw new Error(`cuda backend: ${kernel}: ${names[i]} must be float32, bfloat16 or float16, got ${s.dtype}`);
  });
}
/** cuBLAS GEMMs take A, B and C of one dtype: float32 (TF32 per the matmul precision), or a half with float32 accumulation. */
function gemmDtype(kernel: string, a: Storage, b: Storage, out: Storage): number {
  if (!isFloatingPoint(a.dtype) || a.dtype !== b.dtype || a.dtype !== out.dtype) {
    throw new Error(`cuda backend: ${kernel} needs a, b and out of one dtype (float32, bfloat16 or float16), got ${a.dtype}, ${b.dtype} and ${out.dtype}`);
  }
  return DTYPE_CODE[a.dtype];
}

/**
 * The kernels that take bfloat16/float16 storage natively (loaded as float, computed in float or double,
 * stored rounded to nearest even). scatterAdd/indexAdd are left out on purpose: emulated, they add in
 * float32 and round once, where atomics on halves would round after every addition.
 */
export const CUDA_HALF_KERNELS: ReadonlySet<string> = new Set([
  "unary", "unaryGrad", "binary", "binaryScalar", "where", "reduce", "matmul", "matmulStrided", "gather", "indexSelect",
  "flashAttention", "flashAttentionGrad",
]);
function conv(p: ConvGeometry): number[] {
  return [p.n, p.c, p.h, p.w, p.kh, p.kw, p.strideH, p.strideW, p.padH, p.padW, p.dilationH, p.dilationW, p.oh, p.ow];
}
function pool(p: PoolGeometry): number[] {
  return [p.planes, p.h, p.w, p.kh, p.kw, p.strideH, p.strideW, p.padH, p.padW, p.dilationH, p.dilationW, p.oh, p.ow, p.countIncludePad ? 1 : 0];
}

/**
 * Kernels on an NVIDIA GPU through the native addon (native/cuda). Work is queued on one CUDA stream and
 * runs asynchronously; only download() waits. Memory comes from a size-bucketed caching allocator.
 * float32 matmul uses cuBLAS at the precision setFloat32MatmulPrecision picks (TF32 tensor cores by default);
 * bfloat16/float16 matmul runs on tensor cores with float32 accumulation.
 */
export class CudaBackend implements Backend {
  readonly name = "cuda";
  readonly device = "cuda" as const;
  /** See CUDA_HALF_KERNELS; alloc/upload/download/fill/cast/copyStrided take halves too, as every backend's. */
  readonly halfKernels = CUDA_HALF_KERNELS;

  /**
   * PyTorch's torch.backends.cudnn.enabled: whether convolutions go to cuDNN (when it loaded). Off, they
   * run as im2col + GEMM.
   */
  cudnnEnabled = true;

  constructor(
    readonly addon: CudaAddon,
    readonly info: CudaDeviceInfo,
  ) {}

  /** Turns TF32 tensor-core math for float32 matmul on ("high", the default) or off ("highest"). */
  setTf32(on: boolean): void {
    this.setMatmulPrecision(on ? "high" : "highest");
  }

  setMatmulPrecision(precision: MatmulPrecision): void {
    this.addon.setMatmulPrecision(MATMUL_PRECISION_CODE[precision]);
    this.matmulPrecision = precision;
  }

  /** The float32 matmul precision last set: the flash kernels compute on TF32 tensor cores, so "highest" declines them. */
  private matmulPrecision: MatmulPrecision = "high";

  /** Waits for all queued device work. */
  synchronize(): void {
    this.addon.sync();
  }

  memoryStats(): CudaMemoryStats {
    return this.addon.memoryStats();
  }

  /** Returns cached (free) device blocks to the driver. */
  emptyCache(): void {
    this.addon.emptyCache();
  }

  // ---- memory ----
  alloc(dtype: DType, size: number, zero = true): Storage {
    return new CudaStorage(this.addon.alloc(size * ELEM_BYTES[dtype], zero), dtype, size);
  }

  release(s: Storage): void {
    this.addon.free(h(s));
  }

  upload(data: TypedArray, dtype: DType): Storage {
    const src = asHostArray(data, dtype, "cuda backend: upload");
    const s = this.alloc(dtype, data.length, false);
    this.addon.upload(h(s), src);
    return s;
  }

  download(s: Storage): TypedArray {
    const out = typedArrayFor(s.dtype, s.size);
    this.addon.download(h(s), out);
    return out;
  }

  fill(s: Storage, value: number): void {
    this.addon.fill(h(s), dt(s), s.size, value);
  }

  cast(src: Storage, dst: Storage): void {
    this.addon.cast(h(src), dt(src), h(dst), dt(dst), Math.min(src.size, dst.size));
  }

  copyStrided(src: Storage, srcOffset: number, srcStrides: readonly number[], dst: Storage, dstOffset: number, dstStrides: readonly number[], shape: readonly number[]): void {
    if (src.dtype !== dst.dtype) throw new Error(`cuda backend: copyStrided from ${src.dtype} to ${dst.dtype}`);
    this.addon.copyStrided(h(src), srcOffset, srcStrides, h(dst), dstOffset, dstStrides, shape, ELEM_BYTES[src.dtype]);
  }

  // ---- elementwise ----
  unary(op: UnaryOp, x: Storage, out: Storage, n: number, p: UnaryParams = {}): void {
    const [alpha, min, max, exponent] = unaryArgs(op, p);
    this.addon.unary(UNARY_CODE[op], h(x), dt(x), h(out), dt(out), n, alpha, min, max, exponent);
  }

  unaryGrad(op: UnaryOp, x: Storage, y: Storage, gy: Storage, gx: Storage, n: number, p: UnaryParams = {}): void {
    floating("unaryGrad", ["x", "y", "gy", "gx"], [x, y, gy, gx]);
    const [alpha, min, max, exponent] = unaryArgs(op, p);
    this.addon.unaryGrad(UNARY_CODE[op], h(x), h(y), h(gy), h(gx), n, alpha, min, max, exponent, dt(x), dt(y), dt(gy), dt(gx));
  }

  binary(op: BinaryOp, a: Storage, aStrides: readonly number[], b: Storage, bStrides: readonly number[], out: Storage, shape: readonly number[]): void {
    this.addon.binary(BINARY_CODE[op], h(a), dt(a), aStrides, h(b), dt(b), bStrides, h(out), dt(out), shape);
  }

  binaryScalar(op: BinaryOp, a: Storage, s: number, out: Storage, n: number, reversed: boolean): void {
    this.addon.binaryScalar(BINARY_CODE[op], h(a), dt(a), s, h(out), dt(out), n, reversed);
  }

  where(cond: Storage, cStrides: readonly number[], a: Storage, aStrides: readonly number[], b: Storage, bStrides: readonly number[], out: Storage, shape: readonly number[]): void {
    if (a.dtype !== out.dtype || b.dtype !== out.dtype) throw new Error(`cuda backend: where needs a, b and out of one dtype, got ${a.dtype}, ${b.dtype}, ${out.dtype}`);
    this.addon.where(h(cond), dt(cond), cStrides, h(a), aStrides, h(b), bStrides, h(out), ELEM_BYTES[out.dtype], shape);
  }

  // ---- reductions ----
  reduce(op: ReduceOp, x: Storage, out: Storage, outer: number, r: number, inner: number): void {
    this.addon.reduce(REDUCE_CODE[op], h(x), dt(x), h(out), dt(out), outer, r, inner);
  }

  argReduce(op: "argmax" | "argmin", x: Storage, out: Storage, outer: number, r: number, inner: number): void {
    if (out.dtype !== "int32") throw new Error(`cuda backend: argReduce writes int32, got ${out.dtype}`);
    this.addon.argReduce(op === "argmax", h(x), dt(x), h(out), outer, r, inner);
  }

  cumsum(x: Storage, out: Storage, outer: number, r: number, inner: number, reverse: boolean): void {
    this.addon.cumsum(h(x), dt(x), h(out), dt(out), outer, r, inner, reverse);
  }

  sort(x: Storage, values: Storage, indices: Storage, outer: number, r: number, inner: number, descending: boolean): void {
    if (x.dtype === "bool") throw new Error("cuda backend: sort takes float32 or int32, got bool");
    this.addon.sort(h(x), dt(x), h(values), h(indices), outer, r, inner, descending);
  }

  // ---- linear algebra ----
  matmul(a: Storage, b: Storage, out: Storage, p: MatmulParams): void {
    const code = gemmDtype("matmul", a, b, out);
    this.addon.gemm(h(a), h(b), h(out), code, p.batch, p.m, p.n, p.k, p.transA, p.transB, p.strideA, p.strideB, p.accumulate === true);
  }

  matmulStrided(a: Storage, b: Storage, out: Storage, p: StridedMatmulParams): void {
    const code = gemmDtype("matmulStrided", a, b, out);
    // the addon trusts its offsets: check that every operand stays inside its buffer
    const last = (off: number, stride: number, rows: number, cols: number, ld: number): number => off + (p.batch - 1) * stride + (rows - 1) * ld + cols - 1;
    const inside = (what: string, s: Storage, end: number): void => {
      if (end >= s.size) throw new Error(`cuda backend: matmulStrided: ${what} reaches element ${end} of a buffer of ${s.size}`);
    };
    if (p.batch > 0 && p.m > 0 && p.n > 0 && p.k > 0) {
      inside("A", a, p.transA ? last(p.offsetA, p.strideA, p.k, p.m, p.lda) : last(p.offsetA, p.strideA, p.m, p.k, p.lda));
      inside("B", b, p.transB ? last(p.offsetB, p.strideB, p.n, p.k, p.ldb) : last(p.offsetB, p.strideB, p.k, p.n, p.ldb));
      inside("C", out, last(p.offsetC, p.strideC, p.m, p.n, p.ldc));
    }
    this.addon.gemmStrided(h(a), h(b), h(out), code, p.batch, p.m, p.n, p.k, p.transA, p.transB, p.lda, p.ldb, p.ldc, p.strideA, p.strideB, p.strideC, p.offsetA, p.offsetB, p.offsetC, p.alpha ?? 1, p.beta ?? 0);
  }

  // ---- indexing ----
  gather(x: Storage, index: Storage, out: Storage, outer: number, rx: number, ri: number, inner: number): void {
    this.addon.gather(h(x), ELEM_BYTES[x.dtype], h(index), h(out), outer, rx, ri, inner);
  }

  scatterAdd(src: Storage, index: Storage, out: Storage, outer: number, rOut: number, ri: number, inner: number): void {
    this.addon.scatterAdd(h(src), dt(src), h(index), h(out), outer, rOut, ri, inner);
  }

  indexSelect(x: Storage, index: Storage, out: Storage, outer: number, rx: number, nIdx: number, inner: number): void {
    this.addon.indexSelect(h(x), ELEM_BYTES[x.dtype], h(index), h(out), outer, rx, nIdx, inner);
  }

  indexAdd(src: Storage, index: Storage, out: Storage, outer: number, rOut: number, nIdx: number, inner: number): void {
    this.addon.indexAdd(h(src), dt(src), h(index), h(out), outer, rOut, nIdx, inner);
  }

  // ---- neural-network kernels ----
  softmax(x: Storage, out: Storage, rows: number, cols: number, log: boolean): void {
    float32("softmax", x, out);
    this.addon.softmax(h(x), h(out), rows, cols, log);
  }

  softmaxGrad(y: Storage, gy: Storage, gx: Storage, rows: number, cols: number, log: boolean): void {
    float32("softmaxGrad", y, gy, gx);
    this.addon.softmaxGrad(h(y), h(gy), h(gx), rows, cols, log);
  }

  crossEntropy(x: Storage, target: Storage, loss: Storage, lse: Storage, rows: number, cols: number, ignoreIndex: number): boolean {
    float32("crossEntropy", x, loss, lse);
    if (target.dtype !== "int32") return false;
    this.addon.crossEntropy(h(x), h(target), h(loss), h(lse), rows, cols, ignoreIndex);
    return true;
  }

  crossEntropyGrad(x: Storage, target: Storage, lse: Storage, w: Storage, gx: Storage, rows: number, cols: number): boolean {
    float32("crossEntropyGrad", x, lse, w, gx);
    if (target.dtype !== "int32") return false;
    this.addon.crossEntropyGrad(h(x), h(target), h(lse), h(w), h(gx), rows, cols);
    return true;
  }

  // the fused kernels hold a row in one warp's registers: up to 1024 keys
  causalSoftmax(x: Storage, out: Storage, rows: number, cols: number, lq: number, scale: number): boolean {
    float32("causalSoftmax", x, out);
    if (cols > 1024) return false;
    this.addon.causalSoftmax(h(x), h(out), rows, cols, lq, scale);
    return true;
  }

  causalSoftmaxGrad(y: Storage, gy: Storage, gx: Storage, rows: number, cols: number, lq: number, scale: number): boolean {
    float32("causalSoftmaxGrad", y, gy, gx);
    if (cols > 1024) return false;
    this.addon.causalSoftmaxGrad(h(y), h(gy), h(gx), rows, cols, lq, scale);
    return true;
  }


  layerNorm(x: Storage, weight: Storage | null, bias: Storage | null, out: Storage, mean: Storage, rstd: Storage, rows: number, cols: number, eps: number): void {
    this.addon.layerNorm(h(x), hn(weight), hn(bias), h(out), h(mean), h(rstd), rows, cols, eps);
  }

  layerNormGrad(x: Storage, weight: Storage | null, mean: Storage, rstd: Storage, gy: Storage, gx: Storage, gw: Storage | null, gb: Storage | null, rows: number, cols: number): void {
    this.addon.layerNormGrad(h(x), hn(weight), h(mean), h(rstd), h(gy), h(gx), hn(gw), hn(gb), rows, cols);
  }

  im2col(x: Storage, cols: Storage, p: ConvGeometry): void {
    this.addon.im2col(h(x), h(cols), conv(p));
  }

  col2im(cols: Storage, x: Storage, p: ConvGeometry): void {
    this.addon.col2im(h(cols), h(x), conv(p));
  }

  maxPool2d(x: Storage, out: Storage, argmax: Storage, p: PoolGeometry): void {
    this.addon.maxPool2d(h(x), h(out), h(argmax), pool(p));
  }

  maxPool2dGrad(gy: Storage, argmax: Storage, gx: Storage, p: PoolGeometry): void {
    this.addon.maxPool2dGrad(h(gy), h(argmax), h(gx), pool(p));
  }

  avgPool2d(x: Storage, out: Storage, p: PoolGeometry): void {
    this.addon.avgPool2d(h(x), h(out), pool(p));
  }

  avgPool2dGrad(gy: Storage, gx: Storage, p: PoolGeometry): void {
    this.addon.avgPool2dGrad(h(gy), h(gx), pool(p));
  }

  adaptiveAvgPool2d(x: Storage, out: Storage, planes: number, hh: number, w: number, oh: number, ow: number): void {
    this.addon.adaptiveAvgPool2d(h(x), h(out), planes, hh, w, oh, ow);
  }

  adaptiveAvgPool2dGrad(gy: Storage, gx: Storage, planes: number, hh: number, w: number, oh: number, ow: number): void {
    this.addon.adaptiveAvgPool2dGrad(h(gy), h(gx), planes, hh, w, oh, ow);
  }

  // ---- fused fast paths ----
  adamStep(param: Storage, grad: Storage, m: Storage, v: Storage, n: number, p: AdamParams): void {
    float32("adamStep", param, grad, m, v);
    this.addon.adamStep(h(param), h(grad), h(m), h(v), n, p.lr, p.beta1, p.beta2, p.eps, p.weightDecay, p.decoupled, p.step);
  }

  // ---- fused paths: multi-tensor Adam, FlashAttention-2, cuDNN convolutions ----
  /** Adam/AdamW over every group in few launches (native/cuda/adam-multi.cu); false when not float32. */
  adamStepMulti(params: readonly Storage[], grads: readonly Storage[], ms: readonly Storage[], vs: readonly Storage[], sizes: readonly number[], p: AdamParams): boolean {
    if (!this.addon.adamStepMulti) return false;
    const n = params.length;
    if (grads.length !== n || ms.length !== n || vs.length !== n || sizes.length !== n) {
      throw new Error(`cuda backend: adamStepMulti: ${n} params but ${grads.length} grads, ${ms.length} ms, ${vs.length} vs and ${sizes.length} sizes`);
    }
    const groups = [params, grads, ms, vs];
    if (groups.some((g) => g.some((s) => s.dtype !== "float32"))) return false;
    for (let i = 0; i < n; i++) {
      if (!Number.isInteger(sizes[i]) || sizes[i] < 0) throw new Error(`cuda backend: adamStepMulti: sizes[${i}] must be a non-negative integer, got ${sizes[i]}`);
      for (const [name, g] of [["params", params], ["grads", grads], ["ms", ms], ["vs", vs]] as const) {
        if (g[i].size < sizes[i]) throw new Error(`cuda backend: adamStepMulti: ${name}[${i}] holds ${g[i].size} elements, fewer than sizes[${i}] = ${sizes[i]}`);
      }
    }
    this.addon.adamStepMulti(params.map(h), grads.map(h), ms.map(h), vs.map(h), sizes, p.lr, p.beta1, p.beta2, p.eps, p.weightDecay, p.decoupled, p.step);
    return true;
  }

  /**
   * FlashAttention-2 forward: float32 on TF32 tensor cores (declined at matmul precision "highest"), or
   * bfloat16/float16 on half tensor cores with float32 accumulation; false for shapes and dtypes it does
   * not take (see flashTakes).
   */
  flashAttention(q: Storage, k: Storage, v: Storage, out: Storage, lse: Storage, p: FlashAttentionParams): boolean {
    if (!this.addon.flashAttention) return false;
    const code = flashTakes(p, [q, k, v, out], lse, this.matmulPrecision);
    if (code === null) return false;
    checkFlashOperands("flashAttention", p, [["q", q, p.q, p.lq], ["k", k, p.k, p.lk], ["v", v, p.v, p.lk], ["out", out, p.out, p.lq]], lse);
    const args = [h(q), h(k), h(v), h(out), h(lse), flashDims(p), p.scale, p.causal, flashLayouts(p)] as const;
    // float32 calls keep the dtype-less form, which every build of the addon understands
    return code === DTYPE_CODE.float32 ? this.addon.flashAttention(...args) : this.addon.flashAttention(...args, code);
  }

  /** FlashAttention-2 backward: overwrites gq, gk, gv (which may share one buffer); dtypes and false as flashAttention. */
  flashAttentionGrad(q: Storage, k: Storage, v: Storage, out: Storage, gOut: Storage, lse: Storage, gq: Storage, gk: Storage, gv: Storage, p: FlashAttentionParams): boolean {
    if (!this.addon.flashAttentionGrad) return false;
    const code = flashTakes(p, [q, k, v, out, gOut, gq, gk, gv], lse, this.matmulPrecision);
    if (code === null) return false;
    checkFlashOperands("flashAttentionGrad", p, [
      ["q", q, p.q, p.lq], ["k", k, p.k, p.lk], ["v", v, p.v, p.lk], ["out", out, p.out, p.lq], ["gOut", gOut, p.out, p.lq],
      ["gq", gq, p.q, p.lq], ["gk", gk, p.k, p.lk], ["gv", gv, p.v, p.lk],
    ], lse);
    const args = [h(q), h(k), h(v), h(out), h(gOut), h(lse), h(gq), h(gk), h(gv), flashDims(p), p.scale, p.causal, flashLayouts(p)] as const;
    return code === DTYPE_CODE.float32 ? this.addon.flashAttentionGrad(...args) : this.addon.flashAttentionGrad(...args, code);
  }

  /** out = x ⋆ w through cuDNN (native/cuda/cudnn.cu); false when cudnnEnabled is off, not float32, or cuDNN does not take it. */
  conv2d(x: Storage, w: Storage, out: Storage, p: Conv2dParams): boolean {
    if (!this.cudnnEnabled || !this.addon.conv2d || !convTakes("conv2d", p, [x, w, out])) return false;
    checkConvOperands("conv2d", p, [["x", x, xElements(p)], ["w", w, wElements(p)], ["out", out, outElements(p)]]);
    return this.addon.conv2d(h(x), h(w), h(out), convParams(p));
  }

  /** gx = the gradient of conv2d with respect to x, from gy, through cuDNN (overwritten); false as conv2d. */
  conv2dGradInput(gy: Storage, w: Storage, gx: Storage, p: Conv2dParams): boolean {
    if (!this.cudnnEnabled || !this.addon.conv2dGradInput || !convTakes("conv2dGradInput", p, [gy, w, gx])) return false;
    checkConvOperands("conv2dGradInput", p, [["gy", gy, outElements(p)], ["w", w, wElements(p)], ["gx", gx, xElements(p)]]);
    return this.addon.conv2dGradInput(h(gy), h(w), h(gx), convParams(p));
  }

  /** gw = the gradient of conv2d with respect to w, from x and gy, through cuDNN (overwritten); false as conv2d. */
  conv2dGradWeight(x: Storage, gy: Storage, gw: Storage, p: Conv2dParams): boolean {
    if (!this.cudnnEnabled || !this.addon.conv2dGradWeight || !convTakes("conv2dGradWeight", p, [x, gy, gw])) return false;
    checkConvOperands("conv2dGradWeight", p, [["x", x, xElements(p)], ["gy", gy, outElements(p)], ["gw", gw, wElements(p)]]);
    return this.addon.conv2dGradWeight(h(x), h(gy), h(gw), convParams(p));
  }
}

/** cuDNN's 4-d descriptors take int sizes and index a tensor with 32-bit element counts. */
const CUDNN_MAX_ELEMENTS = 2 ** 31 - 1;

const xElements = (p: Conv2dParams): number => p.n * p.c * p.h * p.w;
const wElements = (p: Conv2dParams): number => p.cout * (p.c / p.groups) * p.kh * p.kw;
const outElements = (p: Conv2dParams): number => p.n * p.cout * p.oh * p.ow;

/**
 * Whether cuDNN is asked at all: float32 operands, no empty tensor, every tensor under 2^31 elements.
 * A geometry that contradicts itself (groups that do not divide the channels, an output size the
 * window does not give) is a caller's bug: a clear error, not a silent fallback.
 */
function convTakes(op: string, p: Conv2dParams, storages: readonly Storage[]): boolean {
  if (storages.some((s) => s.dtype !== "float32")) return false;
  checkConvGeometry(op, p);
  if ([p.n, p.c, p.h, p.w, p.cout, p.oh, p.ow].some((x) => x === 0)) return false;
  return [xElements(p), wElements(p), outElements(p)].every((n) => n <= CUDNN_MAX_ELEMENTS);
}

function checkConvGeometry(op: string, p: Conv2dParams): void {
  const fields = ["n", "c", "h", "w", "kh", "kw", "strideH", "strideW", "padH", "padW", "dilationH", "dilationW", "oh", "ow", "cout", "groups"] as const;
  for (const f of fields) {
    if (!Number.isInteger(p[f]) || p[f] < 0) throw new Error(`cuda backend: ${op}: ${f} must be a non-negative integer, got ${p[f]}`);
  }
  for (const f of ["kh", "kw", "strideH", "strideW", "dilationH", "dilationW", "groups"] as const) {
    if (p[f] < 1) throw new Error(`cuda backend: ${op}: ${f} must be at least 1, got ${p[f]}`);
  }
  if (p.c % p.groups !== 0 || p.cout % p.groups !== 0) throw new Error(`cuda backend: ${op}: groups=${p.groups} must divide input channels ${p.c} and output channels ${p.cout}`);
  const oh = windowOutputSize(p.h, p.kh, p.strideH, p.padH, p.dilationH), ow = windowOutputSize(p.w, p.kw, p.strideW, p.padW, p.dilationW);
  if (p.oh !== oh || p.ow !== ow) throw new Error(`cuda backend: ${op}: output [${p.oh}, ${p.ow}] does not match the window over [${p.h}, ${p.w}], which gives [${oh}, ${ow}]`);
}

/** The addon trusts its sizes: each operand must hold the elements the geometry reads or writes. */
function checkConvOperands(op: string, p: Conv2dParams, operands: ReadonlyArray<readonly [string, Storage, number]>): void {
  for (const [name, s, need] of operands) {
    if (s.size < need) throw new Error(`cuda backend: ${op}: ${name} holds ${s.size} elements, the geometry needs ${need} (n=${p.n}, c=${p.c}, ${p.h}×${p.w}, cout=${p.cout}, groups=${p.groups}, kernel ${p.kh}×${p.kw}, out ${p.oh}×${p.ow})`);
  }
}

function convParams(p: Conv2dParams): number[] {
  return [...conv(p), p.cout, p.groups];
}

/** The largest head size the flash kernels are compiled for (smaller ones are zero-padded up to 32, 64, 96 or 128). */
const FLASH_MAX_HEAD_DIM = 128;
/** batch·heads is the grid's y dimension. */
const FLASH_MAX_BATCH_HEADS = 65535;

/**
 * The dtype code the flash kernels run these operands at, or null when they do not take the call: every
 * operand but lse of one dtype, float32 (not at matmul precision "highest": the products are TF32) or a
 * half (any precision: its products are exact in float32); lse float32; head size up to 128, at least one
 * key, non-negative integer layouts.
 */
function flashTakes(p: FlashAttentionParams, operands: readonly Storage[], lse: Storage, precision: MatmulPrecision): number | null {
  const dtype = operands[0].dtype;
  if (operands.some((s) => s.dtype !== dtype) || lse.dtype !== "float32") return null;
  if (dtype === "float32" ? precision === "highest" : !isHalf(dtype)) return null;
  if (!(p.headDim >= 1 && p.headDim <= FLASH_MAX_HEAD_DIM) || p.lk < 1 || p.batch * p.heads > FLASH_MAX_BATCH_HEADS) return null;
  if (![...flashDims(p), ...flashLayouts(p)].every((x) => Number.isInteger(x) && x >= 0)) return null;
  return DTYPE_CODE[dtype];
}

/** The addon trusts its layouts: every operand's last element must lie inside its buffer, and lse must hold batch·heads·lq. */
function checkFlashOperands(op: string, p: FlashAttentionParams, operands: ReadonlyArray<readonly [string, Storage, AttentionLayout, number]>, lse: Storage): void {
  for (const [name, s, l, rows] of operands) {
    if (p.batch === 0 || rows === 0) continue;
    const last = l.offset + (p.batch - 1) * l.batchStride + (p.heads - 1) * l.headStride + (rows - 1) * l.rowStride + p.headDim - 1;
    if (last >= s.size) {
      throw new Error(`cuda backend: ${op}: ${name} (offset ${l.offset}, strides [${l.batchStride}, ${l.headStride}, ${l.rowStride}]) reaches element ${last} of a buffer of ${s.size}`);
    }
  }
  const need = p.batch * p.heads * p.lq;
  if (lse.size < need) throw new Error(`cuda backend: ${op}: lse holds ${lse.size} elements, expected batch·heads·lq = ${need}`);
}

function flashDims(p: FlashAttentionParams): number[] {
  return [p.batch, p.heads, p.lq, p.lk, p.headDim];
}

function flashLayouts(p: FlashAttentionParams): number[] {
  return [p.q, p.k, p.v, p.out].flatMap((l) => [l.offset, l.batchStride, l.headStride, l.rowStride]);
}

function unaryArgs(op: UnaryOp, p: UnaryParams): [number, number, number, number] {
  const alpha = p.alpha ?? (op === "leakyRelu" ? 0.01 : 1);
  return [alpha, p.min ?? -Infinity, p.max ?? Infinity, p.exponent ?? 1];
}
