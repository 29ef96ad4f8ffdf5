// Convolution lowering (im2col/col2im), max pooling and the fused Adam update.
#include <cmath>
#include <cstring>

#include "kernels.h"
#include "threadpool.h"

namespace ingot {
namespace {
constexpr double kGrain = 32768;
}

// For output columns q with input column ix = q·sw + x0, the range [qa, qb) where 0 <= ix < w.
static inline void valid_cols(long x0, long sw, long ow, long w, long* qa, long* qb) {
  long a = x0 >= 0 ? 0 : (-x0 + sw - 1) / sw;
  long b = x0 >= w ? 0 : (w - x0 + sw - 1) / sw;
  if (a > ow) a = ow;
  if (b > ow) b = ow;
  if (b < a) b = a;
  *qa = a;
  *qb = b;
}

// Visits every (plane, tap i, tap j, output row y) of an im2col layout: `row` is the plane's input row
// for that tap (nullptr when it falls in the padding), `o` the cols row, and output columns [qa, qb)
// read input columns x0 + q·sw. Geometry is copied into locals: read through the captured reference it
// was reloaded per element. im2col and its adjoint col2im share this traversal.
template <class X, class Cols, class Fn>
static void for_each_cols_row(const ConvGeom& g, X* x, Cols* cols, Fn fn) {
  const long planes = g.n * g.c, kh = g.kh, kw = g.kw, oh = g.oh, ow = g.ow, h = g.h, w = g.w, sh = g.sh, sw = g.sw,
             ph = g.ph, pw = g.pw, dh = g.dh, dw = g.dw, per = kh * kw * oh * ow;
  // each (n, c) plane reads or writes only its own rows, so planes parallelise
  parallel_chunks(planes, threads_for((double)planes * per, kGrain), 1, [=](long p0, long p1) {
    for (long pl = p0; pl < p1; pl++) {
      X* xb = x + pl * h * w;
      Cols* o = cols + pl * per;
      for (long i = 0; i < kh; i++) {
        for (long j = 0; j < kw; j++) {
          const long x0 = j * dw - pw;
          long qa, qb;
          valid_cols(x0, sw, ow, w, &qa, &qb);
          for (long y = 0; y < oh; y++, o += ow) {
            const long iy = y * sh - ph + i * dh;
            fn(iy < 0 || iy >= h ? nullptr : xb + iy * w, o, x0, qa, qb, ow, sw);
          }
        }
      }
    }
  });
}

void im2col(const float* x, float* cols, const ConvGeom& g) {
  for_each_cols_row(g, x, cols, [](const float* row, float* o, long x0, long qa, long qb, long ow, long sw) {
    if (!row) {
      std::memset(o, 0, sizeof(float) * ow);
      return;
    }
    for (long q = 0; q < qa; q++) o[q] = 0.f;
    if (sw == 1) std::memcpy(o + qa, row + x0 + qa, sizeof(float) * (qb - qa));
    else
      for (long q = qa; q < qb; q++) o[q] = row[x0 + q * sw];
    for (long q = qb; q < ow; q++) o[q] = 0.f;
  });
}

void col2im(const float* cols, float* x, const ConvGeom& g) {
  for_each_cols_row(g, x, cols, [](float* row, const float* o, long x0, long qa, long qb, long, long sw) {
    if (!row) return;
    if (sw == 1)
      for (long q = qa; q < qb; q++) row[x0 + q] += o[q];
    else
      for (long q = qa; q < qb; q++) row[x0 + q * sw] += o[q];
  });
}

// Indices k in [0, n) with 0 <= base + k·step < size, as [lo, hi).
static inline void valid_taps(long base, long step, long n, long size, long* lo, long* hi) {
  long a = 0, b = n;
  while (a < b && base + a * step < 0) a++;
  while (b > a && base + (b - 1) * step >= size) b--;
  *lo = a;
  *hi = b;
}

// Max pooling with a KxK window, no padding and no dilation, where every tap is in bounds: fixed trip
// counts let the compiler unroll the window (the general loop is ~4x slower on 2x2 pooling).
template <int K>
static void max_pool_interior(const float* x, float* out, int32_t* argmax, long planes, long h, long w, long sh, long sw,
                              long oh, long ow) {
  parallel_chunks(planes, threads_for((double)planes * oh * ow * K * K, kGrain), 1, [=](long p0, long p1) {
    for (long pl = p0; pl < p1; pl++) {
      const float* xb = x + pl * h * w;
      float* ob = out + pl * oh * ow;
      int32_t* ab = argmax + pl * oh * ow;
      for (long y = 0; y < oh; y++) {
        for (long q = 0; q < ow; q++) {
          const long base = y * sh * w + q * sw;
          float best = xb[base];
          long bi = base;
          for (int i = 0; i < K; i++)
            for (int j = 0; j < K; j++) {
              const long idx = base + i * w + j;
              const float v = xb[idx];
              const bool take = (v > best) | (v != v);
              best = take ? v : best;
              bi = take ? idx : bi;
            }
          ob[y * ow + q] = best;
          ab[y * ow + q] = (int32_t)bi;
        }
      }
    }
  });
}

void max_pool2d(const float* x, float* out, int32_t* argmax, const ConvGeom& g) {
  const bool interior = g.ph == 0 && g.pw == 0 && g.dh == 1 && g.dw == 1 && g.kh == g.kw && g.oh > 0 && g.ow > 0 &&
                        (g.oh - 1) * g.sh + g.kh <= g.h && (g.ow - 1) * g.sw + g.kw <= g.w;
  if (interior && g.kh == 2) return max_pool_interior<2>(x, out, argmax, g.n, g.h, g.w, g.sh, g.sw, g.oh, g.ow);
  if (interior && g.kh == 3) return max_pool_interior<3>(x, out, argmax, g.n, g.h, g.w, g.sh, g.sw, g.oh, g.ow);
  // Geometry in locals, window bounds computed once per output, and the running max seeded with the
  // first tap so the inner loop is a plain compare-select: the straightforward form (bounds checks and
  // an "is this the first tap" test per element) ran 5x slower.
  const long planes = g.n, h = g.h, w = g.w, kh = g.kh, kw = g.kw, sh = g.sh, sw = g.sw, ph = g.ph, pw = g.pw, dh = g.dh,
             dw = g.dw, oh = g.oh, ow = g.ow;
  parallel_chunks(planes, threads_for((double)planes * oh * ow * kh * kw, kGrain), 1, [=](long p0, long p1) {
    for (long pl = p0; pl < p1; pl++) {
      const float* xb = x + pl * h * w;
      float* ob = out + pl * oh * ow;
      int32_t* ab = argmax + pl * oh * ow;
      for (long y = 0; y < oh; y++) {
        const long by = y * sh - ph;
        long i0, i1;
        valid_taps(by, dh, kh, h, &i0, &i1);
        for (long q = 0; q < ow; q++) {
          const long bx = q * sw - pw;
          long j0, j1;
          valid_taps(bx, dw, kw, w, &j0, &j1);
          float best = -INFINITY;
          long bi = -1;
          if (i0 < i1 && j0 < j1) {
            bi = (by + i0 * dh) * w + bx + j0 * dw;
            best = xb[bi];
            for (long i = i0; i < i1; i++) {
              const long row = (by + i * dh) * w + bx;
              for (long j = j0; j < j1; j++) {
                const long idx = row + j * dw;
                const float v = xb[idx];
                const bool take = (v > best) | (v != v);  // a NaN wins, as in the js reference
                best = take ? v : best;
                bi = take ? idx : bi;
              }
            }
          }
          ob[y * ow + q] = best;
          ab[y * ow + q] = (int32_t)bi;
        }
      }
    }
  });
}

void max_pool2d_grad(const float* gy, const int32_t* argmax, float* gx, const ConvGeom& g) {
  const long planes = g.n, hw = g.h * g.w, ohw = g.oh * g.ow;
  parallel_chunks(planes, threads_for((double)planes * ohw, kGrain), 1, [&](long p0, long p1) {
    for (long pl = p0; pl < p1; pl++) {
      float* xb = gx + pl * hw;
      const float* G = gy + pl * ohw;
      const int32_t* A = argmax + pl * ohw;
      for (long i = 0; i < ohw; i++)
        if (A[i] >= 0 && A[i] < hw) xb[A[i]] += G[i];
    }
  });
}

// One Adam/AdamW update. Three branch-free loops over __restrict pointers so GCC emits packed
// vsqrtps/vdivps: with the branches inside one loop it stayed scalar (7x slower at 64k params).
template <int Mode>  // 0: no weight decay, 1: L2 added to the gradient, 2: decoupled (AdamW)
static void adam_loop(float* __restrict P, const float* __restrict G, float* __restrict M, float* __restrict V, long b, long e,
                      float b1, float c1, float b2, float c2, float stepSize, float invSqrtBc2, float eps, float wd, float decay) {
  for (long i = b; i < e; i++) {
    float g = G[i];
    float w = P[i];
    if (Mode == 1) g += wd * w;
    if (Mode == 2) w *= decay;
    const float m = b1 * M[i] + c1 * g;
    const float v = b2 * V[i] + c2 * g * g;
    M[i] = m;
    V[i] = v;
    P[i] = w - stepSize * m / (std::sqrt(v) * invSqrtBc2 + eps);
  }
}

void adam_step(float* P, const float* G, float* M, float* V, long n, const AdamParams& p) {
  const float b1 = (float)p.beta1, b2 = (float)p.beta2, c1 = (float)(1 - p.beta1), c2 = (float)(1 - p.beta2);
  const float stepSize = (float)(p.lr / (1 - std::pow(p.beta1, p.step)));
  const float invSqrtBc2 = (float)(1 / std::sqrt(1 - std::pow(p.beta2, p.step)));
  const float eps = (float)p.eps, wd = (float)p.weightDecay, decay = (float)(1 - p.lr * p.weightDecay);
  const int mode = p.weightDecay == 0 ? 0 : p.decoupled ? 2 : 1;
  parallel_chunks(n, threads_for((double)n * 4, kGrain), 64, [&](long b, long e) {
    if (mode == 0) adam_loop<0>(P, G, M, V, b, e, b1, c1, b2, c2, stepSize, invSqrtBc2, eps, wd, decay);
    else if (mode == 1) adam_loop<1>(P, G, M, V, b, e, b1, c1, b2, c2, stepSize, invSqrtBc2, eps, wd, decay);
    else adam_loop<2>(P, G, M, V, b, e, b1, c1, b2, c2, stepSize, invSqrtBc2, eps, wd, decay);
  });
}

}  // namespace ingot
