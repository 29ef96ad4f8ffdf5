// Single-precision GEMM: C[b] (+)= op(A[b]) · op(B[b]), row-major, batched with element strides.
#pragma once

namespace ingot {

struct GemmParams {
  long batch, m, n, k;
  bool transA, transB;
  long strideA, strideB;  // 0 broadcasts that operand over the batch
  bool accumulate;
};

void sgemm(const float* A, const float* B, float* C, const GemmParams& p);

}  // namespace ingot
