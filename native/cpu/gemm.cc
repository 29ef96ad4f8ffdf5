// BLIS-style SGEMM. C is row-major, so the vector dimension is n: B is packed into KC×NR panels
// (NR = NV·W columns, one zmm per 16), A into KC×MR panels (MR rows, broadcast one element at a time).
// Loop order jc → pc → ic → ir → jr keeps one A micro-panel in L1 while the packed B block (KC×NC)
// streams from L2; transposes are absorbed by the packing routines.
#include "gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "simd.h"
#include "threadpool.h"

namespace ingot {
namespace {

using S = Simd;
constexpr int W = S::W;
#if defined(__AVX512F__)
constexpr int MR = 12, NV = 2;  // 24 zmm accumulators + 2 B vectors + 1 broadcast
constexpr bool kDirectB = true;  // masked loads let the kernel read an unpacked B with any n
#elif defined(__AVX2__) && defined(__FMA__)
constexpr int MR = 6, NV = 2;  // 12 ymm accumulators
constexpr bool kDirectB = true;
#else
constexpr int MR = 4, NV = 4;
constexpr bool kDirectB = false;
#endif
constexpr int NR = NV * W;
#ifndef INGOT_KC
#define INGOT_KC 384
#define INGOT_NC 480
#define INGOT_MC 3072
#endif
constexpr long KC = INGOT_KC;                 // A micro-panel MR·KC·4 bytes stays in L1
constexpr long NC = INGOT_NC / NR * NR;       // packed B block KC·NC·4 bytes (~720 KiB) stays in L2
constexpr long MC = INGOT_MC / MR * MR;       // rows of A packed at a time (the packed A block lives in L2/L3)

constexpr long kPrefetchRows = 16;
constexpr long kPackANMin = 512;  // pack A only for outputs wider than this (see should_pack_a)

// One MR×NR tile (R ≤ MR rows, NVk ≤ NV vectors): c[0:R, 0:nr] (+)= a · b over kc.
// A is read in one of two layouts, so it is transposed into panels only where that pays:
//   RowsA = false: element (i, p) at a[p·ak + i] (a packed panel, ak = MR; or a transposed A, ak = lda)
//   RowsA = true:  element (i, p) at a[i·ak + p] (row-major A read in place: R row streams)
// `b` has stride ldb per k (NR when packed, n when read in place).
template <int R, int NVk, bool MaskB, bool RowsA>
void ukernel(long kc, const float* __restrict a, long ak, const float* __restrict b, long ldb, float* __restrict c, long ldc,
             int nr, bool add) {
  S::V acc[R][NVk];
  for (int i = 0; i < R; i++)
    for (int v = 0; v < NVk; v++) acc[i][v] = S::zero();
  S::M mk[NVk];
  for (int v = 0; v < NVk; v++) mk[v] = S::mask(nr - v * W);
  const float* rows[RowsA ? R : 1];
  if (RowsA)
    for (int i = 0; i < R; i++) rows[i] = a + i * ak;
  for (long p = 0; p < kc; p++) {
    if (!MaskB) {  // B streams from L2; pull it into L1 a few rows ahead
      __builtin_prefetch(b + kPrefetchRows * ldb);
      if (NVk * W > 16) __builtin_prefetch(b + kPrefetchRows * ldb + 16);
    }
    S::V bv[NVk];
    for (int v = 0; v < NVk; v++) bv[v] = MaskB ? S::loadm(b + v * W, mk[v]) : S::load(b + v * W);
    for (int i = 0; i < R; i++) {
      S::V av = S::set1(RowsA ? rows[i][p] : a[i]);
      for (int v = 0; v < NVk; v++) acc[i][v] = S::fma(av, bv[v], acc[i][v]);
    }
    if (!RowsA) a += ak;
    b += ldb;
  }
  if (nr == NVk * W) {
    for (int i = 0; i < R; i++)
      for (int v = 0; v < NVk; v++) {
        float* p = c + i * ldc + v * W;
        S::store(p, add ? S::add(S::load(p), acc[i][v]) : acc[i][v]);
      }
  } else {
    for (int i = 0; i < R; i++)
      for (int v = 0; v < NVk; v++) {
        float* p = c + i * ldc + v * W;
        S::storem(p, add ? S::add(S::loadm(p, mk[v]), acc[i][v]) : acc[i][v], mk[v]);
      }
  }
}

using Kernel = void (*)(long, const float*, long, const float*, long, float*, long, int, bool);

template <int NVk, bool MaskB, bool RowsA, int... Rs>
struct KTable {
  static constexpr Kernel table[sizeof...(Rs)] = {&ukernel<Rs + 1, NVk, MaskB, RowsA>...};
};

template <int NVk, bool MaskB, bool RowsA, int... Rs>
constexpr Kernel KTable<NVk, MaskB, RowsA, Rs...>::table[sizeof...(Rs)];

template <int NVk, bool MaskB, bool RowsA, int... Rs>
constexpr const Kernel* make_table(std::integer_sequence<int, Rs...>) {
  return KTable<NVk, MaskB, RowsA, Rs...>::table;
}

using Rows = std::make_integer_sequence<int, MR>;
// kernels[rowsA][nvIndex][maskB][rows-1]; nvIndex 0 uses one vector (narrow edge), 1 the full NV.
const Kernel* const kKernels[2][2][2] = {
    {{make_table<1, false, false>(Rows{}), make_table<1, true, false>(Rows{})},
     {make_table<NV, false, false>(Rows{}), make_table<NV, true, false>(Rows{})}},
    {{make_table<1, false, true>(Rows{}), make_table<1, true, true>(Rows{})},
     {make_table<NV, false, true>(Rows{}), make_table<NV, true, true>(Rows{})}},
};

inline void run_tile(int rows, int nr, bool maskB, bool rowsA, long kc, const float* a, long ak, const float* b, long ldb, float* c,
                     long ldc, bool add) {
  int nvi = (NV > 1 && nr <= W) ? 0 : 1;
  kKernels[rowsA ? 1 : 0][nvi][maskB ? 1 : 0][rows - 1](kc, a, ak, b, ldb, c, ldc, nr, add);
}

#if defined(__AVX512F__)
// In-place transpose of a 16×16 float block held in 16 zmm registers (r[i] = row i on entry, column i on exit).
inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
    r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
    r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  // now each 128-bit lane L of r[i] holds a 4x4 sub-block; interleave lanes across groups of rows
  for (int i = 0; i < 4; i++) {
    t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
    t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xDD);
    t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
    t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xDD);
  }
  for (int i = 0; i < 4; i++) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
    r[i + 4] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0x88);
    r[i + 12] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0xDD);
  }
}
#endif

// Packs rows [0, mc) × k [0, kc) of a(i, p) = A[i·rs + p·cs] into MR-row panels, zero-padding the last.
void pack_a(const float* A, long rs, long cs, long mc, long kc, float* out) {
  for (long i0 = 0; i0 < mc; i0 += MR) {
    long r = std::min<long>(MR, mc - i0);
    float* dst = out + i0 * kc;
    const float* src = A + i0 * rs;
    if (cs == 1) {
      // rows contiguous in k: transpose in blocks of 16 k so source lines and destination stay in L1
      for (long p0 = 0; p0 < kc; p0 += 16) {
        const long p1 = std::min(kc, p0 + 16);
        for (long i = 0; i < r; i++) {
          const float* s = src + i * rs;
          for (long p = p0; p < p1; p++) dst[p * MR + i] = s[p];
        }
        for (long i = r; i < MR; i++)
          for (long p = p0; p < p1; p++) dst[p * MR + i] = 0.f;
      }
    } else {
      for (long p = 0; p < kc; p++) {
        const float* s = src + p * cs;
        for (long i = 0; i < r; i++) dst[p * MR + i] = s[i * rs];
        for (long i = r; i < MR; i++) dst[p * MR + i] = 0.f;
      }
    }
  }
}

// Packs k [0, kc) × cols [0, nc) of b(p, j) = B[p·rs + j·cs] into NR-column panels (zero-padded).
// Non-transposed B is read row by row (sequential, prefetch-friendly) and scattered to the panels.
void pack_b(const float* B, long rs, long cs, long kc, long nc, float* out) {
  const long full = nc / NR * NR, w = nc - full;
  if (cs == 1) {
    for (long p = 0; p < kc; p++) {
      const float* src = B + p * rs;
      float* dst = out + p * NR;
      for (long j0 = 0; j0 < full; j0 += NR) std::memcpy(dst + j0 * kc, src + j0, NR * sizeof(float));
      if (w) {
        std::memcpy(dst + full * kc, src + full, w * sizeof(float));
        std::memset(dst + full * kc + w, 0, (NR - w) * sizeof(float));
      }
    }
    return;
  }
  // transposed B: each column is contiguous in k.
#if defined(__AVX512F__)
  if (rs == 1) {
  // 16 columns × 16 k at a time: 16 contiguous loads, an in-register transpose, 16 stores
  // (~0.1 ns/element; gathers took ~1 ns and a scalar transposing copy ~4 ns).
  for (long j0 = 0; j0 < nc; j0 += NR) {
    float* dst = out + j0 * kc;
    for (int v = 0; v < NV; v++) {
      const long jv = j0 + v * W;
      const int cols = (int)std::max<long>(0, std::min<long>(W, nc - jv));
      for (long p0 = 0; p0 < kc; p0 += 16) {
        const int ks = (int)std::min<long>(16, kc - p0);
        const __mmask16 km = S::mask(ks);
        __m512 r[16];
        for (int j = 0; j < 16; j++) r[j] = j < cols ? _mm512_maskz_loadu_ps(km, B + (jv + j) * cs + p0 * rs) : _mm512_setzero_ps();
        transpose16(r);
        for (int q = 0; q < ks; q++) _mm512_storeu_ps(dst + (p0 + q) * NR + v * W, r[q]);
      }
    }
  }
  return;
  }
#endif
  // Scalar: transpose in blocks of 16 k-rows so the destination rows and one line of each source
  // column stay in L1.
  constexpr long kBlk = 16;
  for (long j0 = 0; j0 < nc; j0 += NR) {
    const long wj = std::min<long>(NR, nc - j0);
    float* dst = out + j0 * kc;
    for (long p0 = 0; p0 < kc; p0 += kBlk) {
      const long p1 = std::min(kc, p0 + kBlk);
      for (long j = 0; j < wj; j++) {
        const float* s = B + (j0 + j) * cs;
        for (long p = p0; p < p1; p++) dst[p * NR + j] = s[p * rs];
      }
      for (long p = p0; p < p1 && wj < NR; p++) std::memset(dst + p * NR + wj, 0, (NR - wj) * sizeof(float));
    }
  }
}

// Per-thread packing buffers, grown on demand and kept for the next call.
struct Buffers {
  float* a = nullptr;
  float* b = nullptr;
  size_t na = 0, nb = 0;
  ~Buffers() {
    std::free(a);
    std::free(b);
  }
  static float* grow(float*& p, size_t& cap, size_t n) {
    if (n > cap) {
      std::free(p);
      p = static_cast<float*>(std::aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64));
      cap = n;
    }
    return p;
  }
};

thread_local Buffers tls;

// Whether to transpose A into MR-row panels (the classic BLIS layout) or let the micro-kernel read it in
// place. Packing costs one transposing copy of A per k-block and pays back over the n/NR tiles that reuse
// each panel; for the narrow outputs of most layers (n ≤ a few hundred) reading A in place wins.
// INGOT_GEMM_PACK_A=always|never overrides the choice (for measurement).
int pack_a_mode() {
  static const int mode = [] {
    const char* e = std::getenv("INGOT_GEMM_PACK_A");
    if (!e) return 0;
    return std::strcmp(e, "always") == 0 ? 1 : std::strcmp(e, "never") == 0 ? 2 : 0;
  }();
  return mode;
}

bool should_pack_a(long n, long csA, long rsA) {
  if (csA != 1 && rsA != 1) return true;  // neither layout the kernel reads
  const int mode = pack_a_mode();
  if (mode) return mode == 1;
  return n > kPackANMin;
}

// Computes C[0:m, 0:n] for one matrix (pointers already offset to the sub-block). A is packed once per
// (pc, ic) block and reused across every B block, or read in place; B is packed per (pc, jc) unless it
// can be read in place.
void gemm_block(const float* A, long rsA, long csA, const float* B, long rsB, long csB, float* C, long ldc, long m, long n,
                long k, bool accumulate) {
  const bool directB = kDirectB && csB == 1 && m <= 4 * MR;
  const bool packA = should_pack_a(n, csA, rsA);
  const bool rowsA = !packA && csA == 1;  // row-major A: R row streams; otherwise a transposed A reads as a panel
  const long mcMax = std::min(MC, (m + MR - 1) / MR * MR);
  float* Ap = packA ? Buffers::grow(tls.a, tls.na, (size_t)mcMax * KC) : nullptr;
  float* Bp = directB ? nullptr : Buffers::grow(tls.b, tls.nb, (size_t)KC * std::min(NC, (n + NR - 1) / NR * NR));
  for (long pc = 0; pc < k; pc += KC) {
    const long kc = std::min(KC, k - pc);
    const bool add = accumulate || pc > 0;
    for (long ic = 0; ic < m; ic += MC) {
      const long mc = std::min(MC, m - ic);
      if (packA) pack_a(A + ic * rsA + pc * csA, rsA, csA, mc, kc, Ap);
      for (long jc = 0; jc < n; jc += NC) {
        const long nc = std::min(NC, n - jc);
        if (!directB) pack_b(B + pc * rsB + jc * csB, rsB, csB, kc, nc, Bp);
        for (long ir = 0; ir < mc; ir += MR) {
          const int rows = (int)std::min<long>(MR, mc - ir);
          const float* ap = packA ? Ap + ir * kc : A + (ic + ir) * rsA + pc * csA;
          const long ak = packA ? MR : rowsA ? rsA : csA;
          float* crow = C + (ic + ir) * ldc + jc;
          for (long jr = 0; jr < nc; jr += NR) {
            const int nr = (int)std::min<long>(NR, nc - jr);
            if (directB)
              run_tile(rows, nr, nr < NR, rowsA, kc, ap, ak, B + pc * rsB + jc + jr, rsB, crow + jr, ldc, add);
            else
              run_tile(rows, nr, false, rowsA, kc, ap, ak, Bp + jr * kc, NR, crow + jr, ldc, add);
          }
        }
      }
    }
  }
}

struct Job {
  const float* A;
  const float* B;
  float* C;
  const GemmParams* p;
  long rsA, csA, rsB, csB;
  int split;  // 0: batch, 1: rows (m), 2: columns (n)
};

void run_part(const Job& j, int t, int nt) {
  const GemmParams& p = *j.p;
  long b0 = 0, b1 = p.batch, m0 = 0, m1 = p.m, n0 = 0, n1 = p.n;
  if (j.split == 0) split_range(p.batch, nt, t, 1, &b0, &b1);
  else if (j.split == 1) split_range(p.m, nt, t, MR, &m0, &m1);
  else split_range(p.n, nt, t, NR, &n0, &n1);
  if (m0 >= m1 || n0 >= n1) return;
  for (long b = b0; b < b1; b++) {
    const float* A = j.A + b * p.strideA + m0 * j.rsA;
    const float* B = j.B + b * p.strideB + n0 * j.csB;
    float* C = j.C + b * p.m * p.n + m0 * p.n + n0;
    gemm_block(A, j.rsA, j.csA, B, j.rsB, j.csB, C, p.n, m1 - m0, n1 - n0, p.k, p.accumulate);
  }
}

}  // namespace

void sgemm(const float* A, const float* B, float* C, const GemmParams& p) {
  if (p.batch <= 0 || p.m <= 0 || p.n <= 0) return;
  if (p.k <= 0) {
    if (!p.accumulate) std::memset(C, 0, sizeof(float) * p.batch * p.m * p.n);
    return;
  }
  Job j{A, B, C, &p, p.transA ? 1 : p.k, p.transA ? p.m : 1, p.transB ? 1 : p.n, p.transB ? p.k : 1, 0};
  const double flops = 2.0 * p.batch * p.m * p.n * p.k;
  int nt = threads_for(flops, 1.5e6);
  if (nt > 1) {
    const long mt = (p.m + MR - 1) / MR, ntiles = (p.n + NR - 1) / NR;
    if (p.batch >= 2 * nt || (p.batch >= nt && p.batch % nt == 0)) j.split = 0;
    else if (ntiles >= nt && (ntiles * NR > p.m || mt < nt)) j.split = 2;  // B packing (row copies) is cheaper to repeat than A packing (a transpose), so square problems split rows
    else if (mt >= nt) j.split = 1;
    else if (p.batch >= nt) j.split = 0;
    else nt = 1;
  }
  if (nt <= 1) {
    run_part(j, 0, 1);
    return;
  }
  parallel_run(nt, [](void* ctx, int t, int n) { run_part(*static_cast<Job*>(ctx), t, n); }, &j);
}

}  // namespace ingot
