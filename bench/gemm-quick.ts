// Quick SGEMM throughput check of the active host backend (not a test): best-of-N wall time per shape.
// Run: npx tsx bench/gemm-quick.ts   (compare with PyTorch on the same machine for the GFLOP/s targets)
import { HostStorage, getBackend } from "../src/index.js";

const b = getBackend();
const rand = (n: number): HostStorage => new HostStorage(Float32Array.from({ length: n }, () => Math.random() - 0.5), "float32");

function bench(m: number, k: number, n: number, reps: number): number {
  const A = rand(m * k), B = rand(k * n), C = rand(m * n);
  const p = { batch: 1, m, n, k, transA: false, transB: false, strideA: 0, strideB: 0 };
  for (let i = 0; i < 3; i++) b.matmul(A, B, C, p);
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    b.matmul(A, B, C, p);
    best = Math.min(best, performance.now() - t);
  }
  return best / 1e3;
}

console.log(`backend ${b.name}`);
for (const s of [256, 512, 1024, 2048]) {
  const t = bench(s, s, s, Math.max(10, Math.round(8e9 / (2 * s ** 3))));
  console.log(`${s}^3: ${((2 * s ** 3) / t / 1e9).toFixed(1)} GFLOP/s`);
}
for (const [m, k, n] of [[32, 1000, 64], [32, 64, 64]]) {
  console.log(`${m}x${k}x${n}: best ${(bench(m, k, n, 2000) * 1e6).toFixed(2)} us`);
}
