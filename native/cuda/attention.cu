// FlashAttention-2 (forward and backward) on TF32 tensor cores through nvcuda::wmma.
//
// Written without a GPU to run them on: the TypeScript backend keeps them off unless
// INGOT_CUDA_UNVERIFIED=1, until test/backends/cuda.test.ts has passed on a GPU host.
//
// Attention works in the log2 domain: Q is staged pre-multiplied by scale·log2(e), so a score tile is
// already scale·q·k·log2(e) and the softmax uses exp2f; lse goes out (and comes back) in natural log.
// Every operand is read and written through its AttentionLayout, so q, k and v may be one packed qkv
// buffer. Fragment layouts are opaque, so every tile that threads must touch element by element goes
// through shared memory (store_matrix_sync, then plain loads).
#include "kernels.h"

#include <mma.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <stdexcept>
#include <string>

namespace ingot {
namespace {

using namespace nvcuda;

constexpr float kLog2e = 1.4426950408889634f;
constexpr float kLn2 = 0.6931471805599453f;
constexpr unsigned kFullMask = 0xffffffffu;

// m16n16k8 TF32 fragments: A row-major (Q, P, dS), A column-major (Pᵀ, dSᵀ read from P, dS),
// B row-major (V, K, Q, dO) and B column-major (Kᵀ, Vᵀ read from K, V); float accumulators.
using FragA = wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major>;
using FragAT = wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::col_major>;
using FragB = wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major>;
using FragBT = wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::col_major>;
using FragC = wmma::fragment<wmma::accumulator, 16, 16, 8, float>;

__device__ __forceinline__ int64_t headBase(const AttnLayout& L, int b, int h) {
  return L.offset + (int64_t)b * L.batchStride + (int64_t)h * L.headStride;
}

// Stages rows [row0, row0 + ROWS) of one head into shared memory (row stride HD + 4 floats: the padding
// spreads the wmma loads over the banks), times `mul` and rounded to TF32 once here rather than at every
// fragment load. Rows past nRows and columns past headDim (a head size padded up to HD) become 0, which
// keeps them out of every dot product. Plain scalar loads: rows need not be 16-byte aligned.
template <int ROWS, int HD, int NT>
__device__ __forceinline__ void stageTile(float* __restrict__ dst, const float* __restrict__ src, int64_t rowStride, int row0, int nRows, int headDim, float mul) {
  static_assert((ROWS * HD) % NT == 0, "tile must split evenly over the threads");
  constexpr int ld = HD + 4;
#pragma unroll 8
  for (int u = 0; u < ROWS * HD / NT; u++) {
    const int idx = u * NT + (int)threadIdx.x;
    const int r = idx / HD, c = idx - r * HD;
    const int gr = row0 + r;
    float x = 0.f;
    if (gr < nRows && c < headDim) x = src[(int64_t)gr * rowStride + c] * mul;
    dst[r * ld + c] = wmma::__float_to_tf32(x);
  }
}

// ---------------------------------------------------------------------------------------------------
// Forward: one block of 4 warps per (64-query tile, batch·head); each warp owns 16 query rows.
// ---------------------------------------------------------------------------------------------------
template <int HD> struct FwdCfg {
  static constexpr int Br = 64;
  static constexpr int Bc = HD <= 64 ? 64 : 32;  // narrower key tiles keep HD = 128 at 80 KB of smem
  static constexpr int kWarps = 4, kThreads = 128;
  static constexpr int ldH = HD + 4, ldS = Bc + 4, ldT = 20;
  static constexpr int smemFloats = Br * ldH + 2 * Bc * ldH + Br * ldS + kWarps * 16 * ldT;
};

template <int HD>
__global__ void __launch_bounds__(128, 1) flashFwdKernel(const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v, float* __restrict__ out,
                                                      float* __restrict__ lse, const FlashParams p, float qMul) {
  using C = FwdCfg<HD>;
  extern __shared__ __align__(128) float smem[];
  float* Qs = smem;
  float* Ks = Qs + C::Br * C::ldH;
  float* Vs = Ks + C::Bc * C::ldH;
  float* Ss = Vs + C::Bc * C::ldH;
  float* Ts = Ss + C::Br * C::ldS;

  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  const int q0 = (gridDim.x - 1 - blockIdx.x) * C::Br;  // last query tiles first: under a causal mask they have the most keys
  const int bh = blockIdx.y, b = bh / p.heads, h = bh - b * p.heads;
  const float* kb = k + headBase(p.k, b, h);
  const float* vb = v + headBase(p.v, b, h);

  stageTile<C::Br, HD, C::kThreads>(Qs, q + headBase(p.q, b, h), p.q.rowStride, q0, p.lq, p.headDim, qMul);

  // softmax state: lanes 2r and 2r+1 both hold row r of this warp's 16 (each sees half the columns)
  const int r = lane >> 1, half = lane & 1;
  const int qi = q0 + warp * 16 + r;
  float mRow = -INFINITY, lRow = 0.f;
  // the output accumulator in a layout threads can address: element (e >> 4, e & 15) of column chunk n,
  // e = lane + 32·t, so lane holds rows (lane >> 4) + 2t
  float o[HD / 16][8];
#pragma unroll
  for (int n = 0; n < HD / 16; n++)
#pragma unroll
    for (int t = 0; t < 8; t++) o[n][t] = 0.f;

  float* Sw = Ss + warp * 16 * C::ldS;
  float* Tw = Ts + warp * 16 * C::ldT;
  // under the causal mask no key past the tile's last query is kept: those key tiles are skipped
  const int keyEnd = p.causal ? min(p.lk, q0 + C::Br) : p.lk;
  const int nKT = (keyEnd + C::Bc - 1) / C::Bc;

  for (int kt = 0; kt < nKT; kt++) {
    const int k0 = kt * C::Bc;
    __syncthreads();  // every warp is done with the previous K and V tiles
    stageTile<C::Bc, HD, C::kThreads>(Ks, kb, p.k.rowStride, k0, p.lk, p.headDim, 1.f);
    stageTile<C::Bc, HD, C::kThreads>(Vs, vb, p.v.rowStride, k0, p.lk, p.headDim, 1.f);
    __syncthreads();

    {  // S = Q·Kᵀ for this warp's 16 rows (already scaled, log2 domain)
      FragC s[C::Bc / 16];
#pragma unroll
      for (int j = 0; j < C::Bc / 16; j++) wmma::fill_fragment(s[j], 0.f);
#pragma unroll 2
      for (int kk = 0; kk < HD / 8; kk++) {
        FragA a;
        wmma::load_matrix_sync(a, Qs + warp * 16 * C::ldH + kk * 8, C::ldH);
#pragma unroll
        for (int j = 0; j < C::Bc / 16; j++) {
          FragBT bt;
          wmma::load_matrix_sync(bt, Ks + j * 16 * C::ldH + kk * 8, C::ldH);
          wmma::mma_sync(s[j], a, bt, s[j]);
        }
      }
#pragma unroll
      for (int j = 0; j < C::Bc / 16; j++) wmma::store_matrix_sync(Sw + j * 16, s[j], C::ldS, wmma::mem_row_major);
    }
    __syncwarp();

    // online softmax over the tile; masked scores are -inf. Every row keeps key 0, which lies in the
    // first tile, so the running max is finite from then on and exp2f(-inf - m) is a clean 0.
    float sv[C::Bc / 2];
    float tileMax = -INFINITY;
#pragma unroll
    for (int t = 0; t < C::Bc / 2; t++) {
      const int c = half + 2 * t, kj = k0 + c;
      const bool keep = kj < p.lk && (!p.causal || kj <= qi);
      sv[t] = keep ? Sw[r * C::ldS + c] : -INFINITY;
      tileMax = fmaxf(tileMax, sv[t]);
    }
    tileMax = fmaxf(tileMax, __shfl_xor_sync(kFullMask, tileMax, 1));
    const float mNew = fmaxf(mRow, tileMax);
    const float alpha = exp2f(mRow - mNew);  // 0 on the first tile
    float sum = 0.f;
#pragma unroll
    for (int t = 0; t < C::Bc / 2; t++) {
      const float pv = exp2f(sv[t] - mNew);
      sum += pv;
      Sw[r * C::ldS + half + 2 * t] = wmma::__float_to_tf32(pv);
    }
    sum += __shfl_xor_sync(kFullMask, sum, 1);
    lRow = lRow * alpha + sum;
    mRow = mNew;
    __syncwarp();

    float al[8];
#pragma unroll
    for (int t = 0; t < 8; t++) al[t] = __shfl_sync(kFullMask, alpha, 2 * ((lane >> 4) + 2 * t));

    // O = diag(alpha)·O + P·V, 16 output columns at a time through the warp's scratch tile
#pragma unroll
    for (int n = 0; n < HD / 16; n++) {
      FragC acc;
      wmma::fill_fragment(acc, 0.f);
#pragma unroll 2
      for (int kk = 0; kk < C::Bc / 8; kk++) {
        FragA a;
        FragB bv;
        wmma::load_matrix_sync(a, Sw + kk * 8, C::ldS);
        wmma::load_matrix_sync(bv, Vs + kk * 8 * C::ldH + n * 16, C::ldH);
        wmma::mma_sync(acc, a, bv, acc);
      }
      wmma::store_matrix_sync(Tw, acc, C::ldT, wmma::mem_row_major);
      __syncwarp();
#pragma unroll
      for (int t = 0; t < 8; t++) {
        const int e = lane + 32 * t;
        o[n][t] = o[n][t] * al[t] + Tw[(e >> 4) * C::ldT + (e & 15)];
      }
      __syncwarp();
    }
  }

  const float invL = 1.f / lRow;
  float il[8];
#pragma unroll
  for (int t = 0; t < 8; t++) il[t] = __shfl_sync(kFullMask, invL, 2 * ((lane >> 4) + 2 * t));
  float* ob = out + headBase(p.out, b, h);
#pragma unroll
  for (int n = 0; n < HD / 16; n++)
#pragma unroll
    for (int t = 0; t < 8; t++) {
      const int gi = q0 + warp * 16 + (lane >> 4) + 2 * t, c = n * 16 + (lane & 15);
      if (gi < p.lq && c < p.headDim) ob[(int64_t)gi * p.out.rowStride + c] = o[n][t] * il[t];
    }
  if (half == 0 && qi < p.lq) lse[(int64_t)bh * p.lq + qi] = (mRow + log2f(lRow)) * kLn2;
}

// ---------------------------------------------------------------------------------------------------
// Backward. D_i = dot(dO_i, O_i) first; then one block per (64-key tile, batch·head) walks the query
// tiles, recomputing P from lse, accumulating dK and dV in registers and adding dQ into a float32
// buffer with atomics; a last pass scales dQ into gq's layout.
// ---------------------------------------------------------------------------------------------------
template <int HD> struct BwdCfg {
  static constexpr int Bc = 64;
  static constexpr int Br = HD <= 64 ? 64 : 32;   // shorter query tiles keep HD = 128 at 119 KB of smem
  static constexpr int NC = HD <= 64 ? HD : HD / 2;  // dK/dV columns per warp: at most 2×4 fragments live
  static constexpr int kWarps = 4 * (HD / NC), kThreads = 32 * kWarps;
  static constexpr int ldH = HD + 4, ldS = Bc + 4;
  static constexpr int smemFloats = 2 * Bc * ldH + 2 * Br * ldH + 2 * Br * ldS + 2 * Br;
};

__global__ void flashBwdDotKernel(const float* __restrict__ out, const float* __restrict__ gOut, float* __restrict__ D, const FlashParams p) {
  const int64_t row = (int64_t)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
  const int lane = threadIdx.x & 31;
  if (row >= (int64_t)p.batch * p.heads * p.lq) return;
  const int i = (int)(row % p.lq);
  const int bh = (int)(row / p.lq), b = bh / p.heads, h = bh - b * p.heads;
  const int64_t at = headBase(p.out, b, h) + (int64_t)i * p.out.rowStride;
  float s = 0.f;
  for (int c = lane; c < p.headDim; c += 32) s += out[at + c] * gOut[at + c];
#pragma unroll
  for (int w = 16; w > 0; w >>= 1) s += __shfl_xor_sync(kFullMask, s, w);
  if (lane == 0) D[row] = s;
}

template <int HD>
__global__ void __launch_bounds__(BwdCfg<HD>::kThreads, 1) flashBwdKernel(const float* __restrict__ q, const float* __restrict__ k, const float* __restrict__ v,
                                                                       const float* __restrict__ gOut, const float* __restrict__ lse, const float* __restrict__ D,
                                                                       float* __restrict__ dQacc, float* __restrict__ gk, float* __restrict__ gv, const FlashParams p,
                                                                       float qMul) {
  using C = BwdCfg<HD>;
  extern __shared__ __align__(128) float smem[];
  float* Ks = smem;
  float* Vs = Ks + C::Bc * C::ldH;
  float* Qs = Vs + C::Bc * C::ldH;  // also the dQ tile once dK has read Q
  float* dOs = Qs + C::Br * C::ldH;
  float* Ss = dOs + C::Br * C::ldH;  // S, then P
  float* dSs = Ss + C::Br * C::ldS;  // dP, then dS
  float* lseS = dSs + C::Br * C::ldS;
  float* Ds = lseS + C::Br;

  const int warp = threadIdx.x >> 5;
  const int k0 = blockIdx.x * C::Bc;
  const int bh = blockIdx.y, b = bh / p.heads, h = bh - b * p.heads;
  const float* qb = q + headBase(p.q, b, h);
  const float* gob = gOut + headBase(p.out, b, h);

  stageTile<C::Bc, HD, C::kThreads>(Ks, k + headBase(p.k, b, h), p.k.rowStride, k0, p.lk, p.headDim, 1.f);
  stageTile<C::Bc, HD, C::kThreads>(Vs, v + headBase(p.v, b, h), p.v.rowStride, k0, p.lk, p.headDim, 1.f);

  // this warp's share of dK and dV: key rows kr·16.., columns ch·NC..
  const int kr = warp & 3, ch = warp >> 2;
  FragC dK[C::NC / 16], dV[C::NC / 16];
#pragma unroll
  for (int n = 0; n < C::NC / 16; n++) {
    wmma::fill_fragment(dK[n], 0.f);
    wmma::fill_fragment(dV[n], 0.f);
  }

  // causal: query i keeps key j only when j <= i, so query tiles before the one holding k0 add nothing
  const int nQT = (p.lq + C::Br - 1) / C::Br;
  for (int qt = p.causal ? k0 / C::Br : 0; qt < nQT; qt++) {
    const int q0 = qt * C::Br;
    __syncthreads();  // the previous tile's dQ (in Qs) has been added out
    stageTile<C::Br, HD, C::kThreads>(Qs, qb, p.q.rowStride, q0, p.lq, p.headDim, qMul);
    stageTile<C::Br, HD, C::kThreads>(dOs, gob, p.out.rowStride, q0, p.lq, p.headDim, 1.f);
    for (int r = threadIdx.x; r < C::Br; r += C::kThreads) {
      const int gi = q0 + r;
      lseS[r] = gi < p.lq ? lse[(int64_t)bh * p.lq + gi] * kLog2e : 0.f;
      Ds[r] = gi < p.lq ? D[(int64_t)bh * p.lq + gi] : 0.f;
    }
    __syncthreads();

    // S = Q·Kᵀ (scaled, log2 domain) and dP = dO·Vᵀ, 16×16 tiles shared out over the warps
    for (int u = warp; u < (C::Br / 16) * (C::Bc / 16); u += C::kWarps) {
      const int tm = u / (C::Bc / 16), tn = u % (C::Bc / 16);
      FragC s, dp;
      wmma::fill_fragment(s, 0.f);
      wmma::fill_fragment(dp, 0.f);
#pragma unroll 2
      for (int kk = 0; kk < HD / 8; kk++) {
        FragA a;
        FragBT bt;
        wmma::load_matrix_sync(a, Qs + tm * 16 * C::ldH + kk * 8, C::ldH);
        wmma::load_matrix_sync(bt, Ks + tn * 16 * C::ldH + kk * 8, C::ldH);
        wmma::mma_sync(s, a, bt, s);
        wmma::load_matrix_sync(a, dOs + tm * 16 * C::ldH + kk * 8, C::ldH);
        wmma::load_matrix_sync(bt, Vs + tn * 16 * C::ldH + kk * 8, C::ldH);
        wmma::mma_sync(dp, a, bt, dp);
      }
      wmma::store_matrix_sync(Ss + tm * 16 * C::ldS + tn * 16, s, C::ldS, wmma::mem_row_major);
      wmma::store_matrix_sync(dSs + tm * 16 * C::ldS + tn * 16, dp, C::ldS, wmma::mem_row_major);
    }
    __syncthreads();

    // P = exp(S − lse) (0 where masked or past the last query), dS = P·(dP − D)
    for (int idx = threadIdx.x; idx < C::Br * C::Bc; idx += C::kThreads) {
      const int r = idx / C::Bc, c = idx % C::Bc;
      const int gi = q0 + r, kj = k0 + c;
      const bool keep = gi < p.lq && kj < p.lk && (!p.causal || kj <= gi);
      const float pv = keep ? exp2f(Ss[r * C::ldS + c] - lseS[r]) : 0.f;
      const float ds = pv * (dSs[r * C::ldS + c] - Ds[r]);
      Ss[r * C::ldS + c] = wmma::__float_to_tf32(pv);
      dSs[r * C::ldS + c] = wmma::__float_to_tf32(ds);
    }
    __syncthreads();

    // dV += Pᵀ·dO and dK += dSᵀ·Q (Q carries scale·log2 e; the epilogue multiplies by ln 2)
#pragma unroll 1
    for (int kk = 0; kk < C::Br / 8; kk++) {
      FragAT ap, ads;
      wmma::load_matrix_sync(ap, Ss + kk * 8 * C::ldS + kr * 16, C::ldS);
      wmma::load_matrix_sync(ads, dSs + kk * 8 * C::ldS + kr * 16, C::ldS);
#pragma unroll
      for (int n = 0; n < C::NC / 16; n++) {
        FragB bm;
        wmma::load_matrix_sync(bm, dOs + kk * 8 * C::ldH + ch * C::NC + n * 16, C::ldH);
        wmma::mma_sync(dV[n], ap, bm, dV[n]);
        wmma::load_matrix_sync(bm, Qs + kk * 8 * C::ldH + ch * C::NC + n * 16, C::ldH);
        wmma::mma_sync(dK[n], ads, bm, dK[n]);
      }
    }
    __syncthreads();  // Q is no longer read: its tile takes dQ

    // dQ tile = dS·K (unscaled; the last pass multiplies by scale)
    for (int u = warp; u < (C::Br / 16) * (HD / 16); u += C::kWarps) {
      const int tm = u / (HD / 16), tn = u % (HD / 16);
      FragC acc;
      wmma::fill_fragment(acc, 0.f);
#pragma unroll 2
      for (int kk = 0; kk < C::Bc / 8; kk++) {
        FragA a;
        FragB bk;
        wmma::load_matrix_sync(a, dSs + tm * 16 * C::ldS + kk * 8, C::ldS);
        wmma::load_matrix_sync(bk, Ks + kk * 8 * C::ldH + tn * 16, C::ldH);
        wmma::mma_sync(acc, a, bk, acc);
      }
      wmma::store_matrix_sync(Qs + tm * 16 * C::ldH + tn * 16, acc, C::ldH, wmma::mem_row_major);
    }
    __syncthreads();
    for (int idx = threadIdx.x; idx < C::Br * HD; idx += C::kThreads) {
      const int r = idx / HD, c = idx % HD, gi = q0 + r;
      if (gi < p.lq && c < p.headDim) atomicAdd(dQacc + ((int64_t)bh * p.lq + gi) * p.headDim + c, Qs[r * C::ldH + c]);
    }
  }

  // write dK (times ln 2, undoing the log2 e in Q) and dV through shared memory into their layouts;
  // keys no query keeps come out as 0
  __syncthreads();
#pragma unroll
  for (int n = 0; n < C::NC / 16; n++) {
#pragma unroll
    for (int e = 0; e < dK[n].num_elements; e++) dK[n].x[e] *= kLn2;
    wmma::store_matrix_sync(Ks + kr * 16 * C::ldH + ch * C::NC + n * 16, dK[n], C::ldH, wmma::mem_row_major);
    wmma::store_matrix_sync(Vs + kr * 16 * C::ldH + ch * C::NC + n * 16, dV[n], C::ldH, wmma::mem_row_major);
  }
  __syncthreads();
  float* gkb = gk + headBase(p.k, b, h);
  float* gvb = gv + headBase(p.v, b, h);
  for (int idx = threadIdx.x; idx < C::Bc * HD; idx += C::kThreads) {
    const int r = idx / HD, c = idx % HD, kj = k0 + r;
    if (kj < p.lk && c < p.headDim) {
      gkb[(int64_t)kj * p.k.rowStride + c] = Ks[r * C::ldH + c];
      gvb[(int64_t)kj * p.v.rowStride + c] = Vs[r * C::ldH + c];
    }
  }
}

// gq (in q's layout) = scale · the accumulated dS·K
__global__ void flashBwdDqKernel(const float* __restrict__ dQacc, float* __restrict__ gq, const FlashParams p) {
  const int64_t n = (int64_t)p.batch * p.heads * p.lq * p.headDim;
  for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (int64_t)gridDim.x * blockDim.x) {
    const int c = (int)(e % p.headDim);
    const int64_t row = e / p.headDim;
    const int i = (int)(row % p.lq);
    const int bh = (int)(row / p.lq), b = bh / p.heads, h = bh - b * p.heads;
    gq[headBase(p.q, b, h) + (int64_t)i * p.q.rowStride + c] = dQacc[e] * p.scale;
  }
}

// The smallest compiled head size that holds headDim (smaller ones are zero-padded); 0 when none does.
int paddedHeadDim(int headDim) {
  if (headDim < 1) return 0;
  for (int hd : {32, 64, 96, 128})
    if (headDim <= hd) return hd;
  return 0;
}

// Shapes the kernels take: a head size up to 128, batch·heads within gridDim.y, at least one key.
bool takes(const FlashParams& p) {
  return paddedHeadDim(p.headDim) != 0 && p.batch >= 0 && p.heads >= 1 && p.lq >= 0 && p.lk >= 1 && (int64_t)p.batch * p.heads <= 65535;
}

// Opting in to more than 48 KB of dynamic shared memory, once per kernel.
template <typename K> void allowSmem(K kernel, size_t bytes, bool& done) {
  if (done) return;
  check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)bytes), "cudaFuncSetAttribute (flash attention shared memory)");
  done = true;
}

template <int HD> void launchFwd(const float* q, const float* k, const float* v, float* out, float* lse, const FlashParams& p, cudaStream_t s) {
  using C = FwdCfg<HD>;
  const size_t smem = C::smemFloats * sizeof(float);
  static bool configured = false;
  allowSmem(flashFwdKernel<HD>, smem, configured);
  const dim3 grid((p.lq + C::Br - 1) / C::Br, p.batch * p.heads);
  flashFwdKernel<HD><<<grid, C::kThreads, smem, s>>>(q, k, v, out, lse, p, p.scale * kLog2e);
  checkLaunch("flashAttention");
}

template <int HD> void launchBwd(const float* q, const float* k, const float* v, const float* gOut, const float* lse, const float* D, float* dQacc, float* gk, float* gv,
                                 const FlashParams& p, cudaStream_t s) {
  using C = BwdCfg<HD>;
  const size_t smem = C::smemFloats * sizeof(float);
  static bool configured = false;
  allowSmem(flashBwdKernel<HD>, smem, configured);
  const dim3 grid((p.lk + C::Bc - 1) / C::Bc, p.batch * p.heads);
  flashBwdKernel<HD><<<grid, C::kThreads, smem, s>>>(q, k, v, gOut, lse, D, dQacc, gk, gv, p, p.scale * kLog2e);
  checkLaunch("flashAttentionGrad");
}

}  // namespace

bool flashAttentionForward(const float* q, const float* k, const float* v, float* out, float* lse, const FlashParams& p, cudaStream_t s) {
  if (!takes(p)) return false;
  if (p.batch == 0 || p.lq == 0) return true;
  switch (paddedHeadDim(p.headDim)) {
    case 32: launchFwd<32>(q, k, v, out, lse, p, s); break;
    case 64: launchFwd<64>(q, k, v, out, lse, p, s); break;
    case 96: launchFwd<96>(q, k, v, out, lse, p, s); break;
    case 128: launchFwd<128>(q, k, v, out, lse, p, s); break;
    default: return false;
  }
  return true;
}

bool flashAttentionBackward(const float* q, const float* k, const float* v, const float* out, const float* gOut, const float* lse, float* gq, float* gk, float* gv,
                            const FlashParams& p, ScratchFn scratch, void* ctx, cudaStream_t s) {
  if (!takes(p)) return false;
  if (p.batch == 0) return true;
  const int64_t rows = (int64_t)p.batch * p.heads * p.lq;
  float* D = nullptr;
  float* dQacc = nullptr;
  if (rows > 0) {
    D = static_cast<float*>(scratch(rows * sizeof(float), ctx));
    dQacc = static_cast<float*>(scratch(rows * p.headDim * sizeof(float), ctx));
    check(cudaMemsetAsync(dQacc, 0, rows * p.headDim * sizeof(float), s), "flashAttentionGrad (zeroing dQ)");
    constexpr int rowsPerBlock = 8;
    flashBwdDotKernel<<<(unsigned)((rows + rowsPerBlock - 1) / rowsPerBlock), 32 * rowsPerBlock, 0, s>>>(out, gOut, D, p);
    checkLaunch("flashAttentionGrad (D = rowsum(dO·O))");
  }
  // runs even when lq = 0: every key then gets a zero gradient
  switch (paddedHeadDim(p.headDim)) {
    case 32: launchBwd<32>(q, k, v, gOut, lse, D, dQacc, gk, gv, p, s); break;
    case 64: launchBwd<64>(q, k, v, gOut, lse, D, dQacc, gk, gv, p, s); break;
    case 96: launchBwd<96>(q, k, v, gOut, lse, D, dQacc, gk, gv, p, s); break;
    case 128: launchBwd<128>(q, k, v, gOut, lse, D, dQacc, gk, gv, p, s); break;
    default: return false;
  }
  if (rows > 0) {
    const int64_t n = rows * p.headDim;
    const unsigned blocks = (unsigned)std::min<int64_t>((n + 255) / 256, int64_t(1) << 20);
    flashBwdDqKernel<<<blocks, 256, 0, s>>>(dQacc, gq, p);
    checkLaunch("flashAttentionGrad (dQ)");
  }
  return true;
}

}  // namespace ingot
