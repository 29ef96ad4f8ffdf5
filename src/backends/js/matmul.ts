import type { MatmulParams } from "../backend.js";
import { f32, type Storage } from "../storage.js";

/** Reference GEMM: i-k-j loop order so the inner loop streams rows of B and C. */
export function matmul(a: Storage, b: Storage, out: Storage, p: MatmulParams): void {
  const A = f32(a);
  const B = f32(b);
  const C = f32(out);
  const { batch, m, n, k, transA, transB, strideA, strideB } = p;
  const row = new Float64Array(n);
  for (let bi = 0; bi < batch; bi++) {
    const oa = bi * strideA;
    const ob = bi * strideB;
    const oc = bi * m * n;
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let kk = 0; kk < k; kk++) {
        const av = transA ? A[oa + kk * m + i] : A[oa + i * k + kk];
        if (transB) for (let j = 0; j < n; j++) row[j] += av * B[ob + j * k + kk];
        else {
          const rb = ob + kk * n;
          for (let j = 0; j < n; j++) row[j] += av * B[rb + j];
        }
      }
      const rc = oc + i * n;
      if (p.accumulate) for (let j = 0; j < n; j++) C[rc + j] += row[j];
      else for (let j = 0; j < n; j++) C[rc + j] = row[j];
    }
  }
}
