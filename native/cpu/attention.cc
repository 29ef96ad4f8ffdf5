// Fused attention (FlashAttention-2 style) for float32: softmax(scale·q·kᵀ)·v without materialising the
// lq×lk scores. Work is cut into blocks of kBlock query rows; a thread holds one block's kBlock×lk score
// tile plus its head's packed k/v, so memory is O(block·lk + lk·d) per thread, never O(lq·lk) per head.
// Every product is one small-GEMM micro-kernel (vectorised over its output columns) fed by packed
// operands, so the strided q/k/v layouts (e.g. one packed qkv buffer) are read once per head or block.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels.h"
#include "simd.h"
#include "threadpool.h"
#include "vmath.h"

namespace ingot {
namespace {

using S = Simd;
constexpr int W = S::W;
constexpr long kBlock = 64;  // query rows per block: amortises packing and the kᵀ-stream per block
constexpr int MR = 4;        // rows per micro-tile
#if defined(__AVX512F__)
constexpr int NVMAX = 4;  // 16 zmm accumulators
#elif defined(__AVX2__) && defined(__FMA__)
constexpr int NVMAX = 2;  // 8 ymm accumulators (16 registers in all)
#else
constexpr int NVMAX = 4;
#endif

long round_up(long n, long m) { return (n + m - 1) / m * m; }

// c[r][v·W ..] (+)= Σ_{t0 ≤ t < t1} a(r, t) · b[t][v·W ..] for r < R, v < NV, where a(r, t) = a[r·ars + t·acs].
// b's rows are padded to whole vectors, so no loads are masked.
template <int R, int NV>
void tile(long t0, long t1, const float* __restrict a, long ars, long acs, const float* __restrict b, long ldb,
          float* __restrict c, long ldc, bool add) {
  S::V acc[R][NV];
  for (int r = 0; r < R; r++)
    for (int v = 0; v < NV; v++) acc[r][v] = add ? S::load(c + r * ldc + v * W) : S::zero();
  for (long t = t0; t < t1; t++) {
    const float* bt = b + t * ldb;
    S::V bv[NV];
    for (int v = 0; v < NV; v++) bv[v] = S::load(bt + v * W);
    for (int r = 0; r < R; r++) {
      S::V av = S::set1(a[r * ars + t * acs]);
      for (int v = 0; v < NV; v++) acc[r][v] = S::fma(av, bv[v], acc[r][v]);
    }
  }
  for (int r = 0; r < R; r++)
    for (int v = 0; v < NV; v++) S::store(c + r * ldc + v * W, acc[r][v]);
}

using TileFn = void (*)(long, long, const float*, long, long, const float*, long, float*, long, bool);

template <int R>
TileFn tile_for(int nv) {
  if (nv >= NVMAX) return tile<R, NVMAX>;
  if (nv == 1) return tile<R, 1>;
  if (nv == 2) return tile<R, std::min(2, NVMAX)>;
  return tile<R, std::min(3, NVMAX)>;
}
TileFn pick_tile(int rows, int nv) {
  switch (rows) {
    case 1: return tile_for<1>(nv);
    case 2: return tile_for<2>(nv);
    case 3: return tile_for<3>(nv);
    default: return tile_for<MR>(nv);
  }
}

// A small GEMM over row groups of MR: for the group starting at row r, `range(r, rows, &t0, &t1, &nvec)`
// says which t (reduction index) and how many output vectors it needs, so causal blocks skip the work
// their mask would discard. C rows are c + r·ldc; a(r, t) as in tile().
template <class Range>
void small_gemm(long m, const float* a, long ars, long acs, const float* b, long ldb, float* c, long ldc, bool add,
                Range range) {
  for (long r = 0; r < m; r += MR) {
    const int rows = (int)std::min<long>(MR, m - r);
    long t0, t1, nvec;
    range(r, rows, &t0, &t1, &nvec);
    for (long v = 0; v < nvec; v += NVMAX) {
      const int nv = (int)std::min<long>(NVMAX, nvec - v);
      pick_tile(rows, nv)(t0, t1, a + r * ars, ars, acs, b + v * W, ldb, c + r * ldc + v * W, ldc, add);
    }
  }
}

float row_max(const float* x, long n) {
  long j = 0;
  float m = -INFINITY;
#if defined(__AVX512F__)
  __m512 vm = _mm512_set1_ps(-INFINITY);
  for (; j + W <= n; j += W) vm = _mm512_max_ps(vm, _mm512_loadu_ps(x + j));
  m = _mm512_reduce_max_ps(vm);
#endif
  for (; j < n; j++) m = x[j] > m || x[j] != x[j] ? x[j] : m;
  return m;
}

// x[j] = exp(x[j] − sub) for j < n; returns their sum.
float exp_sub_sum(float* x, long n, float sub) {
  long j = 0;
  float s = 0.f;
#if defined(__AVX512F__)
  __m512 vs = _mm512_setzero_ps(), vsub = _mm512_set1_ps(sub);
  for (; j + W <= n; j += W) {
    __m512 e = vexp(_mm512_sub_ps(_mm512_loadu_ps(x + j), vsub));
    _mm512_storeu_ps(x + j, e);
    vs = _mm512_add_ps(vs, e);
  }
  if (j < n) {
    __mmask16 k = (__mmask16)((1u << (n - j)) - 1);
    __m512 e = vexp(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + j), vsub));
    _mm512_mask_storeu_ps(x + j, k, e);
    vs = _mm512_add_ps(vs, _mm512_maskz_mov_ps(k, e));
    j = n;
  }
  s = _mm512_reduce_add_ps(vs);
#endif
  for (; j < n; j++) {
    x[j] = std::exp(x[j] - sub);
    s += x[j];
  }
  return s;
}

float dot(const float* x, const float* y, long n) {
  S::V acc = S::zero();
  long j = 0;
  for (; j + W <= n; j += W) acc = S::fma(S::load(x + j), S::load(y + j), acc);
  alignas(64) float lanes[W];
  S::store(lanes, acc);
  float s = 0.f;
  for (int i = 0; i < W; i++) s += lanes[i];
  for (; j < n; j++) s += x[j] * y[j];
  return s;
}

// dst[r][c] = mul·src[r·rs + c] for r < n, c < d; columns [d, ld) zeroed.
// Rows of a packed qkv sit kilobytes apart, beyond the hardware prefetcher's reach, so the rows a few
// steps ahead are prefetched by hand.
constexpr long kAhead = 4;
inline void prefetch_row(const float* row, long d) {
  for (long c = 0; c < d; c += 64 / (long)sizeof(float)) __builtin_prefetch(row + c);
}

void pack_rows(const float* src, long rs, long n, long d, float mul, float* dst, long ld) {
  for (long r = 0; r < n; r++) {
    const float* s = src + r * rs;
    if (r + kAhead < n) prefetch_row(s + kAhead * rs, d);
    float* o = dst + r * ld;
    for (long c = 0; c < d; c++) o[c] = mul * s[c];
    for (long c = d; c < ld; c++) o[c] = 0.f;
  }
}

// dst[c][j] = src[j·rs + c] for j < n, c < d; columns [n, ld) zeroed (padding the last vector). Keys go
// in strips of one cache line so each destination line is written whole while the strip's source rows
// stay in L1 (column-at-a-time scalar stores ran as slow as the attention itself).
void pack_transposed(const float* src, long rs, long n, long d, float* dst, long ld) {
  constexpr long kStrip = 16;
  for (long c = 0; c < d; c++) std::memset(dst + c * ld + n, 0, sizeof(float) * (ld - n));
  for (long j0 = 0; j0 < n; j0 += kStrip) {
    const long jn = std::min(kStrip, n - j0);
    const float* s = src + j0 * rs;
    for (long jj = kStrip; jj < std::min(2 * kStrip, n - j0); jj++) prefetch_row(s + jj * rs, d);
    for (long c = 0; c < d; c++) {
      float* o = dst + c * ld + j0;
      for (long jj = 0; jj < jn; jj++) o[jj] = s[jj * rs + c];
    }
  }
}

float* grow(std::vector<float>& v, long n) {
  if ((long)v.size() < n) v.resize(n);
  return v.data();
}

// Per-thread scratch, kept between calls so steady-state training allocates nothing.
struct Scratch {
  std::vector<float> kt, vt, kr, vr, gk, gv, s, dp, qb, gob, ob, inv;
};
thread_local Scratch scratch;

struct Geometry {
  const FlashAttentionParams& p;
  long d, ldd, ldk, nqb;
  explicit Geometry(const FlashAttentionParams& p_)
      : p(p_), d(p_.headDim), ldd(round_up(p_.headDim, W)), ldk(key_stride(p_.lk)), nqb((p_.lq + kBlock - 1) / kBlock) {}
  // Row stride of kᵀ, vᵀ and the score tiles: whole vectors, and an odd number of cache lines, so a
  // column strip over many rows (the micro-kernel's B stream, dSᵀ reads) does not alias in L1 sets.
  static long key_stride(long lk) {
    const long ld = round_up(lk, W), lines = ld * (long)sizeof(float) / 64;
    return lines > 0 && lines % 2 == 0 ? ld + 64 / (long)sizeof(float) : ld;
  }
  long row(const AttentionLayout& l, long bh, long t) const {
    return l.offset + (bh / p.heads) * l.batchStride + (bh % p.heads) * l.headStride + t * l.rowStride;
  }
  // Keys query row i keeps: all, or j ≤ i when causal (top-left aligned).
  long kept(long i) const { return p.causal ? std::min(i + 1, p.lk) : p.lk; }
};

// Scores of query rows [i0, i0 + m): s[r][j] = qb[r] · kᵀ[:, j] with qb already scaled, for j < the
// row group's last kept key (rounded up to whole vectors).
void scores(const Geometry& g, long i0, long m, const float* qb, const float* kt, float* s) {
  small_gemm(m, qb, g.ldd, 1, kt, g.ldk, s, g.ldk, false, [&](long r, int rows, long* t0, long* t1, long* nvec) {
    *t0 = 0;
    *t1 = g.d;
    *nvec = round_up(g.kept(i0 + r + rows - 1), W) / W;
  });
}

// c[r] (+)= Σ_j a[r][j] · b[j] over the row group's kept keys (a: m × keys with row stride ldk).
void rows_times_keys(const Geometry& g, long i0, long m, const float* a, const float* b, float* c, bool add) {
  const long nvec = g.ldd / W;
  small_gemm(m, a, g.ldk, 1, b, g.ldd, c, g.ldd, add, [&](long r, int rows, long* t0, long* t1, long* nv) {
    *t0 = 0;
    *t1 = g.kept(i0 + r + rows - 1);
    *nv = nvec;
  });
}

// gk[j] += Σ_r a[r][j] · b[r] for keys j < nk over the block's rows that keep key j (a: m × keys).
void keys_times_rows(const Geometry& g, long i0, long m, long nk, const float* a, const float* b, float* gk) {
  const long nvec = g.ldd / W;
  small_gemm(nk, a, 1, g.ldk, b, g.ldd, gk, g.ldd, true, [&](long j, int, long* t0, long* t1, long* nv) {
    // causal: row i keeps key j iff i ≥ j, so rows before the group's first key contribute nothing
    *t0 = g.p.causal ? std::max<long>(0, std::min(j - i0, m)) : 0;
    *t1 = m;
    *nv = nvec;
  });
}

void forward_block(const Geometry& g, long bh, long qblock, const float* q, const float* kt, const float* vr,
                   float* out, float* lse, Scratch& w) {
  const FlashAttentionParams& p = g.p;
  const long i0 = qblock * kBlock, m = std::min(kBlock, p.lq - i0);
  float* qb = grow(w.qb, kBlock * g.ldd);
  float* s = grow(w.s, kBlock * g.ldk);
  float* ob = grow(w.ob, kBlock * g.ldd);
  float* inv = grow(w.inv, kBlock);
  pack_rows(q + g.row(p.q, bh, i0), p.q.rowStride, m, g.d, (float)p.scale, qb, g.ldd);
  scores(g, i0, m, qb, kt, s);
  for (long r = 0; r < m; r++) {
    const long i = i0 + r, n = g.kept(i);
    const long groupLast = std::min(r / MR * MR + MR, m) - 1, groupEnd = g.kept(i0 + groupLast);
    float* sr = s + r * g.ldk;
    // max-subtracted softmax: exp never overflows, however large the scores
    const float mx = row_max(sr, n);
    const float sum = exp_sub_sum(sr, n, mx);
    for (long j = n; j < groupEnd; j++) sr[j] = 0.f;  // masked keys inside the row group's range
    lse[bh * p.lq + i] = mx + std::log(sum);
    inv[r] = 1.f / sum;
  }
  rows_times_keys(g, i0, m, s, vr, ob, false);
  for (long r = 0; r < m; r++) {
    float* o = out + g.row(p.out, bh, i0 + r);
    const float* src = ob + r * g.ldd;
    for (long c = 0; c < g.d; c++) o[c] = src[c] * inv[r];
  }
}

void backward_head(const Geometry& g, long bh, const float* q, const float* k, const float* v, const float* out,
                   const float* gOut, const float* lse, float* gq, float* gk, float* gv, Scratch& w) {
  const FlashAttentionParams& p = g.p;
  const long lk = p.lk, d = g.d, ldd = g.ldd, ldk = g.ldk;
  float* kt = grow(w.kt, d * ldk);
  float* vt = grow(w.vt, d * ldk);
  float* kr = grow(w.kr, lk * ldd);
  float* gka = grow(w.gk, lk * ldd);
  float* gva = grow(w.gv, lk * ldd);
  float* qb = grow(w.qb, kBlock * ldd);
  float* gob = grow(w.gob, kBlock * ldd);
  float* s = grow(w.s, kBlock * ldk);
  float* dp = grow(w.dp, kBlock * ldk);
  float* gqb = grow(w.ob, kBlock * ldd);
  float* dd = grow(w.inv, kBlock);
  pack_transposed(k + g.row(p.k, bh, 0), p.k.rowStride, lk, d, kt, ldk);
  pack_transposed(v + g.row(p.v, bh, 0), p.v.rowStride, lk, d, vt, ldk);
  pack_rows(k + g.row(p.k, bh, 0), p.k.rowStride, lk, d, 1.f, kr, ldd);
  std::memset(gka, 0, sizeof(float) * lk * ldd);
  std::memset(gva, 0, sizeof(float) * lk * ldd);
  const float* lseh = lse + bh * p.lq;

  for (long qblock = 0; qblock < g.nqb; qblock++) {
    const long i0 = qblock * kBlock, m = std::min(kBlock, p.lq - i0);
    const long nk = g.kept(i0 + m - 1);  // keys any row of the block keeps
    pack_rows(q + g.row(p.q, bh, i0), p.q.rowStride, m, d, (float)p.scale, qb, ldd);
    pack_rows(gOut + g.row(p.out, bh, i0), p.out.rowStride, m, d, 1.f, gob, ldd);
    for (long r = 0; r < m; r++) dd[r] = dot(gob + r * ldd, out + g.row(p.out, bh, i0 + r), d);  // D_i
    scores(g, i0, m, qb, kt, s);
    // dP = gOut·vᵀ, the same shape of product as the scores
    small_gemm(m, gob, ldd, 1, vt, ldk, dp, ldk, false, [&](long r, int rows, long* t0, long* t1, long* nvec) {
      *t0 = 0;
      *t1 = d;
      *nvec = round_up(g.kept(i0 + r + rows - 1), W) / W;
    });
    for (long r = 0; r < m; r++) {
      const long n = g.kept(i0 + r);
      float* sr = s + r * ldk;
      float* dr = dp + r * ldk;
      const float l = lseh[i0 + r];
      exp_sub_sum(sr, n, l);  // P recomputed from the saved log-sum-exp
      for (long j = 0; j < n; j++) dr[j] = sr[j] * (dr[j] - dd[r]);  // dS = P ∘ (dP − D)
      for (long j = n; j < nk; j++) sr[j] = dr[j] = 0.f;
    }
    keys_times_rows(g, i0, m, nk, s, gob, gva);   // gv += Pᵀ·gOut
    keys_times_rows(g, i0, m, nk, dp, qb, gka);   // gk += dSᵀ·(scale·q)
    rows_times_keys(g, i0, m, dp, kr, gqb, false);  // gq = scale·dS·k
    const float sc = (float)p.scale;
    for (long r = 0; r < m; r++) {
      float* o = gq + g.row(p.q, bh, i0 + r);
      const float* src = gqb + r * ldd;
      for (long c = 0; c < d; c++) o[c] = sc * src[c];
    }
  }
  for (long j = 0; j < lk; j++) {
    std::memcpy(gk + g.row(p.k, bh, j), gka + j * ldd, sizeof(float) * d);
    std::memcpy(gv + g.row(p.v, bh, j), gva + j * ldd, sizeof(float) * d);
  }
}

}  // namespace

void flash_attention(const float* q, const float* k, const float* v, float* out, float* lse,
                     const FlashAttentionParams& p) {
  if (p.batch <= 0 || p.heads <= 0 || p.lq <= 0 || p.lk <= 0 || p.headDim <= 0) return;
  const Geometry g(p);
  const long bhs = p.batch * p.heads, tasks = bhs * g.nqb;
  const double work = (double)bhs * p.lq * p.lk * p.headDim * (p.causal ? 2 : 4);
  // Contiguous task ranges: a thread packs a head's k and v once and reuses them for its blocks.
  parallel_chunks(tasks, std::min<long>(tasks, threads_for(work, 1 << 18)), 1, [&](long t0, long t1) {
    Scratch& w = scratch;
    long packed = -1;
    for (long t = t0; t < t1; t++) {
      const long bh = t / g.nqb, qblock = t % g.nqb;
      if (bh != packed) {
        pack_transposed(k + g.row(p.k, bh, 0), p.k.rowStride, p.lk, g.d, grow(w.kt, g.d * g.ldk), g.ldk);
        pack_rows(v + g.row(p.v, bh, 0), p.v.rowStride, p.lk, g.d, 1.f, grow(w.vr, p.lk * g.ldd), g.ldd);
        packed = bh;
      }
      forward_block(g, bh, qblock, q, w.kt.data(), w.vr.data(), out, lse, w);
    }
  });
}

void flash_attention_grad(const float* q, const float* k, const float* v, const float* out, const float* gOut,
                          const float* lse, float* gq, float* gk, float* gv, const FlashAttentionParams& p) {
  if (p.batch <= 0 || p.heads <= 0 || p.lk <= 0 || p.headDim <= 0) return;
  const Geometry g(p);
  const long bhs = p.batch * p.heads;
  const double work = (double)bhs * std::max<long>(p.lq, 1) * p.lk * p.headDim * (p.causal ? 5 : 10);
  // One thread per head: it owns that head's gk/gv rows, so their sums over query blocks need no locks.
  parallel_chunks(bhs, std::min<long>(bhs, threads_for(work, 1 << 18)), 1, [&](long b0, long b1) {
    for (long bh = b0; bh < b1; bh++) backward_head(g, bh, q, k, v, out, gOut, lse, gq, gk, gv, scratch);
  });
}

}  // namespace ingot
