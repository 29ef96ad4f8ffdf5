// Causal self-attention on a packed qkv [B, T, 3·d], forward + backward, on the cuda backend. Two modes:
//   op       causalSelfAttention(qkv, H) and its backward through the op layer: the strided-GEMM path, or
//            flash attention (the default; --flash 0 turns it off with enableFlashSdp(false); flashCalls in
//            the output says which path ran)
//   kernels  CudaBackend.flashAttention + flashAttentionGrad called directly on the packed buffer: the
//            kernels alone, without the op layer
// Prints one JSON line: ms per forward+backward (median of `iters` timed runs after warm-up) and the
// process's peak device memory (inputs included; run each mode in its own process, as device-run.sh does).
// Usage: node dist/bench/gpu/attention.js [--mode op|kernels] [--flash 1|0] [--dtype float32|bfloat16|float16] [--batch 16 --heads 12 --seq 1024 --hd 64 --iters 10 --warmup 3]
import { causalSelfAttention, enableFlashSdp, manualSeed, randn, scope, toDevice, type Tensor } from "../../src/index.js";
import { backendFor } from "../../src/backends/registry.js";
import type { FlashAttentionParams } from "../../src/backends/backend.js";
import type { DType } from "../../src/tensor/dtype.js";
import type { CudaBackend } from "../../src/backends/cuda/index.js";
import { medianTime } from "./median-time.js";

const o = { mode: "op", dtype: "float32", flash: 1, batch: 16, heads: 12, seq: 1024, hd: 64, iters: 10, warmup: 3 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const k = argv[i].replace(/^--/, "") as keyof typeof o;
  if (!(k in o)) throw new Error(`attention bench: unknown option ${argv[i]}`);
  (o as Record<string, string | number>)[k] = k === "mode" || k === "dtype" ? argv[i + 1] : Number(argv[i + 1]);
}
if (o.dtype !== "float32" && o.dtype !== "bfloat16" && o.dtype !== "float16") throw new Error(`attention bench: --dtype must be float32, bfloat16 or float16, got ${o.dtype}`);
const dtype = o.dtype as DType;
if (o.mode !== "op" && o.mode !== "kernels") throw new Error(`attention bench: --mode must be op or kernels, got ${o.mode}`);

enableFlashSdp(o.flash !== 0);
const cuda = backendFor("cuda") as CudaBackend;
const { batch: B, heads: H, seq: T, hd } = o;
const d = H * hd;

// count flash launches, to tell which path the op layer took
let flashCalls = 0;
const fwd = cuda.flashAttention.bind(cuda);
const bwd = cuda.flashAttentionGrad.bind(cuda);
cuda.flashAttention = (...args: Parameters<CudaBackend["flashAttention"]>): boolean => {
  const ran = fwd(...args);
  if (ran) flashCalls++;
  return ran;
};
cuda.flashAttentionGrad = (...args: Parameters<CudaBackend["flashAttentionGrad"]>): boolean => {
  const ran = bwd(...args);
  if (ran) flashCalls++;
  return ran;
};

manualSeed(0);
const qkv = toDevice(randn([B, T, 3 * d]), "cuda").to(dtype).detach().requiresGrad_();
const gOut = toDevice(randn([B, T, d]), "cuda").to(dtype);

function opStep(): void {
  scope(() => {
    const y: Tensor = causalSelfAttention(qkv, H);
    y.backward(gOut);
  });
  qkv.grad?.dispose();
  qkv.grad = null;
}

// the packed layout GPT's attention block hands over: heads side by side in each row of 3·d
const packed = (offset: number): FlashAttentionParams["q"] => ({ offset, batchStride: T * 3 * d, headStride: hd, rowStride: 3 * d });
const params: FlashAttentionParams = {
  batch: B, heads: H, lq: T, lk: T, headDim: hd, scale: 1 / Math.sqrt(hd), causal: true,
  q: packed(0), k: packed(d), v: packed(2 * d), out: { offset: 0, batchStride: T * d, headStride: hd, rowStride: d },
};
const out = cuda.alloc(dtype, B * T * d, false);
const lse = cuda.alloc("float32", B * H * T, false);
const gqkv = cuda.alloc(dtype, B * T * 3 * d, false);

function kernelStep(): void {
  const s = qkv.storage;
  if (!cuda.flashAttention(s, s, s, out, lse, params)) throw new Error("attention bench: flashAttention declined");
  if (!cuda.flashAttentionGrad(s, s, s, out, gOut.storage, lse, gqkv, gqkv, gqkv, params)) throw new Error("attention bench: flashAttentionGrad declined");
}

const step = o.mode === "op" ? opStep : kernelStep;
const { ms, trials: times } = medianTime(step, () => cuda.synchronize(), o.warmup, o.iters);
// causal attention: half of 4·B·H·T²·hd forward FLOPs, 2.5× that for the backward (FlashAttention-2's accounting)
const flops = 0.5 * 4 * B * H * T * T * hd * 3.5;
console.log(JSON.stringify({
  impl: o.mode === "op" ? (flashCalls > 0 ? "ingot-op-flash" : "ingot-op-gemm") : "ingot-flash-kernels",
  dtype, flashCalls, batch: B, heads: H, seq: T, hd,
  msFwdBwd: ms, tflops: flops / (ms / 1000) / 1e12, peakBytes: cuda.memoryStats().peakBytes, trials: times,
}));
