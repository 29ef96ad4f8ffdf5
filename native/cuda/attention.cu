// FlashAttention-2 (forward and backward): float32 operands on TF32 tensor cores through nvcuda::wmma,
// and bfloat16/float16 operands on half tensor cores through mma.sync (second half of this file), both
// accumulating in float32.
//
// Attention works in the log2 domain: scores are taken times scale·log2(e), so the softmax uses exp2f;
// lse goes out (and comes back) in natural log, always float32. The float32 kernels stage Q pre-multiplied
// by scale·log2(e). Every operand is read and written through its AttentionLayout, so q, k and v may be one
// packed qkv buffer. The wmma fragment layouts are opaque, so in the float32 kernels every tile that
// threads must touch element by element goes through shared memory (store_matrix_sync, then plain loads).
#include "kernels.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <mma.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
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


// ===================================================================================================
// bfloat16 / float16 FlashAttention-2 on mma.sync m16n8k16 (half operands, float32 accumulators).
//
// Unlike the TF32 kernels above, fragments here have a documented layout (PTX ISA, "Matrix fragments for
// mma.m16n8k16"): lane = 4g + t holds accumulator rows g and g + 8, columns 2t and 2t + 1 of each 8-wide
// tile, which is also the A-operand layout of a 16×16 tile. So the softmax runs on the accumulators in
// registers and P goes straight back into the tensor cores as an A operand, with no trip through shared
// memory. Tiles are staged in shared memory with rows padded by 8 halves (16 bytes), which keeps the
// ldmatrix row addresses 16-byte aligned and spreads each 8-row matrix over all 32 banks.
// Scores stay unscaled products of the half inputs; scale·log2(e) is applied in float (pre-scaling Q as
// the float32 path does would round it a second time). P and dS are rounded to the half before their
// products, as FlashAttention-2 does; everything is accumulated in float32.
// ===================================================================================================

template <typename T> struct HalfT;
template <> struct HalfT<__half> {
  __device__ __forceinline__ static uint32_t pack(float lo, float hi) {
    const __half2 h = __floats2half2_rn(lo, hi);
    return *reinterpret_cast<const uint32_t*>(&h);
  }
  __device__ __forceinline__ static float load(__half x) { return __half2float(x); }
  __device__ __forceinline__ static __half from(float x) { return __float2half_rn(x); }
  __device__ __forceinline__ static void mma(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  }
};
template <> struct HalfT<__nv_bfloat16> {
  __device__ __forceinline__ static uint32_t pack(float lo, float hi) {
    const __nv_bfloat162 h = __floats2bfloat162_rn(lo, hi);
    return *reinterpret_cast<const uint32_t*>(&h);
  }
  __device__ __forceinline__ static float load(__nv_bfloat16 x) { return __bfloat162float(x); }
  __device__ __forceinline__ static __nv_bfloat16 from(float x) { return __float2bfloat16_rn(x); }
  __device__ __forceinline__ static void mma(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  }
};

__device__ __forceinline__ uint32_t smemAddr(const void* p) { return (uint32_t)__cvta_generic_to_shared(p); }

// Four 8×8 matrices of 16-bit values out of shared memory. Two address patterns cover every operand:
// rowsThenCols: lane l points at row r0 + (l & 15), column c0 + 8·(l >> 4): matrices (rows 0-7, cols 0-7),
//   (rows 8-15, cols 0-7), (rows 0-7, cols 8-15), (rows 8-15, cols 8-15). Plain, that is the A fragment of a
//   row-major [m][k] tile; transposed, the B fragments (two n-tiles) of a [k][n] tile.
// colsThenRows: lane l points at row r0 + (l & 7) + 8·(l >> 4), column c0 + 8·((l >> 3) & 1): matrices
//   (rows 0-7, cols 0-7), (rows 0-7, cols 8-15), (rows 8-15, cols 0-7), (rows 8-15, cols 8-15). Plain, that is
//   the B fragments (two n-tiles) of Xᵀ for an [n][k] tile X; transposed, the A fragment of Xᵀ for a [k][m] X.
template <bool TRANS, bool ROWS_THEN_COLS, typename T>
__device__ __forceinline__ void ldsm(uint32_t (&r)[4], const T* base, int ld, int r0, int c0) {
  const int l = threadIdx.x & 31;
  const int row = ROWS_THEN_COLS ? r0 + (l & 15) : r0 + (l & 7) + ((l >> 4) << 3);
  const int col = ROWS_THEN_COLS ? c0 + ((l >> 4) << 3) : c0 + (((l >> 3) & 1) << 3);
  const uint32_t a = smemAddr(base + row * ld + col);
  if (TRANS)
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n" : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(a));
  else
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n" : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(a));
}
// A = X[r0.., c0..] (row-major m×k)
template <typename T> __device__ __forceinline__ void ldA(uint32_t (&a)[4], const T* X, int ld, int r0, int c0) { ldsm<false, true>(a, X, ld, r0, c0); }
// A = Xᵀ for X stored [k][m]: rows k0.., columns m0..
template <typename T> __device__ __forceinline__ void ldAT(uint32_t (&a)[4], const T* X, int ld, int k0, int m0) { ldsm<true, false>(a, X, ld, k0, m0); }
// B = Xᵀ for X stored [n][k] (K for Q·Kᵀ): b[0..1] for n0.., b[2..3] for n0 + 8..
template <typename T> __device__ __forceinline__ void ldBT(uint32_t (&b)[4], const T* X, int ld, int n0, int k0) { ldsm<false, false>(b, X, ld, n0, k0); }
// B = X for X stored [k][n] (V for P·V): b[0..1] for n0.., b[2..3] for n0 + 8..
template <typename T> __device__ __forceinline__ void ldB(uint32_t (&b)[4], const T* X, int ld, int k0, int n0) { ldsm<true, true>(b, X, ld, k0, n0); }

// 16-byte global → shared copy that bypasses registers; src-size 0 writes zeros without reading.
__device__ __forceinline__ void cpAsync16(void* dst, const void* src, bool fill) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smemAddr(dst)), "l"(src), "r"(fill ? 16 : 0));
}
__device__ __forceinline__ void cpAsyncCommit() { asm volatile("cp.async.commit_group;\n" ::); }
__device__ __forceinline__ void cpAsyncWaitAll() { asm volatile("cp.async.wait_group 0;\n" ::: "memory"); }

// Stages rows [row0, row0 + ROWS) of one head into shared memory (row stride HD + 8). Rows past nRows and
// columns past headDim become 0, so padded rows and columns drop out of every product. `vec` (every row
// 16-byte aligned, headDim a multiple of 8): 16-byte cp.async copies, to be waited for with
// cpAsyncWaitAll; otherwise plain 2-byte loads, done on return.
template <int ROWS, int HD, int NT, typename T>
__device__ __forceinline__ void stageHalfTile(T* __restrict__ dst, const T* __restrict__ src, int64_t rowStride, int row0, int nRows, int headDim, bool vec) {
  constexpr int ld = HD + 8, chunks = HD / 8;
  if (vec) {
#pragma unroll
    for (int idx = threadIdx.x; idx < ROWS * chunks; idx += NT) {
      const int r = idx / chunks, c = (idx - r * chunks) * 8, gr = row0 + r;
      const bool in = gr < nRows && c < headDim;
      cpAsync16(dst + r * ld + c, in ? src + (int64_t)gr * rowStride + c : src, in);
    }
  } else {
    for (int idx = threadIdx.x; idx < ROWS * HD; idx += NT) {
      const int r = idx / HD, c = idx - r * HD, gr = row0 + r;
      dst[r * ld + c] = gr < nRows && c < headDim ? src[(int64_t)gr * rowStride + c] : HalfT<T>::from(0.f);
    }
  }
}

// Writes an accumulator pair (row, columns c and c + 1) of a head as halves: one 4-byte store when the
// layout keeps pairs aligned, else element by element (each within headDim).
template <typename T>
__device__ __forceinline__ void storePair(T* rowPtr, int c, int headDim, float x0, float x1, bool pairs) {
  if (pairs && c + 1 < headDim) {
    *reinterpret_cast<uint32_t*>(rowPtr + c) = HalfT<T>::pack(x0, x1);
  } else {
    if (c < headDim) rowPtr[c] = HalfT<T>::from(x0);
    if (c + 1 < headDim) rowPtr[c + 1] = HalfT<T>::from(x1);
  }
}

// Per-operand facts the kernels branch on (uniformly): 16-byte rows for cp.async, even offsets for pairs.
struct HalfAlign {
  bool qVec, kVec, vVec, oVec, qPairs, kPairs, vPairs, oPairs;
};

// ---------------------------------------------------------------------------------------------------
// Forward: 4 warps per (64-query tile, batch·head), 16 query rows each; K and V double-buffered so the
// next tile's copy overlaps this tile's products.
// ---------------------------------------------------------------------------------------------------
template <int HD> struct HFwdCfg {
  static constexpr int Br = 64, Bc = 64, kThreads = 128, ld = HD + 8;
  static constexpr int smemHalves = (Br + 4 * Bc) * ld;
};

template <typename T, int HD>
__global__ void __launch_bounds__(128, 2) flashFwdHalfKernel(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v, T* __restrict__ out,
                                                            float* __restrict__ lse, const FlashParams p, const HalfAlign al, float scaleLog2) {
  using C = HFwdCfg<HD>;
  using H = HalfT<T>;
  extern __shared__ __align__(128) unsigned char smemRaw[];
  T* Qs = reinterpret_cast<T*>(smemRaw);
  T* Ks = Qs + C::Br * C::ld;        // two buffers of Bc rows
  T* Vs = Ks + 2 * C::Bc * C::ld;    // two buffers of Bc rows

  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const int q0 = (gridDim.x - 1 - blockIdx.x) * C::Br;  // last query tiles first: under a causal mask they have the most keys
  const int bh = blockIdx.y, b = bh / p.heads, h = bh - b * p.heads;
  const T* kb = k + headBase(p.k, b, h);
  const T* vb = v + headBase(p.v, b, h);
  const int keyEnd = p.causal ? min(p.lk, q0 + C::Br) : p.lk;
  const int nKT = (keyEnd + C::Bc - 1) / C::Bc;

  stageHalfTile<C::Br, HD, C::kThreads>(Qs, q + headBase(p.q, b, h), p.q.rowStride, q0, p.lq, p.headDim, al.qVec);
  stageHalfTile<C::Bc, HD, C::kThreads>(Ks, kb, p.k.rowStride, 0, p.lk, p.headDim, al.kVec);
  stageHalfTile<C::Bc, HD, C::kThreads>(Vs, vb, p.v.rowStride, 0, p.lk, p.headDim, al.vVec);
  cpAsyncCommit();
  cpAsyncWaitAll();
  __syncthreads();

  uint32_t qf[HD / 16][4];
#pragma unroll
  for (int kk = 0; kk < HD / 16; kk++) ldA(qf[kk], Qs, C::ld, warp * 16, kk * 16);

  const int row0 = q0 + warp * 16 + g, row1 = row0 + 8;  // this lane's two query rows
  float m0 = -INFINITY, m1 = -INFINITY, l0 = 0.f, l1 = 0.f;  // l: this lane's partial row sums
  float o[HD / 8][4];
#pragma unroll
  for (int n = 0; n < HD / 8; n++)
#pragma unroll
    for (int e = 0; e < 4; e++) o[n][e] = 0.f;

  for (int kt = 0; kt < nKT; kt++) {
    const int k0 = kt * C::Bc;
    const T* Kc = Ks + (kt & 1) * C::Bc * C::ld;
    const T* Vc = Vs + (kt & 1) * C::Bc * C::ld;
    if (kt + 1 < nKT) {  // the other buffer was last read in iteration kt − 1, which ended in a barrier
      stageHalfTile<C::Bc, HD, C::kThreads>(Ks + ((kt + 1) & 1) * C::Bc * C::ld, kb, p.k.rowStride, k0 + C::Bc, p.lk, p.headDim, al.kVec);
      stageHalfTile<C::Bc, HD, C::kThreads>(Vs + ((kt + 1) & 1) * C::Bc * C::ld, vb, p.v.rowStride, k0 + C::Bc, p.lk, p.headDim, al.vVec);
      cpAsyncCommit();
    }

    float s[C::Bc / 8][4];
#pragma unroll
    for (int j = 0; j < C::Bc / 8; j++)
#pragma unroll
      for (int e = 0; e < 4; e++) s[j][e] = 0.f;
#pragma unroll
    for (int kk = 0; kk < HD / 16; kk++)
#pragma unroll
      for (int j = 0; j < C::Bc / 16; j++) {
        uint32_t bk[4];
        ldBT(bk, Kc, C::ld, j * 16, kk * 16);
        H::mma(s[2 * j], qf[kk], bk[0], bk[1]);
        H::mma(s[2 * j + 1], qf[kk], bk[2], bk[3]);
      }

    // scale into the log2 domain; mask keys past lk and (causal) past the row, only on tiles that have such keys
    const bool masked = k0 + C::Bc > p.lk || (p.causal && k0 + C::Bc - 1 > q0);
    float mx0 = -INFINITY, mx1 = -INFINITY;
#pragma unroll
    for (int j = 0; j < C::Bc / 8; j++)
#pragma unroll
      for (int e = 0; e < 4; e++) {
        float x = s[j][e] * scaleLog2;
        if (masked) {
          const int col = k0 + j * 8 + 2 * t + (e & 1), row = e < 2 ? row0 : row1;
          if (col >= p.lk || (p.causal && col > row)) x = -INFINITY;
        }
        s[j][e] = x;
        if (e < 2) mx0 = fmaxf(mx0, x);
        else mx1 = fmaxf(mx1, x);
      }
    // the 4 lanes of a row group hold its columns
    mx0 = fmaxf(mx0, __shfl_xor_sync(kFullMask, mx0, 1));
    mx0 = fmaxf(mx0, __shfl_xor_sync(kFullMask, mx0, 2));
    mx1 = fmaxf(mx1, __shfl_xor_sync(kFullMask, mx1, 1));
    mx1 = fmaxf(mx1, __shfl_xor_sync(kFullMask, mx1, 2));
    // every row keeps key 0, in the first tile, so the running max is finite from then on
    const float mNew0 = fmaxf(m0, mx0), mNew1 = fmaxf(m1, mx1);
    const float a0 = exp2f(m0 - mNew0), a1 = exp2f(m1 - mNew1);  // 0 on the first tile
    m0 = mNew0;
    m1 = mNew1;
    float sum0 = 0.f, sum1 = 0.f;
#pragma unroll
    for (int j = 0; j < C::Bc / 8; j++) {
      s[j][0] = exp2f(s[j][0] - m0);
      s[j][1] = exp2f(s[j][1] - m0);
      s[j][2] = exp2f(s[j][2] - m1);
      s[j][3] = exp2f(s[j][3] - m1);
      sum0 += s[j][0] + s[j][1];
      sum1 += s[j][2] + s[j][3];
    }
    l0 = l0 * a0 + sum0;
    l1 = l1 * a1 + sum1;
#pragma unroll
    for (int n = 0; n < HD / 8; n++) {
      o[n][0] *= a0;
      o[n][1] *= a0;
      o[n][2] *= a1;
      o[n][3] *= a1;
    }

    // O += P·V with P, rounded to the half, as the A operand straight from the accumulators
#pragma unroll
    for (int kc = 0; kc < C::Bc / 16; kc++) {
      const uint32_t pa[4] = {H::pack(s[2 * kc][0], s[2 * kc][1]), H::pack(s[2 * kc][2], s[2 * kc][3]), H::pack(s[2 * kc + 1][0], s[2 * kc + 1][1]),
                              H::pack(s[2 * kc + 1][2], s[2 * kc + 1][3])};
#pragma unroll
      for (int n = 0; n < HD / 16; n++) {
        uint32_t bv[4];
        ldB(bv, Vc, C::ld, kc * 16, n * 16);
        H::mma(o[2 * n], pa, bv[0], bv[1]);
        H::mma(o[2 * n + 1], pa, bv[2], bv[3]);
      }
    }
    cpAsyncWaitAll();
    __syncthreads();  // the next tile has landed and every warp is done with this one
  }

  l0 += __shfl_xor_sync(kFullMask, l0, 1);
  l0 += __shfl_xor_sync(kFullMask, l0, 2);
  l1 += __shfl_xor_sync(kFullMask, l1, 1);
  l1 += __shfl_xor_sync(kFullMask, l1, 2);
  const float inv0 = 1.f / l0, inv1 = 1.f / l1;
  T* ob = out + headBase(p.out, b, h);
#pragma unroll
  for (int n = 0; n < HD / 8; n++) {
    const int c = n * 8 + 2 * t;
    if (row0 < p.lq) storePair(ob + (int64_t)row0 * p.out.rowStride, c, p.headDim, o[n][0] * inv0, o[n][1] * inv0, al.oPairs);
    if (row1 < p.lq) storePair(ob + (int64_t)row1 * p.out.rowStride, c, p.headDim, o[n][2] * inv1, o[n][3] * inv1, al.oPairs);
  }
  if (t == 0) {
    if (row0 < p.lq) lse[(int64_t)bh * p.lq + row0] = (m0 + log2f(l0)) * kLn2;
    if (row1 < p.lq) lse[(int64_t)bh * p.lq + row1] = (m1 + log2f(l1)) * kLn2;
  }
}

// ---------------------------------------------------------------------------------------------------
// Backward: one block per (64-key tile, batch·head) walks the query tiles. Warp w owns row group
// rg = w & 3 (16 query rows of S and dP, 16 key rows of dK and dV, 16 query rows of dQ) and column
// slice ch = w >> 2 (of the keys for S and dP, of the head for dK, dV and dQ); HD > 64 takes 8 warps so
// that dK and dV stay at 16×64 floats per warp. P and dS go through shared memory, rounded to the half,
// because dV and dK need them transposed.
// ---------------------------------------------------------------------------------------------------
template <int HD> struct HBwdCfg {
  static constexpr int Bc = 64, Br = 64;
  static constexpr int CH = HD > 64 ? 2 : 1;
  static constexpr int kWarps = 4 * CH, kThreads = 32 * kWarps;
  // 8 warps at 2 blocks per SM would cap registers at 128 and spill; 1 lets dK, dV and dQ stay in registers
  static constexpr int kMinBlocks = CH == 2 ? 1 : 2;
  static constexpr int NCW = HD / CH;  // head columns per warp (dK, dV, dQ)
  static constexpr int KW = Bc / CH;   // key columns per warp (S, dP)
  static constexpr int ld = HD + 8, ldS = Bc + 8;
  static constexpr size_t smemBytes = (size_t)(2 * Bc + 2 * Br) * ld * 2 + (size_t)2 * Br * ldS * 2 + 2 * Br * sizeof(float);
};

template <typename T>
__global__ void flashBwdDotHalfKernel(const T* __restrict__ out, const T* __restrict__ gOut, float* __restrict__ D, const FlashParams p) {
  const int64_t row = (int64_t)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
  const int lane = threadIdx.x & 31;
  if (row >= (int64_t)p.batch * p.heads * p.lq) return;
  const int i = (int)(row % p.lq);
  const int bh = (int)(row / p.lq), b = bh / p.heads, h = bh - b * p.heads;
  const int64_t at = headBase(p.out, b, h) + (int64_t)i * p.out.rowStride;
  float s = 0.f;
  for (int c = lane; c < p.headDim; c += 32) s += HalfT<T>::load(out[at + c]) * HalfT<T>::load(gOut[at + c]);
#pragma unroll
  for (int w = 16; w > 0; w >>= 1) s += __shfl_xor_sync(kFullMask, s, w);
  if (lane == 0) D[row] = s;
}

template <typename T, int HD>
__global__ void __launch_bounds__(HBwdCfg<HD>::kThreads, HBwdCfg<HD>::kMinBlocks) flashBwdHalfKernel(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                                                                                 const T* __restrict__ gOut, const float* __restrict__ lse, const float* __restrict__ D,
                                                                                 float* __restrict__ dQacc, T* __restrict__ gk, T* __restrict__ gv, const FlashParams p,
                                                                                 const HalfAlign al, float scaleLog2) {
  using C = HBwdCfg<HD>;
  using H = HalfT<T>;
  extern __shared__ __align__(128) unsigned char smemRaw[];
  T* Ks = reinterpret_cast<T*>(smemRaw);
  T* Vs = Ks + C::Bc * C::ld;
  T* Qs = Vs + C::Bc * C::ld;
  T* dOs = Qs + C::Br * C::ld;
  T* Ps = dOs + C::Br * C::ld;
  T* dSs = Ps + C::Br * C::ldS;
  float* lseS = reinterpret_cast<float*>(dSs + C::Br * C::ldS);
  float* Ds = lseS + C::Br;

  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const int rg = warp & 3, ch = warp >> 2;
  const int k0 = blockIdx.x * C::Bc;
  const int bh = blockIdx.y, b = bh / p.heads, h = bh - b * p.heads;
  const T* qb = q + headBase(p.q, b, h);
  const T* gob = gOut + headBase(p.out, b, h);

  stageHalfTile<C::Bc, HD, C::kThreads>(Ks, k + headBase(p.k, b, h), p.k.rowStride, k0, p.lk, p.headDim, al.kVec);
  stageHalfTile<C::Bc, HD, C::kThreads>(Vs, v + headBase(p.v, b, h), p.v.rowStride, k0, p.lk, p.headDim, al.vVec);
  cpAsyncCommit();

  float dK[C::NCW / 8][4], dV[C::NCW / 8][4];
#pragma unroll
  for (int n = 0; n < C::NCW / 8; n++)
#pragma unroll
    for (int e = 0; e < 4; e++) dK[n][e] = dV[n][e] = 0.f;

  // causal: query i keeps key j only when j <= i, so query tiles before the one holding k0 add nothing
  const int nQT = (p.lq + C::Br - 1) / C::Br;
  for (int qt = p.causal ? k0 / C::Br : 0; qt < nQT; qt++) {
    const int q0 = qt * C::Br;
    __syncthreads();  // every warp is done with the previous tile's Q, dO, P and dS
    stageHalfTile<C::Br, HD, C::kThreads>(Qs, qb, p.q.rowStride, q0, p.lq, p.headDim, al.qVec);
    stageHalfTile<C::Br, HD, C::kThreads>(dOs, gob, p.out.rowStride, q0, p.lq, p.headDim, al.oVec);
    cpAsyncCommit();
    for (int r = threadIdx.x; r < C::Br; r += C::kThreads) {
      const int gi = q0 + r;
      lseS[r] = gi < p.lq ? lse[(int64_t)bh * p.lq + gi] * kLog2e : 0.f;
      Ds[r] = gi < p.lq ? D[(int64_t)bh * p.lq + gi] : 0.f;
    }
    cpAsyncWaitAll();
    __syncthreads();

    {  // S = Q·Kᵀ and dP = dO·Vᵀ for rows rg·16.., keys ch·KW..; then P and dS into shared memory
      float s[C::KW / 8][4], dp[C::KW / 8][4];
#pragma unroll
      for (int j = 0; j < C::KW / 8; j++)
#pragma unroll
        for (int e = 0; e < 4; e++) s[j][e] = dp[j][e] = 0.f;
#pragma unroll
      for (int kk = 0; kk < HD / 16; kk++) {
        uint32_t aq[4], ado[4];
        ldA(aq, Qs, C::ld, rg * 16, kk * 16);
        ldA(ado, dOs, C::ld, rg * 16, kk * 16);
#pragma unroll
        for (int j = 0; j < C::KW / 16; j++) {
          uint32_t bb[4];
          ldBT(bb, Ks, C::ld, ch * C::KW + j * 16, kk * 16);
          H::mma(s[2 * j], aq, bb[0], bb[1]);
          H::mma(s[2 * j + 1], aq, bb[2], bb[3]);
          ldBT(bb, Vs, C::ld, ch * C::KW + j * 16, kk * 16);
          H::mma(dp[2 * j], ado, bb[0], bb[1]);
          H::mma(dp[2 * j + 1], ado, bb[2], bb[3]);
        }
      }
      const int r0 = rg * 16 + g, r1 = r0 + 8;
      const float lse0 = lseS[r0], lse1 = lseS[r1], d0 = Ds[r0], d1 = Ds[r1];
#pragma unroll
      for (int j = 0; j < C::KW / 8; j++) {
        const int c = ch * C::KW + j * 8 + 2 * t;
        float pv[4], ds[4];
#pragma unroll
        for (int e = 0; e < 4; e++) {
          const int gi = q0 + (e < 2 ? r0 : r1), kj = k0 + c + (e & 1);
          const bool keep = gi < p.lq && kj < p.lk && (!p.causal || kj <= gi);
          pv[e] = keep ? exp2f(s[j][e] * scaleLog2 - (e < 2 ? lse0 : lse1)) : 0.f;
          ds[e] = pv[e] * (dp[j][e] - (e < 2 ? d0 : d1));
        }
        *reinterpret_cast<uint32_t*>(Ps + r0 * C::ldS + c) = H::pack(pv[0], pv[1]);
        *reinterpret_cast<uint32_t*>(Ps + r1 * C::ldS + c) = H::pack(pv[2], pv[3]);
        *reinterpret_cast<uint32_t*>(dSs + r0 * C::ldS + c) = H::pack(ds[0], ds[1]);
        *reinterpret_cast<uint32_t*>(dSs + r1 * C::ldS + c) = H::pack(ds[2], ds[3]);
      }
    }
    __syncthreads();

    // dV += Pᵀ·dO and dK += dSᵀ·Q for keys rg·16.., head columns ch·NCW..
#pragma unroll
    for (int kk = 0; kk < C::Br / 16; kk++) {
      uint32_t ap[4], ads[4];
      ldAT(ap, Ps, C::ldS, kk * 16, rg * 16);
      ldAT(ads, dSs, C::ldS, kk * 16, rg * 16);
#pragma unroll
      for (int n = 0; n < C::NCW / 16; n++) {
        uint32_t bb[4];
        ldB(bb, dOs, C::ld, kk * 16, ch * C::NCW + n * 16);
        H::mma(dV[2 * n], ap, bb[0], bb[1]);
        H::mma(dV[2 * n + 1], ap, bb[2], bb[3]);
        ldB(bb, Qs, C::ld, kk * 16, ch * C::NCW + n * 16);
        H::mma(dK[2 * n], ads, bb[0], bb[1]);
        H::mma(dK[2 * n + 1], ads, bb[2], bb[3]);
      }
    }

    {  // dQ += dS·K (unscaled; the last pass multiplies by scale) for queries rg·16.., head columns ch·NCW..
      float dq[C::NCW / 8][4];
#pragma unroll
      for (int n = 0; n < C::NCW / 8; n++)
#pragma unroll
        for (int e = 0; e < 4; e++) dq[n][e] = 0.f;
#pragma unroll
      for (int kk = 0; kk < C::Bc / 16; kk++) {
        uint32_t a[4];
        ldA(a, dSs, C::ldS, rg * 16, kk * 16);
#pragma unroll
        for (int n = 0; n < C::NCW / 16; n++) {
          uint32_t bb[4];
          ldB(bb, Ks, C::ld, kk * 16, ch * C::NCW + n * 16);
          H::mma(dq[2 * n], a, bb[0], bb[1]);
          H::mma(dq[2 * n + 1], a, bb[2], bb[3]);
        }
      }
      const int gi0 = q0 + rg * 16 + g, gi1 = gi0 + 8;
      float* dq0 = dQacc + ((int64_t)bh * p.lq + gi0) * p.headDim;
      float* dq1 = dq0 + 8 * (int64_t)p.headDim;
#if __CUDA_ARCH__ >= 900
      if (p.headDim % 2 == 0) {  // pairs of floats are 8-byte aligned: half as many atomics (float2 atomicAdd is sm_90's)
#pragma unroll
        for (int n = 0; n < C::NCW / 8; n++) {
          const int c = ch * C::NCW + n * 8 + 2 * t;
          if (c < p.headDim) {
            if (gi0 < p.lq) atomicAdd(reinterpret_cast<float2*>(dq0 + c), make_float2(dq[n][0], dq[n][1]));
            if (gi1 < p.lq) atomicAdd(reinterpret_cast<float2*>(dq1 + c), make_float2(dq[n][2], dq[n][3]));
          }
        }
        continue;
      }
#endif
#pragma unroll
      for (int n = 0; n < C::NCW / 8; n++) {
        const int c = ch * C::NCW + n * 8 + 2 * t;
        if (c < p.headDim) {
          if (gi0 < p.lq) atomicAdd(dq0 + c, dq[n][0]);
          if (gi1 < p.lq) atomicAdd(dq1 + c, dq[n][2]);
        }
        if (c + 1 < p.headDim) {
          if (gi0 < p.lq) atomicAdd(dq0 + c + 1, dq[n][1]);
          if (gi1 < p.lq) atomicAdd(dq1 + c + 1, dq[n][3]);
        }
      }
    }
  }
  cpAsyncWaitAll();  // no copy is left in flight when lq = 0 skips the loop

  // dK carries the softmax scale (S was unscaled); keys no query keeps come out as 0
  T* gkb = gk + headBase(p.k, b, h);
  T* gvb = gv + headBase(p.v, b, h);
  const int kj0 = k0 + rg * 16 + g, kj1 = kj0 + 8;
#pragma unroll
  for (int n = 0; n < C::NCW / 8; n++) {
    const int c = ch * C::NCW + n * 8 + 2 * t;
    if (kj0 < p.lk) {
      storePair(gkb + (int64_t)kj0 * p.k.rowStride, c, p.headDim, dK[n][0] * p.scale, dK[n][1] * p.scale, al.kPairs);
      storePair(gvb + (int64_t)kj0 * p.v.rowStride, c, p.headDim, dV[n][0], dV[n][1], al.vPairs);
    }
    if (kj1 < p.lk) {
      storePair(gkb + (int64_t)kj1 * p.k.rowStride, c, p.headDim, dK[n][2] * p.scale, dK[n][3] * p.scale, al.kPairs);
      storePair(gvb + (int64_t)kj1 * p.v.rowStride, c, p.headDim, dV[n][2], dV[n][3], al.vPairs);
    }
  }
}

// gq (in q's layout) = scale · the accumulated dS·K, rounded to the half once
template <typename T>
__global__ void flashBwdDqHalfKernel(const float* __restrict__ dQacc, T* __restrict__ gq, const FlashParams p) {
  const int64_t n = (int64_t)p.batch * p.heads * p.lq * p.headDim;
  for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (int64_t)gridDim.x * blockDim.x) {
    const int c = (int)(e % p.headDim);
    const int64_t row = e / p.headDim;
    const int i = (int)(row % p.lq);
    const int bh = (int)(row / p.lq), b = bh / p.heads, h = bh - b * p.heads;
    gq[headBase(p.q, b, h) + (int64_t)i * p.q.rowStride + c] = HalfT<T>::from(dQacc[e] * p.scale);
  }
}

// Whether every row of an operand starts a multiple of m halves into a buffer (cudaMalloc'd buffers are
// 256-byte aligned, so the layout decides): m = 8 lets rows go by 16-byte cp.async (headDim a multiple of 8
// too, so no chunk crosses it), m = 2 lets accumulator pairs go out as one 4-byte store.
bool rowsStartAtMultipleOf(const void* base, const AttnLayout& L, int64_t m) {
  return reinterpret_cast<uintptr_t>(base) % (2 * m) == 0 && L.offset % m == 0 && L.batchStride % m == 0 && L.headStride % m == 0 && L.rowStride % m == 0;
}
HalfAlign halfAlign(const void* q, const void* k, const void* v, const void* out, const FlashParams& p) {
  const bool whole = p.headDim % 8 == 0;
  auto vec = [&](const void* base, const AttnLayout& L) { return whole && rowsStartAtMultipleOf(base, L, 8); };
  auto pairs = [&](const void* base, const AttnLayout& L) { return rowsStartAtMultipleOf(base, L, 2); };
  return HalfAlign{vec(q, p.q), vec(k, p.k), vec(v, p.v), vec(out, p.out), pairs(q, p.q), pairs(k, p.k), pairs(v, p.v), pairs(out, p.out)};
}

template <typename T, int HD>
void launchFwdHalf(const void* q, const void* k, const void* v, void* out, float* lse, const FlashParams& p, cudaStream_t s) {
  using C = HFwdCfg<HD>;
  const size_t smem = C::smemHalves * sizeof(T);
  static bool configured = false;
  allowSmem(flashFwdHalfKernel<T, HD>, smem, configured);
  const dim3 grid((p.lq + C::Br - 1) / C::Br, p.batch * p.heads);
  flashFwdHalfKernel<T, HD><<<grid, C::kThreads, smem, s>>>(static_cast<const T*>(q), static_cast<const T*>(k), static_cast<const T*>(v), static_cast<T*>(out), lse, p,
                                                           halfAlign(q, k, v, out, p), p.scale * kLog2e);
  checkLaunch("flashAttention");
}

template <typename T, int HD>
void launchBwdHalf(const void* q, const void* k, const void* v, const void* gOut, const float* lse, const float* D, float* dQacc, void* gk, void* gv, const FlashParams& p,
                   cudaStream_t s) {
  using C = HBwdCfg<HD>;
  static bool configured = false;
  allowSmem(flashBwdHalfKernel<T, HD>, C::smemBytes, configured);
  // gk and gv share k's and v's layouts: their alignment is checked with their own pointers
  HalfAlign al = halfAlign(q, k, v, gOut, p);
  const HalfAlign outAl = halfAlign(q, gk, gv, gOut, p);
  al.kPairs = outAl.kPairs;
  al.vPairs = outAl.vPairs;
  const dim3 grid((p.lk + C::Bc - 1) / C::Bc, p.batch * p.heads);
  flashBwdHalfKernel<T, HD><<<grid, C::kThreads, C::smemBytes, s>>>(static_cast<const T*>(q), static_cast<const T*>(k), static_cast<const T*>(v), static_cast<const T*>(gOut),
                                                                    lse, D, dQacc, static_cast<T*>(gk), static_cast<T*>(gv), p, al, p.scale * kLog2e);
  checkLaunch("flashAttentionGrad");
}

template <typename T>
bool forwardHalf(const void* q, const void* k, const void* v, void* out, float* lse, const FlashParams& p, cudaStream_t s) {
  switch (paddedHeadDim(p.headDim)) {
    case 32: launchFwdHalf<T, 32>(q, k, v, out, lse, p, s); return true;
    case 64: launchFwdHalf<T, 64>(q, k, v, out, lse, p, s); return true;
    case 96: launchFwdHalf<T, 96>(q, k, v, out, lse, p, s); return true;
    case 128: launchFwdHalf<T, 128>(q, k, v, out, lse, p, s); return true;
    default: return false;
  }
}

template <typename T>
bool backwardHalf(const void* q, const void* k, const void* v, const void* out, const void* gOut, const float* lse, void* gq, void* gk, void* gv, const FlashParams& p,
                  ScratchFn scratch, void* ctx, cudaStream_t s) {
  const int64_t rows = (int64_t)p.batch * p.heads * p.lq;
  float* D = nullptr;
  float* dQacc = nullptr;
  if (rows > 0) {
    D = static_cast<float*>(scratch(rows * sizeof(float), ctx));
    dQacc = static_cast<float*>(scratch(rows * p.headDim * sizeof(float), ctx));
    check(cudaMemsetAsync(dQacc, 0, rows * p.headDim * sizeof(float), s), "flashAttentionGrad (zeroing dQ)");
    constexpr int rowsPerBlock = 8;
    flashBwdDotHalfKernel<T><<<(unsigned)((rows + rowsPerBlock - 1) / rowsPerBlock), 32 * rowsPerBlock, 0, s>>>(static_cast<const T*>(out), static_cast<const T*>(gOut), D, p);
    checkLaunch("flashAttentionGrad (D = rowsum(dO·O))");
  }
  // runs even when lq = 0: every key then gets a zero gradient
  switch (paddedHeadDim(p.headDim)) {
    case 32: launchBwdHalf<T, 32>(q, k, v, gOut, lse, D, dQacc, gk, gv, p, s); break;
    case 64: launchBwdHalf<T, 64>(q, k, v, gOut, lse, D, dQacc, gk, gv, p, s); break;
    case 96: launchBwdHalf<T, 96>(q, k, v, gOut, lse, D, dQacc, gk, gv, p, s); break;
    case 128: launchBwdHalf<T, 128>(q, k, v, gOut, lse, D, dQacc, gk, gv, p, s); break;
    default: return false;
  }
  if (rows > 0) {
    const int64_t n = rows * p.headDim;
    const unsigned blocks = (unsigned)std::min<int64_t>((n + 255) / 256, int64_t(1) << 20);
    flashBwdDqHalfKernel<T><<<blocks, 256, 0, s>>>(dQacc, static_cast<T*>(gq), p);
    checkLaunch("flashAttentionGrad (dQ)");
  }
  return true;
}

// ---- float32 (TF32) entry points, unchanged ----
bool forwardF32(const float* q, const float* k, const float* v, float* out, float* lse, const FlashParams& p, cudaStream_t s) {
  switch (paddedHeadDim(p.headDim)) {
    case 32: launchFwd<32>(q, k, v, out, lse, p, s); break;
    case 64: launchFwd<64>(q, k, v, out, lse, p, s); break;
    case 96: launchFwd<96>(q, k, v, out, lse, p, s); break;
    case 128: launchFwd<128>(q, k, v, out, lse, p, s); break;
    default: return false;
  }
  return true;
}

bool backwardF32(const float* q, const float* k, const float* v, const float* out, const float* gOut, const float* lse, float* gq, float* gk, float* gv,
                 const FlashParams& p, ScratchFn scratch, void* ctx, cudaStream_t s) {
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

}  // namespace

bool flashAttentionForward(const void* q, const void* k, const void* v, void* out, float* lse, int dtype, const FlashParams& p, cudaStream_t s) {
  if (!takes(p) || !isFloatType(dtype)) return false;
  if (p.batch == 0 || p.lq == 0) return true;
  switch (dtype) {
    case F32: return forwardF32(static_cast<const float*>(q), static_cast<const float*>(k), static_cast<const float*>(v), static_cast<float*>(out), lse, p, s);
    case BF16: return forwardHalf<__nv_bfloat16>(q, k, v, out, lse, p, s);
    default: return forwardHalf<__half>(q, k, v, out, lse, p, s);
  }
}

bool flashAttentionBackward(const void* q, const void* k, const void* v, const void* out, const void* gOut, const float* lse, void* gq, void* gk, void* gv, int dtype,
                            const FlashParams& p, ScratchFn scratch, void* ctx, cudaStream_t s) {
  if (!takes(p) || !isFloatType(dtype)) return false;
  if (p.batch == 0) return true;
  switch (dtype) {
    case F32:
      return backwardF32(static_cast<const float*>(q), static_cast<const float*>(k), static_cast<const float*>(v), static_cast<const float*>(out), static_cast<const float*>(gOut),
                         lse, static_cast<float*>(gq), static_cast<float*>(gk), static_cast<float*>(gv), p, scratch, ctx, s);
    case BF16: return backwardHalf<__nv_bfloat16>(q, k, v, out, gOut, lse, gq, gk, gv, p, scratch, ctx, s);
    default: return backwardHalf<__half>(q, k, v, out, gOut, lse, gq, gk, gv, p, scratch, ctx, s);
  }
}

}  // namespace ingot
