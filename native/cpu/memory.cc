// Strided copies (every transpose/permute/slice/broadcast materialisation), fill and row indexing.
#include <cstdint>
#include <cstring>

#include "kernels.h"
#include "strided.h"
#include "threadpool.h"

namespace ingot {
namespace {

constexpr double kGrain = 65536;

// dst (rows × cols, row stride ds) = transpose of src (cols × rows, row stride ss), in cache-sized tiles.
template <class T>
void transpose2d(const T* src, long ss, T* dst, long ds, long rows, long cols) {
  constexpr long TB = 32;
  for (long i0 = 0; i0 < rows; i0 += TB) {
    const long i1 = i0 + TB < rows ? i0 + TB : rows;
    for (long j0 = 0; j0 < cols; j0 += TB) {
      const long j1 = j0 + TB < cols ? j0 + TB : cols;
      for (long i = i0; i < i1; i++)
        for (long j = j0; j < j1; j++) dst[i * ds + j] = src[j * ss + i];
    }
  }
}

template <class T>
void copy_typed(const T* src, const long* ss, T* dst, const long* ds, int rank, const long* shape) {
  const long* st[2] = {ds, ss};
  Strided<2> it(rank, shape, st);
  if (it.total == 0) return;
  const long n = it.inner(), rows = it.rows();
  const long id = it.strides[0][it.rank - 1], is = it.strides[1][it.rank - 1];
  // 2-D transpose: dst contiguous rows, src reads down columns
  if (it.rank == 2 && id == 1 && is != 1 && it.strides[1][0] == 1 && n > 1) {
    const long dRow = it.strides[0][0];
    parallel_chunks(rows, threads_for((double)it.total, kGrain), 32, [&](long r0, long r1) {
      transpose2d(src + r0, is, dst + r0 * dRow, dRow, r1 - r0, n);
    });
    return;
  }
  auto body = [&](long r0, long r1) {
    it.for_rows(r0, r1, [&](const long* off) {
      T* d = dst + off[0];
      const T* s = src + off[1];
      if (id == 1 && is == 1) std::memcpy(d, s, sizeof(T) * n);
      else if (is == 0) {
        const T v = s[0];
        for (long i = 0; i < n; i++) d[i * id] = v;
      } else
        for (long i = 0; i < n; i++) d[i * id] = s[i * is];
    });
  };
  const int nt = threads_for((double)it.total, kGrain);
  if (nt <= 1 || rows < 2) body(0, rows);
  else parallel_chunks(rows, rows < nt ? (int)rows : nt, 1, body);
}

}  // namespace

void copy_strided(const void* src, long srcOff, const long* srcStrides, void* dst, long dstOff, const long* dstStrides,
                  int rank, const long* shape, int elemSize) {
  switch (elemSize) {
    case 1: copy_typed((const uint8_t*)src + srcOff, srcStrides, (uint8_t*)dst + dstOff, dstStrides, rank, shape); break;
    case 2: copy_typed((const uint16_t*)src + srcOff, srcStrides, (uint16_t*)dst + dstOff, dstStrides, rank, shape); break;
    case 4: copy_typed((const uint32_t*)src + srcOff, srcStrides, (uint32_t*)dst + dstOff, dstStrides, rank, shape); break;
    case 8: copy_typed((const uint64_t*)src + srcOff, srcStrides, (uint64_t*)dst + dstOff, dstStrides, rank, shape); break;
  }
}

void fill_f32(float* out, long n, float v) {
  parallel_chunks(n, threads_for((double)n, 4 * kGrain), 1024, [&](long b, long e) {
    for (long i = b; i < e; i++) out[i] = v;
  });
}

void index_select(const float* x, const int32_t* idx, float* out, long outer, long rx, long nIdx, long inner) {
  parallel_chunks(outer * nIdx, threads_for((double)outer * nIdx * inner, kGrain), 1, [&](long b, long e) {
    for (long t = b; t < e; t++) {
      const long p = t / nIdx, j = t % nIdx;
      std::memcpy(out + t * inner, x + (p * rx + idx[j]) * inner, sizeof(float) * inner);
    }
  });
  (void)rx;
}

void index_add(const float* src, const int32_t* idx, float* out, long outer, long rOut, long nIdx, long inner) {
  // repeated indices collide, so only the outer dim (disjoint output blocks) or columns parallelise
  auto body = [&](long c0, long c1) {
    for (long p = 0; p < outer; p++)
      for (long j = 0; j < nIdx; j++) {
        float* d = out + (p * rOut + idx[j]) * inner;
        const float* s = src + (p * nIdx + j) * inner;
        for (long q = c0; q < c1; q++) d[q] += s[q];
      }
  };
  parallel_chunks(inner, threads_for((double)outer * nIdx * inner, kGrain), 16, body);
}

}  // namespace ingot
