// Elementwise unary ops and their gradients. Hot activations are vectorised with vmath.h; the rest are
// scalar loops (the compiler vectorises the simple ones). Results match the js reference to ~1e-6.
#include <cmath>
#include <cstring>

#include "kernels.h"
#include "threadpool.h"
#include "vmath.h"

namespace ingot {
namespace {

constexpr double kGrain = 32768;  // element-ops worth one thread handoff

// out[i] = fs(x[i]); with AVX-512 uses fv on 16 lanes (masked tail).
template <class FS, class FV>
void map1(const float* x, float* o, long n, double cost, FS fs, FV fv) {
  parallel_chunks(n, threads_for(n * cost, kGrain), 64, [&](long b, long e) {
#if defined(__AVX512F__)
    long i = b;
    for (; i + 16 <= e; i += 16) _mm512_storeu_ps(o + i, fv(_mm512_loadu_ps(x + i)));
    if (i < e) {
      __mmask16 m = (__mmask16)((1u << (e - i)) - 1);
      _mm512_mask_storeu_ps(o + i, m, fv(_mm512_maskz_loadu_ps(m, x + i)));
    }
    (void)fs;
#else
    (void)fv;
    for (long i = b; i < e; i++) o[i] = fs(x[i]);
#endif
  });
}

template <class FS>
void map1s(const float* x, float* o, long n, double cost, FS fs) {
  parallel_chunks(n, threads_for(n * cost, kGrain), 64, [&](long b, long e) {
    for (long i = b; i < e; i++) o[i] = fs(x[i]);
  });
}

// gx[i] = gy[i] · fs(x[i], y[i])
template <class FS>
void grad1(const float* x, const float* y, const float* gy, float* gx, long n, double cost, FS fs) {
  parallel_chunks(n, threads_for(n * cost, kGrain), 64, [&](long b, long e) {
    for (long i = b; i < e; i++) gx[i] = gy[i] * fs(x[i], y[i]);
  });
}

// gx[i] = gy[i] · f(x[i]) for derivatives that depend on x only; vectorised like map1.
template <class FS, class FV>
void grad1v(const float* x, const float* gy, float* gx, long n, double cost, FS fs, FV fv) {
  parallel_chunks(n, threads_for(n * cost, kGrain), 64, [&](long b, long e) {
#if defined(__AVX512F__)
    long i = b;
    for (; i + 16 <= e; i += 16) _mm512_storeu_ps(gx + i, _mm512_mul_ps(_mm512_loadu_ps(gy + i), fv(_mm512_loadu_ps(x + i))));
    if (i < e) {
      __mmask16 m = (__mmask16)((1u << (e - i)) - 1);
      _mm512_mask_storeu_ps(gx + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, gy + i), fv(_mm512_maskz_loadu_ps(m, x + i))));
    }
    (void)fs;
#else
    (void)fv;
    for (long i = b; i < e; i++) gx[i] = gy[i] * fs(x[i]);
#endif
  });
}

#if defined(__AVX512F__)
#define VF(expr) [&](v16 v) -> v16 { return expr; }
#else
#define VF(expr) 0
#endif

const float kGeluC = 0.7978845608028654f;   // sqrt(2/pi)
const float kInvSqrt2Pi = 0.3989422804014327f;

inline float round_half_even(float x) { return std::nearbyint(x); }

}  // namespace

bool unary(int op, const float* x, float* o, long n, const UnaryParams& p) {
  switch (op) {
    case U_NEG: map1s(x, o, n, 1, [](float v) { return -v; }); break;
    case U_ABS: map1s(x, o, n, 1, [](float v) { return std::fabs(v); }); break;
    case U_SIGN: map1s(x, o, n, 1, [](float v) { return v > 0 ? 1.f : v < 0 ? -1.f : v != v ? v : 0.f; }); break;
    case U_EXP: map1(x, o, n, 8, [](float v) { return std::exp(v); }, VF(vexp(v))); break;
    case U_EXPM1: map1s(x, o, n, 20, [](float v) { return (float)std::expm1((double)v); }); break;
    case U_LOG: map1s(x, o, n, 10, [](float v) { return std::log(v); }); break;
    case U_LOG1P: map1s(x, o, n, 20, [](float v) { return (float)std::log1p((double)v); }); break;
    case U_SQRT: map1s(x, o, n, 2, [](float v) { return std::sqrt(v); }); break;
    case U_RSQRT: map1s(x, o, n, 2, [](float v) { return (float)(1.0 / std::sqrt((double)v)); }); break;
    case U_SQUARE: map1s(x, o, n, 1, [](float v) { return v * v; }); break;
    case U_RECIPROCAL: map1s(x, o, n, 2, [](float v) { return 1.f / v; }); break;
    case U_SIN: map1s(x, o, n, 20, [](float v) { return (float)std::sin((double)v); }); break;
    case U_COS: map1s(x, o, n, 20, [](float v) { return (float)std::cos((double)v); }); break;
    case U_TANH: map1(x, o, n, 10, [](float v) { return (float)std::tanh((double)v); }, VF(vtanh(v))); break;
    case U_SIGMOID: map1(x, o, n, 10, [](float v) { return sigmoid_s(v); }, VF(vsigmoid(v))); break;
    case U_RELU: map1s(x, o, n, 1, [](float v) { return v <= 0 ? 0.f : v; }); break;  // NaN propagates
    case U_LEAKY_RELU: {
      float a = p.alpha;
      map1s(x, o, n, 1, [a](float v) { return v > 0 ? v : v * a; });
      break;
    }
    case U_ELU: {
      double a = p.alpha;
      map1s(x, o, n, 20, [a](float v) { return v > 0 ? v : (float)(a * std::expm1((double)v)); });
      break;
    }
    case U_GELU:
      map1(x, o, n, 20, [](float v) { return v * normcdf_s(v); }, VF(_mm512_mul_ps(v, vnormcdf(v))));
      break;
    case U_GELU_TANH:
      // 0.5·x·(1 + tanh(u)) = x·sigmoid(2u): no cancellation for negative x
      map1(x, o, n, 12,
           [](float v) { return v * sigmoid_s(2.f * kGeluC * (v + 0.044715f * v * v * v)); },
           VF(_mm512_mul_ps(v, vsigmoid(_mm512_mul_ps(vset(2.f * kGeluC),
                                                    _mm512_fmadd_ps(_mm512_mul_ps(vset(0.044715f), v), _mm512_mul_ps(v, v), v))))));
      break;
    case U_SILU: map1(x, o, n, 10, [](float v) { return v * sigmoid_s(v); }, VF(_mm512_mul_ps(v, vsigmoid(v)))); break;
    case U_SOFTPLUS:
      map1s(x, o, n, 20, [](float v) {
        double d = v;
        return (float)(d > 20 ? d : d < -20 ? std::exp(d) : std::log1p(std::exp(d)));
      });
      break;
    case U_ERF: map1(x, o, n, 15, [](float v) { return erf_s(v); }, VF(verf(v))); break;
    case U_FLOOR: map1s(x, o, n, 1, [](float v) { return std::floor(v); }); break;
    case U_CEIL: map1s(x, o, n, 1, [](float v) { return std::ceil(v); }); break;
    case U_ROUND: map1s(x, o, n, 1, [](float v) { return round_half_even(v); }); break;
    case U_TRUNC: map1s(x, o, n, 1, [](float v) { return std::trunc(v); }); break;
    case U_CLAMP: {
      float lo = p.min, hi = p.max;
      // Math.min(Math.max(x, lo), hi): NaN (in x or a bound) propagates
      map1s(x, o, n, 1, [lo, hi](float v) {
        float t = (v != v || lo != lo) ? NAN : (v > lo ? v : lo);
        return (t != t || hi != hi) ? NAN : (t < hi ? t : hi);
      });
      break;
    }
    case U_POW_SCALAR: {
      double e = p.exponent;
      if (e == 2) map1s(x, o, n, 1, [](float v) { return v * v; });
      else if (e == 1) map1s(x, o, n, 1, [](float v) { return v; });
      else map1s(x, o, n, 20, [e](float v) { return (float)std::pow((double)v, e); });
      break;
    }
    case U_LOGICAL_NOT: map1s(x, o, n, 1, [](float v) { return v != 0 ? 0.f : 1.f; }); break;  // NaN is true
    case U_ISNAN: map1s(x, o, n, 1, [](float v) { return v != v ? 1.f : 0.f; }); break;
    case U_ISINF: map1s(x, o, n, 1, [](float v) { return std::isinf(v) ? 1.f : 0.f; }); break;
    default: return false;
  }
  return true;
}

bool unary_grad(int op, const float* x, const float* y, const float* gy, float* gx, long n, const UnaryParams& p) {
  switch (op) {
    case U_NEG: grad1(x, y, gy, gx, n, 1, [](float, float) { return -1.f; }); break;
    case U_ABS: grad1(x, y, gy, gx, n, 1, [](float v, float) { return v > 0 ? 1.f : v < 0 ? -1.f : 0.f; }); break;
    case U_EXP: grad1(x, y, gy, gx, n, 1, [](float, float w) { return w; }); break;
    case U_EXPM1: grad1(x, y, gy, gx, n, 1, [](float, float w) { return w + 1.f; }); break;
    case U_LOG: grad1(x, y, gy, gx, n, 2, [](float v, float) { return 1.f / v; }); break;
    case U_LOG1P: grad1(x, y, gy, gx, n, 2, [](float v, float) { return (float)(1.0 / (1.0 + v)); }); break;
    case U_SQRT: grad1(x, y, gy, gx, n, 2, [](float, float w) { return 0.5f / w; }); break;
    case U_RSQRT: grad1(x, y, gy, gx, n, 2, [](float v, float w) { return (float)(-0.5 * w / v); }); break;
    case U_SQUARE: grad1(x, y, gy, gx, n, 1, [](float v, float) { return 2.f * v; }); break;
    case U_RECIPROCAL: grad1(x, y, gy, gx, n, 1, [](float, float w) { return -w * w; }); break;
    case U_SIN: grad1(x, y, gy, gx, n, 20, [](float v, float) { return (float)std::cos((double)v); }); break;
    case U_COS: grad1(x, y, gy, gx, n, 20, [](float v, float) { return (float)-std::sin((double)v); }); break;
    case U_TANH: grad1(x, y, gy, gx, n, 1, [](float, float w) { return 1.f - w * w; }); break;
    case U_SIGMOID: grad1(x, y, gy, gx, n, 1, [](float, float w) { return w * (1.f - w); }); break;
    case U_RELU: grad1(x, y, gy, gx, n, 1, [](float v, float) { return v > 0 ? 1.f : 0.f; }); break;
    case U_LEAKY_RELU: {
      float a = p.alpha;
      grad1(x, y, gy, gx, n, 1, [a](float v, float) { return v > 0 ? 1.f : a; });
      break;
    }
    case U_ELU: {
      float a = p.alpha;
      grad1(x, y, gy, gx, n, 1, [a](float v, float w) { return v > 0 ? 1.f : w + a; });
      break;
    }
    case U_GELU:
      // Φ(x) + x·φ(x); scalar fallback and the 16-lane form (it was 27 ns/element scalar)
      grad1v(x, gy, gx, n, 20, [](float v) { return normcdf_s(v) + v * std::exp(-0.5f * v * v) * kInvSqrt2Pi; },
             VF(_mm512_fmadd_ps(_mm512_mul_ps(v, vexp(_mm512_mul_ps(vset(-0.5f), _mm512_mul_ps(v, v)))), vset(kInvSqrt2Pi), vnormcdf(v))));
      break;
    case U_GELU_TANH:
      grad1v(x, gy, gx, n, 20,
             [](float v) {
               double d = v;
               double u = kGeluC * (d + 0.044715 * d * d * d);
               double t = std::tanh(u);
               return (float)(0.5 * (1 + t) + 0.5 * d * (1 - t * t) * kGeluC * (1 + 3 * 0.044715 * d * d));
             },
             // with s = sigmoid(2u) = (1+tanh u)/2 and 1 − tanh² u = 4s(1−s): no cancellation in the tails
             VF(([](v16 d) {
               const v16 d2 = _mm512_mul_ps(d, d);
               const v16 u2 = _mm512_mul_ps(vset(2 * kGeluC), _mm512_fmadd_ps(_mm512_mul_ps(vset(0.044715f), d2), d, d));
               const v16 sg = vsigmoid(u2);
               const v16 inner = _mm512_fmadd_ps(vset(3 * 0.044715f), d2, vset(1.f));
               const v16 ds = _mm512_mul_ps(_mm512_mul_ps(vset(2 * kGeluC), d), _mm512_mul_ps(sg, _mm512_sub_ps(vset(1.f), sg)));
               return _mm512_fmadd_ps(ds, inner, sg);
             })(v)));
      break;
    case U_SILU:
      grad1(x, y, gy, gx, n, 10, [](float v, float) {
        float s = sigmoid_s(v);
        return s * (1.f + v * (1.f - s));
      });
      break;
    case U_SOFTPLUS: grad1(x, y, gy, gx, n, 10, [](float v, float) { return sigmoid_s(v); }); break;
    case U_ERF:
      grad1(x, y, gy, gx, n, 10, [](float v, float) { return 1.1283791670955126f * std::exp(-v * v); });
      break;
    case U_CLAMP: {
      float lo = p.min, hi = p.max;
      grad1(x, y, gy, gx, n, 1, [lo, hi](float v, float) { return v >= lo && v <= hi ? 1.f : 0.f; });
      break;
    }
    case U_POW_SCALAR: {
      double e = p.exponent;
      grad1(x, y, gy, gx, n, 20, [e](float v, float) { return e == 0 ? 0.f : (float)(e * std::pow((double)v, e - 1)); });
      break;
    }
    case U_SIGN: case U_FLOOR: case U_CEIL: case U_ROUND: case U_TRUNC: case U_LOGICAL_NOT: case U_ISNAN: case U_ISINF:
      grad1(x, y, gy, gx, n, 1, [](float, float) { return 0.f; });
      break;
    default: return false;
  }
  return true;
}

}  // namespace ingot
