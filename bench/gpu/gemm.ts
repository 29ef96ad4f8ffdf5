// GEMM throughput of the cuda backend: TF32 SGEMM 4096³ (through the addon and through CudaBackend.matmul)
// and bf16 GEMM 8192³, in TFLOP/s, timed with device events. Prints one JSON object; with a path
// argument also writes it there (bench/gpu/gemm_torch.py reads it to print ratios against PyTorch).
import { writeFileSync } from "node:fs";
import { loadCudaAddon, type CudaAddon, type CudaHandle } from "../../src/backends/cuda/addon.js";
import { CudaBackend } from "../../src/backends/cuda/index.js";

interface Result {
  name: string;
  n: number;
  msMedian: number;
  tflops: number;
  trials: number[];
}

function randomF32(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 4294967296 - 0.5;
  }
  return a;
}

function toBf16(a: Float32Array): Uint16Array {
  const u = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const out = new Uint16Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = u[i] >>> 16;
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeIt(addon: CudaAddon, name: string, n: number, iters: number, trials: number, run: () => void): Result {
  for (let i = 0; i < 10; i++) run();
  addon.sync();
  const ms: number[] = [];
  for (let t = 0; t < trials; t++) {
    addon.timerStart();
    for (let i = 0; i < iters; i++) run();
    ms.push(addon.timerStop() / iters);
  }
  const m = median(ms);
  return { name, n, msMedian: m, tflops: (2 * n ** 3) / (m * 1e-3) / 1e12, trials: ms };
}

const loaded = loadCudaAddon();
if (!loaded.addon) {
  console.log(JSON.stringify({ error: loaded.reason }));
  process.exit(1);
}
const addon = loaded.addon;
const results: Result[] = [];

{
  const n = 4096;
  const a = addon.alloc(n * n * 4, false);
  const b = addon.alloc(n * n * 4, false);
  const c = addon.alloc(n * n * 4, false);
  addon.upload(a, randomF32(n * n, 1));
  addon.upload(b, randomF32(n * n, 2));
  addon.setMatmulPrecision(1);
  results.push(timeIt(addon, "tf32 sgemm (addon)", n, 20, 7, () => addon.gemm(a, b, c, 0, 1, n, n, n, false, false, 0, 0, false)));
  const backend = new CudaBackend(addon, loaded.info);
  const sa = backend.upload(randomF32(n * n, 3), "float32");
  const sb = backend.upload(randomF32(n * n, 4), "float32");
  const sc = backend.alloc("float32", n * n, false);
  const p = { batch: 1, m: n, n, k: n, transA: false, transB: false, strideA: 0, strideB: 0 };
  results.push(timeIt(addon, "tf32 sgemm (CudaBackend.matmul)", n, 20, 7, () => backend.matmul(sa, sb, sc, p)));
  // float32 in and out on bf16 tensor cores: setFloat32MatmulPrecision("medium")
  backend.setMatmulPrecision("medium");
  results.push(timeIt(addon, "fp32 medium (bf16 cores) sgemm", n, 20, 7, () => backend.matmul(sa, sb, sc, p)));
  backend.setMatmulPrecision("high");
  for (const s of [sa, sb, sc]) backend.release(s);
  for (const h of [a, b, c] as CudaHandle[]) addon.free(h);
}
{
  const n = 8192;
  const a = addon.alloc(n * n * 2, false);
  const b = addon.alloc(n * n * 2, false);
  const c = addon.alloc(n * n * 2, false);
  addon.upload(a, toBf16(randomF32(n * n, 5)));
  addon.upload(b, toBf16(randomF32(n * n, 6)));
  results.push(timeIt(addon, "bf16 gemm (addon)", n, 10, 7, () => addon.gemm(a, b, c, 3, 1, n, n, n, false, false, 0, 0, false)));
  for (const h of [a, b, c]) addon.free(h);
}

const report = { device: loaded.info.name, results };
const json = JSON.stringify(report);
console.log(json);
if (process.argv[2]) writeFileSync(process.argv[2], json);
