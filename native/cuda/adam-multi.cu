// Multi-tensor Adam/AdamW step: one launch updates up to 64 tensors.
//
// Written without a GPU to run it on: the TypeScript backend keeps it off unless INGOT_CUDA_UNVERIFIED=1,
// until test/backends/cuda.test.ts has passed on a GPU host.
#include "kernels.h"

#include <climits>
#include <stdexcept>
#include <string>

namespace ingot {
namespace {

// Multi-tensor Adam/AdamW (PyTorch's multi_tensor_apply): up to kAdamGroup tensors' pointers travel in
// the kernel's arguments (about 2.8 KB, under the 4 KB every CUDA version allows); each block updates
// one kAdamChunk-element chunk of one tensor, found by a binary search of the chunk prefix sums.
constexpr int kAdamGroup = 64;
constexpr int kAdamChunk = 16384;
constexpr int kAdamThreads = 256;

struct AdamGroup {
  float* p[kAdamGroup];
  const float* g[kAdamGroup];
  float* m[kAdamGroup];
  float* v[kAdamGroup];
  int64_t n[kAdamGroup];
  int firstBlock[kAdamGroup + 1];  // tensor t owns blocks [firstBlock[t], firstBlock[t + 1])
  int count;
};
static_assert(sizeof(AdamGroup) + 64 <= 4096, "multi-tensor Adam arguments must fit the 4 KB kernel parameter limit");

// __grid_constant__: the group is indexed with a run-time tensor number; this keeps it in the
// parameter bank instead of copying 2.8 KB into every thread's local memory
__global__ void __launch_bounds__(kAdamThreads) adamMultiKernel(const __grid_constant__ AdamGroup grp, float lr, float b1, float b2, float eps, float wd, bool decoupled,
                                                                float stepSize, float sqrtBc2) {
  const int blk = blockIdx.x;
  int lo = 0, hi = grp.count - 1;
  while (lo < hi) {
    const int mid = (lo + hi + 1) >> 1;
    if (grp.firstBlock[mid] <= blk) lo = mid;
    else hi = mid - 1;
  }
  float* __restrict__ p = grp.p[lo];
  const float* __restrict__ g = grp.g[lo];
  float* __restrict__ m = grp.m[lo];
  float* __restrict__ v = grp.v[lo];
  const int64_t start = (int64_t)(blk - grp.firstBlock[lo]) * kAdamChunk;
  const int64_t end = min(grp.n[lo], start + kAdamChunk);
  for (int64_t i = start + threadIdx.x; i < end; i += kAdamThreads) adamElement(p, g, m, v, i, lr, b1, b2, eps, wd, decoupled, stepSize, sqrtBc2);
}

}  // namespace

void adamStepMulti(float* const* p, const float* const* g, float* const* m, float* const* v, const int64_t* n, int count, float lr, float b1, float b2, float eps, float wd,
                   bool decoupled, float stepSize, float sqrtBc2, cudaStream_t s) {
  AdamGroup grp{};
  int blocks = 0;
  auto flush = [&]() {
    if (grp.count == 0) return;
    grp.firstBlock[grp.count] = blocks;
    adamMultiKernel<<<blocks, kAdamThreads, 0, s>>>(grp, lr, b1, b2, eps, wd, decoupled, stepSize, sqrtBc2);
    checkLaunch("adamStepMulti");
    grp.count = 0;
    blocks = 0;
  };
  for (int i = 0; i < count; i++) {
    if (n[i] <= 0) continue;
    const int64_t chunks = (n[i] + kAdamChunk - 1) / kAdamChunk;
    if (chunks > INT_MAX / 2) throw std::runtime_error("cuda backend: adamStepMulti: a tensor of " + std::to_string(n[i]) + " elements is too large");
    if (grp.count == kAdamGroup || blocks + chunks > INT_MAX / 2) flush();
    grp.p[grp.count] = p[i];
    grp.g[grp.count] = g[i];
    grp.m[grp.count] = m[i];
    grp.v[grp.count] = v[i];
    grp.n[grp.count] = n[i];
    grp.firstBlock[grp.count] = blocks;
    grp.count++;
    blocks += (int)chunks;
  }
  flush();
}

}  // namespace ingot
