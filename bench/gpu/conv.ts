// A k×k convolution (stride 1, "same" padding, no bias), forward + backward (grad x and grad w), float32
// NCHW, on the cuda backend through the op layer: im2col + batched GEMM, or cuDNN where the op layer
// routes to it (the default where libcudnn loads, from INGOT_CUDNN or the loader path; --cudnn 0 sets
// cudnnEnabled = false). dnnCalls in the output says which path ran.
// Prints one JSON line: ms per forward+backward (median of `iters` timed runs after warm-up) and the
// process's peak device memory (inputs included; run each configuration in its own process).
// Usage: node dist/bench/gpu/conv.js [--cudnn 1|0] [--batch 64 --cin 64 --cout 64 --size 56 --k 3 --iters 10 --warmup 3]
import { conv2d, manualSeed, randn, scope, toDevice, type Tensor } from "../../src/index.js";
import { backendFor } from "../../src/backends/registry.js";
import type { CudaBackend } from "../../src/backends/cuda/index.js";
import { medianTime } from "./median-time.js";

const o = { cudnn: 1, batch: 64, cin: 64, cout: 64, size: 56, k: 3, iters: 10, warmup: 3 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const k = argv[i].replace(/^--/, "") as keyof typeof o;
  if (!(k in o)) throw new Error(`conv bench: unknown option ${argv[i]}`);
  const v = Number(argv[i + 1]);
  if (!Number.isInteger(v) || v < (k === "cudnn" ? 0 : 1)) throw new Error(`conv bench: ${argv[i]} needs a positive integer, got ${argv[i + 1]}`);
  o[k] = v;
}
if (o.k % 2 !== 1) throw new Error(`conv bench: --k must be odd ("same" padding), got ${o.k}`);

const cuda = backendFor("cuda") as CudaBackend;
cuda.cudnnEnabled = o.cudnn !== 0;
const { batch: N, cin: C, cout: K, size: S, k } = o;

// count the cuDNN launches that ran, to tell which path the op layer took
let dnnCalls = 0;
for (const name of ["conv2d", "conv2dGradInput", "conv2dGradWeight"] as const) {
  const kernel = cuda[name].bind(cuda) as (...args: Parameters<CudaBackend[typeof name]>) => boolean;
  cuda[name] = (...args: Parameters<CudaBackend[typeof name]>): boolean => {
    const ran = kernel(...args);
    if (ran) dnnCalls++;
    return ran;
  };
}

manualSeed(0);
const x = toDevice(randn([N, C, S, S]), "cuda").detach().requiresGrad_();
const w = toDevice(randn([K, C, k, k]).mul(1 / Math.sqrt(C * k * k)), "cuda").detach().requiresGrad_();
const gOut = toDevice(randn([N, K, S, S]), "cuda");

function step(): void {
  scope(() => {
    const y: Tensor = conv2d(x, w, null, { padding: (k - 1) / 2 });
    y.backward(gOut);
  });
  for (const t of [x, w]) {
    t.grad?.dispose();
    t.grad = null;
  }
}

const { ms, trials: times } = medianTime(step, () => cuda.synchronize(), o.warmup, o.iters);
// forward 2·N·K·S²·C·k² FLOPs; grad x and grad w as much again each
const flops = 3 * 2 * N * K * S * S * C * k * k;
console.log(JSON.stringify({
  impl: dnnCalls > 0 ? "ingot-op-cudnn" : "ingot-op-im2col", cudnnError: cuda.info.cudnnError ?? "(addon without cuDNN)",
  cudnnVersion: cuda.info.cudnnVersion ?? 0, dnnCalls, batch: N, cin: C, cout: K, size: S, k,
  msFwdBwd: ms, tflops: flops / (ms / 1000) / 1e12, peakBytes: cuda.memoryStats().peakBytes, trials: times,
}));
