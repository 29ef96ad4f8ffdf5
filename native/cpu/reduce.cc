// Reductions over the middle axis of [outer, r, inner], argmax/argmin, softmax and layer norm.
// Sums accumulate in double (as the js reference does), which keeps results within ~1e-7 of it.
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels.h"
#include "threadpool.h"
#if defined(__AVX512F__)
#include <immintrin.h>
#endif
#include "vmath.h"

namespace ingot {
namespace {

constexpr double kGrain = 32768;

double sum_row(const float* x, long n) {
#if defined(__AVX512F__)
  __m512d a0 = _mm512_setzero_pd(), a1 = _mm512_setzero_pd();
  long i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = _mm512_add_pd(a0, _mm512_cvtps_pd(_mm256_loadu_ps(x + i)));
    a1 = _mm512_add_pd(a1, _mm512_cvtps_pd(_mm256_loadu_ps(x + i + 8)));
  }
  double s = _mm512_reduce_add_pd(_mm512_add_pd(a0, a1));
  for (; i < n; i++) s += x[i];
  return s;
#else
  double s = 0;
  for (long i = 0; i < n; i++) s += x[i];
  return s;
#endif
}

// Σ (x - mu)² in double
double sqdev_row(const float* x, long n, double mu) {
  double s = 0;
  long i = 0;
#if defined(__AVX512F__)
  __m512d a0 = _mm512_setzero_pd(), m = _mm512_set1_pd(mu);
  for (; i + 8 <= n; i += 8) {
    __m512d d = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(x + i)), m);
    a0 = _mm512_fmadd_pd(d, d, a0);
  }
  s = _mm512_reduce_add_pd(a0);
#endif
  for (; i < n; i++) {
    double d = x[i] - mu;
    s += d * d;
  }
  return s;
}

template <class F>
void over_outer(long outer, double work, F&& f) {
  parallel_chunks(outer, threads_for(work, kGrain), 1, f);
}

}  // namespace

void reduce(int op, const float* x, float* out, long outer, long r, long inner) {
  if (outer * inner == 0) return;
  auto body = [&](long p0, long p1) {
    for (long p = p0; p < p1; p++) {
      const float* base = x + p * r * inner;
      float* o = out + p * inner;
      if (op == R_SUM) {
        if (inner == 1) {
          o[0] = (float)sum_row(base, r);
          continue;
        }
        // accumulate rows into a double buffer, a chunk of `inner` at a time
        constexpr long CH = 512;
        double acc[CH];
        for (long q0 = 0; q0 < inner; q0 += CH) {
          const long w = inner - q0 < CH ? inner - q0 : CH;
          for (long q = 0; q < w; q++) acc[q] = 0;
          for (long i = 0; i < r; i++) {
            const float* row = base + i * inner + q0;
            for (long q = 0; q < w; q++) acc[q] += row[q];
          }
          for (long q = 0; q < w; q++) o[q0 + q] = (float)acc[q];
        }
      } else if (op == R_PROD) {
        for (long q = 0; q < inner; q++) {
          double acc = 1;
          for (long i = 0; i < r; i++) acc *= base[i * inner + q];
          o[q] = (float)acc;
        }
      } else {
        // max/min: NaN anywhere wins; otherwise the extreme value
        const bool isMax = op == R_MAX;
        const float init = isMax ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
        for (long q = 0; q < inner; q++) o[q] = init;
        for (long i = 0; i < r; i++) {
          const float* row = base + i * inner;
          if (isMax)
            for (long q = 0; q < inner; q++) o[q] = (row[q] > o[q] || row[q] != row[q] || o[q] != o[q]) ? (o[q] != o[q] ? o[q] : row[q]) : o[q];
          else
            for (long q = 0; q < inner; q++) o[q] = (row[q] < o[q] || row[q] != row[q] || o[q] != o[q]) ? (o[q] != o[q] ? o[q] : row[q]) : o[q];
        }
      }
    }
  };
  over_outer(outer, (double)outer * r * inner, body);
}

void arg_reduce(bool isMax, const float* x, int32_t* out, long outer, long r, long inner) {
  if (outer * inner == 0) return;
  over_outer(outer, (double)outer * r * inner, [&](long p0, long p1) {
    for (long p = p0; p < p1; p++) {
      for (long q = 0; q < inner; q++) {
        const float* base = x + p * r * inner + q;
        float best = base[0];
        int32_t bi = 0;
        for (long i = 1; i < r && best == best; i++) {
          const float v = base[i * inner];
          if ((isMax ? v > best : v < best) || v != v) {
            best = v;
            bi = (int32_t)i;
          }
        }
        out[p * inner + q] = bi;
      }
    }
  });
}

void softmax(const float* x, float* out, long rows, long cols, bool log) {
  over_outer(rows, (double)rows * cols * 10, [&](long r0, long r1) {
    for (long r = r0; r < r1; r++) {
      const float* a = x + r * cols;
      float* o = out + r * cols;
      float mx = -std::numeric_limits<float>::infinity();
      for (long j = 0; j < cols; j++) mx = a[j] > mx ? a[j] : mx;  // NaN is skipped, as in js
      if (mx == -std::numeric_limits<float>::infinity()) mx = 0;
      double sum = 0;
      long j = 0;
#if defined(__AVX512F__)
      __m512 vs = _mm512_setzero_ps();
      const __m512 vm = _mm512_set1_ps(mx);
      for (; j + 16 <= cols; j += 16) {
        __m512 e = vexp(_mm512_sub_ps(_mm512_loadu_ps(a + j), vm));
        if (!log) _mm512_storeu_ps(o + j, e);
        vs = _mm512_add_ps(vs, e);
      }
      sum = _mm512_reduce_add_ps(vs);
#endif
      for (; j < cols; j++) {
        float e = std::exp(a[j] - mx);
        if (!log) o[j] = e;
        sum += e;
      }
      if (log) {
        const float lse = (float)std::log(sum);
        for (long k = 0; k < cols; k++) o[k] = a[k] - mx - lse;
      } else {
        const float inv = (float)(1.0 / sum);
        for (long k = 0; k < cols; k++) o[k] *= inv;
      }
    }
  });
}

void softmax_grad(const float* y, const float* gy, float* gx, long rows, long cols, bool log) {
  over_outer(rows, (double)rows * cols * (log ? 10 : 2), [&](long r0, long r1) {
    for (long r = r0; r < r1; r++) {
      const float* Y = y + r * cols;
      const float* G = gy + r * cols;
      float* O = gx + r * cols;
      if (log) {
        const float s = (float)sum_row(G, cols);
        long j = 0;
#if defined(__AVX512F__)
        const __m512 vs = _mm512_set1_ps(s);
        for (; j + 16 <= cols; j += 16)
          _mm512_storeu_ps(O + j, _mm512_fnmadd_ps(vexp(_mm512_loadu_ps(Y + j)), vs, _mm512_loadu_ps(G + j)));
#endif
        for (; j < cols; j++) O[j] = G[j] - std::exp(Y[j]) * s;
      } else {
        double s = 0;
        for (long j = 0; j < cols; j++) s += (double)G[j] * Y[j];
        const float sf = (float)s;
        for (long j = 0; j < cols; j++) O[j] = Y[j] * (G[j] - sf);
      }
    }
  });
}

void layer_norm(const float* x, const float* w, const float* b, float* out, float* mean, float* rstd, long rows, long cols,
                double eps) {
  over_outer(rows, (double)rows * cols * 4, [&](long r0, long r1) {
    for (long r = r0; r < r1; r++) {
      const float* X = x + r * cols;
      float* O = out + r * cols;
      const double mu = sum_row(X, cols) / cols;
      const double rs = 1.0 / std::sqrt(sqdev_row(X, cols, mu) / cols + eps);
      mean[r] = (float)mu;
      rstd[r] = (float)rs;
      const float muf = (float)mu, rsf = (float)rs;
      if (w && b) for (long j = 0; j < cols; j++) O[j] = (X[j] - muf) * rsf * w[j] + b[j];
      else if (w) for (long j = 0; j < cols; j++) O[j] = (X[j] - muf) * rsf * w[j];
      else if (b) for (long j = 0; j < cols; j++) O[j] = (X[j] - muf) * rsf + b[j];
      else for (long j = 0; j < cols; j++) O[j] = (X[j] - muf) * rsf;
    }
  });
}

void layer_norm_grad(const float* x, const float* w, const float* mean, const float* rstd, const float* gy, float* gx,
                     float* gw, float* gb, long rows, long cols) {
  // gx rows are independent (parallel); gw/gb accumulate over rows in row order, like js
  over_outer(rows, (double)rows * cols * 4, [&](long r0, long r1) {
    for (long r = r0; r < r1; r++) {
      const float* X = x + r * cols;
      const float* G = gy + r * cols;
      float* O = gx + r * cols;
      const float mu = mean[r], rs = rstd[r];
      double sg = 0, sgx = 0;
      for (long j = 0; j < cols; j++) {
        const float xhat = (X[j] - mu) * rs;
        const float g = w ? G[j] * w[j] : G[j];
        sg += g;
        sgx += (double)g * xhat;
      }
      const float msg = (float)(sg / cols), msgx = (float)(sgx / cols);
      for (long j = 0; j < cols; j++) {
        const float xhat = (X[j] - mu) * rs;
        const float g = w ? G[j] * w[j] : G[j];
        O[j] = rs * (g - msg - xhat * msgx);
      }
    }
  });
  if (gw || gb) {
    // split over columns so each thread owns a disjoint slice of gw/gb
    parallel_chunks(cols, threads_for((double)rows * cols * 2, kGrain), 16, [&](long c0, long c1) {
      for (long r = 0; r < rows; r++) {
        const float* X = x + r * cols;
        const float* G = gy + r * cols;
        const float mu = mean[r], rs = rstd[r];
        if (gw) for (long j = c0; j < c1; j++) gw[j] += G[j] * ((X[j] - mu) * rs);
        if (gb) for (long j = c0; j < c1; j++) gb[j] += G[j];
      }
    });
  }
}

}  // namespace ingot
