// Convolution lowering (im2col/col2im), max pooling and the fused Adam update.
#include <cmath>
#include <cstring>

#include "kernels.h"
#include "threadpool.h"

namespace ingot {
namespace {
constexpr double kGrain = 32768;
}

void im2col(const float* x, float* cols, const ConvGeom& g) {
  const long planes = g.n * g.c, per = g.kh * g.kw * g.oh * g.ow;
  parallel_chunks(planes, threads_for((double)planes * per, kGrain), 1, [&](long p0, long p1) {
    for (long pl = p0; pl < p1; pl++) {
      const float* xb = x + pl * g.h * g.w;
      float* o = cols + pl * per;
      for (long i = 0; i < g.kh; i++) {
        for (long j = 0; j < g.kw; j++) {
          for (long y = 0; y < g.oh; y++, o += g.ow) {
            const long iy = y * g.sh - g.ph + i * g.dh;
            if (iy < 0 || iy >= g.h) {
              std::memset(o, 0, sizeof(float) * g.ow);
              continue;
            }
            const float* row = xb + iy * g.w;
            const long x0 = j * g.dw - g.pw;
            if (g.sw == 1 && x0 >= 0 && x0 + g.ow <= g.w) {
              std::memcpy(o, row + x0, sizeof(float) * g.ow);
              continue;
            }
            for (long q = 0; q < g.ow; q++) {
              const long ix = q * g.sw + x0;
              o[q] = (ix >= 0 && ix < g.w) ? row[ix] : 0.f;
            }
          }
        }
      }
    }
  });
}

void col2im(const float* cols, float* x, const ConvGeom& g) {
  // each (n, c) plane of x receives only its own rows of cols, so planes parallelise
  const long planes = g.n * g.c, per = g.kh * g.kw * g.oh * g.ow;
  parallel_chunks(planes, threads_for((double)planes * per, kGrain), 1, [&](long p0, long p1) {
    for (long pl = p0; pl < p1; pl++) {
      float* xb = x + pl * g.h * g.w;
      const float* o = cols + pl * per;
      for (long i = 0; i < g.kh; i++) {
        for (long j = 0; j < g.kw; j++) {
          for (long y = 0; y < g.oh; y++, o += g.ow) {
            const long iy = y * g.sh - g.ph + i * g.dh;
            if (iy < 0 || iy >= g.h) continue;
            float* row = xb + iy * g.w;
            const long x0 = j * g.dw - g.pw;
            for (long q = 0; q < g.ow; q++) {
              const long ix = q * g.sw + x0;
              if (ix >= 0 && ix < g.w) row[ix] += o[q];
            }
          }
        }
      }
    }
  });
}

void max_pool2d(const float* x, float* out, int32_t* argmax, const ConvGeom& g) {
  const long planes = g.n;
  parallel_chunks(planes, threads_for((double)planes * g.oh * g.ow * g.kh * g.kw, kGrain), 1, [&](long p0, long p1) {
    for (long pl = p0; pl < p1; pl++) {
      const float* xb = x + pl * g.h * g.w;
      for (long y = 0; y < g.oh; y++) {
        for (long q = 0; q < g.ow; q++) {
          float best = -INFINITY;
          long bi = -1;
          for (long i = 0; i < g.kh; i++) {
            const long iy = y * g.sh - g.ph + i * g.dh;
            if (iy < 0 || iy >= g.h) continue;
            for (long j = 0; j < g.kw; j++) {
              const long ix = q * g.sw - g.pw + j * g.dw;
              if (ix < 0 || ix >= g.w) continue;
              const float v = xb[iy * g.w + ix];
              if (v > best || bi < 0 || v != v) {
                best = v;
                bi = iy * g.w + ix;
              }
            }
          }
          const long oi = (pl * g.oh + y) * g.ow + q;
          out[oi] = best;
          argmax[oi] = (int32_t)bi;
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

void adam_step(float* P, const float* G, float* M, float* V, long n, const AdamParams& p) {
  const float b1 = (float)p.beta1, b2 = (float)p.beta2, c1 = (float)(1 - p.beta1), c2 = (float)(1 - p.beta2);
  const float stepSize = (float)(p.lr / (1 - std::pow(p.beta1, p.step)));
  const float invSqrtBc2 = (float)(1 / std::sqrt(1 - std::pow(p.beta2, p.step)));
  const float eps = (float)p.eps, wd = (float)p.weightDecay, decay = (float)(1 - p.lr * p.weightDecay);
  const bool decoupled = p.decoupled, hasWd = p.weightDecay != 0;
  parallel_chunks(n, threads_for((double)n * 4, kGrain), 64, [&](long b, long e) {
    for (long i = b; i < e; i++) {
      float g = G[i];
      float w = P[i];
      if (hasWd) {
        if (decoupled) w *= decay;
        else g += wd * w;
      }
      const float m = b1 * M[i] + c1 * g;
      const float v = b2 * V[i] + c2 * g * g;
      M[i] = m;
      V[i] = v;
      P[i] = w - stepSize * m / (std::sqrt(v) * invSqrtBc2 + eps);
    }
  });
}

}  // namespace ingot
