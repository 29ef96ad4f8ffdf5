// Philox4x32-10 (Salmon et al. 2011), the counter-based generator of src/tensor/random.ts: block c of
// key (k0, k1) is a pure function of c, so blocks are filled in parallel and the words equal the JS
// reference bit for bit (test/tensor/philox-native.test.ts). Dropout masks and random init draw
// millions of words per step, which the JS version made the slowest part of a training step.
#include <cstdint>

#include "kernels.h"
#include "threadpool.h"

namespace ingot {

namespace {

constexpr uint32_t kM0 = 0xd2511f53u, kM1 = 0xcd9e8d57u, kW0 = 0x9e3779b9u, kW1 = 0xbb67ae85u;

inline void philox_block(uint32_t k0, uint32_t k1, uint64_t counter, uint32_t out[4]) {
  uint32_t c0 = (uint32_t)counter, c1 = (uint32_t)(counter >> 32), c2 = 0, c3 = 0;
  for (int r = 0; r < 10; r++) {
    uint64_t p0 = (uint64_t)kM0 * c0, p1 = (uint64_t)kM1 * c2;
    uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0, hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 += kW0;
    k1 += kW1;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

}  // namespace

void philox_fill(uint32_t* out, long n, uint32_t k0, uint32_t k1, uint64_t counter) {
  long blocks = (n + 3) / 4;
  parallel_chunks(blocks, threads_for((double)blocks, 1 << 15), 1, [&](long b, long e) {
    uint32_t w[4];
    for (long i = b; i < e; i++) {
      philox_block(k0, k1, counter + (uint64_t)i, w);
      long at = 4 * i;
      for (int j = 0; j < 4 && at + j < n; j++) out[at + j] = w[j];
    }
  });
}

}  // namespace ingot
