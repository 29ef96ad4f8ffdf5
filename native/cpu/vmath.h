// Vectorised float32 transcendental helpers (AVX-512), accurate to a few ulp. NaN in gives NaN out.
#pragma once
#include <cmath>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace ingot {

// Scalar versions with the same formulas, used for tails and non-AVX-512 builds.
inline float sigmoid_s(float x) {
  float e = std::exp(-std::fabs(x));
  float s = 1.f / (1.f + e);
  return x >= 0 ? s : e * s;
}

// erfc(|z|) for |z| >= 0.5 (Numerical Recipes), the same formulas as the js reference (Maclaurin below 0.5).
inline float erfc_big_s(float az) {
  float t = 1.f / (1.f + 0.5f * az);
  float poly = -1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f + t * (-0.18628806f + t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f + t * (-0.82215223f + t * 0.17087277f))))))));
  return t * std::exp(-az * az + poly);
}
inline float erf_small_s(float z) {
  float z2 = z * z;
  return z * (1.1283791670955126f + z2 * (-0.37612638903183754f + z2 * (0.11283791670955126f + z2 * (-0.026866170645131252f + z2 * (0.005223977625442188f + z2 * (-0.0008548327023450852f + z2 * 0.00012055332981789664f))))));
}
inline float erf_s(float x) {
  float ax = std::fabs(x);
  if (ax < 0.5f) return erf_small_s(x);
  float y = erfc_big_s(ax);
  return x >= 0 ? 1.f - y : y - 1.f;
}
// Φ(x) = 0.5·(1 + erf(x/√2)), computed without cancellation in the tails.
inline float normcdf_s(float x) {
  float z = x * 0.70710678118654752f;
  float az = std::fabs(z);
  if (az < 0.5f) return 0.5f * (1.f + erf_small_s(z));
  float y = erfc_big_s(az);
  return x >= 0 ? 1.f - 0.5f * y : 0.5f * y;
}

#if defined(__AVX512F__)
using v16 = __m512;
inline v16 vset(float x) { return _mm512_set1_ps(x); }

inline v16 vexp(v16 x) {
  // clamp (min/max with x second so NaN passes through), then e^x = 2^n · e^r, |r| ≤ ln2/2
  x = _mm512_min_ps(vset(88.8f), x);
  x = _mm512_max_ps(vset(-104.f), x);
  v16 n = _mm512_roundscale_ps(_mm512_mul_ps(x, vset(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  v16 r = _mm512_fnmadd_ps(n, vset(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, vset(-2.12194440e-4f), r);
  v16 p = vset(1.9875691500E-4f);
  p = _mm512_fmadd_ps(p, r, vset(1.3981999507E-3f));
  p = _mm512_fmadd_ps(p, r, vset(8.3334519073E-3f));
  p = _mm512_fmadd_ps(p, r, vset(4.1665795894E-2f));
  p = _mm512_fmadd_ps(p, r, vset(1.6666665459E-1f));
  p = _mm512_fmadd_ps(p, r, vset(5.0000001201E-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, vset(1.f)));
  return _mm512_scalef_ps(p, n);
}

inline v16 vabs(v16 x) { return _mm512_abs_ps(x); }

inline v16 vsigmoid(v16 x) {
  v16 e = vexp(_mm512_sub_ps(_mm512_setzero_ps(), vabs(x)));
  v16 s = _mm512_div_ps(vset(1.f), _mm512_add_ps(vset(1.f), e));
  __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
  return _mm512_mask_mul_ps(s, neg, e, s);
}

inline v16 vtanh(v16 x) {
  v16 ax = vabs(x);
  // small |x|: Cephes odd polynomial; large: 1 − 2/(e^{2|x|} + 1), sign restored
  v16 z = _mm512_mul_ps(x, x);
  v16 p = vset(-5.70498872745E-3f);
  p = _mm512_fmadd_ps(p, z, vset(2.06390887954E-2f));
  p = _mm512_fmadd_ps(p, z, vset(-5.37397155531E-2f));
  p = _mm512_fmadd_ps(p, z, vset(1.33314422036E-1f));
  p = _mm512_fmadd_ps(p, z, vset(-3.33332819422E-1f));
  v16 small = _mm512_fmadd_ps(_mm512_mul_ps(p, z), x, x);
  v16 e = vexp(_mm512_add_ps(ax, ax));
  v16 big = _mm512_sub_ps(vset(1.f), _mm512_div_ps(vset(2.f), _mm512_add_ps(e, vset(1.f))));
  big = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(big),
                                            _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32((int)0x80000000u))));
  __mmask16 isSmall = _mm512_cmp_ps_mask(ax, vset(0.625f), _CMP_LT_OQ);
  return _mm512_mask_blend_ps(isSmall, big, small);
}

inline v16 verfc_big(v16 az) {
  v16 t = _mm512_div_ps(vset(1.f), _mm512_fmadd_ps(vset(0.5f), az, vset(1.f)));
  v16 p = vset(0.17087277f);
  p = _mm512_fmadd_ps(p, t, vset(-0.82215223f));
  p = _mm512_fmadd_ps(p, t, vset(1.48851587f));
  p = _mm512_fmadd_ps(p, t, vset(-1.13520398f));
  p = _mm512_fmadd_ps(p, t, vset(0.27886807f));
  p = _mm512_fmadd_ps(p, t, vset(-0.18628806f));
  p = _mm512_fmadd_ps(p, t, vset(0.09678418f));
  p = _mm512_fmadd_ps(p, t, vset(0.37409196f));
  p = _mm512_fmadd_ps(p, t, vset(1.00002368f));
  p = _mm512_fmadd_ps(p, t, vset(-1.26551223f));
  v16 arg = _mm512_fnmadd_ps(az, az, p);
  return _mm512_mul_ps(t, vexp(arg));
}
inline v16 verf_small(v16 z) {
  v16 z2 = _mm512_mul_ps(z, z);
  v16 p = vset(0.00012055332981789664f);
  p = _mm512_fmadd_ps(p, z2, vset(-0.0008548327023450852f));
  p = _mm512_fmadd_ps(p, z2, vset(0.005223977625442188f));
  p = _mm512_fmadd_ps(p, z2, vset(-0.026866170645131252f));
  p = _mm512_fmadd_ps(p, z2, vset(0.11283791670955126f));
  p = _mm512_fmadd_ps(p, z2, vset(-0.37612638903183754f));
  p = _mm512_fmadd_ps(p, z2, vset(1.1283791670955126f));
  return _mm512_mul_ps(z, p);
}
inline v16 verf(v16 x) {
  v16 ax = vabs(x);
  v16 y = verfc_big(ax);
  v16 one = vset(1.f);
  __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
  v16 big = _mm512_mask_sub_ps(_mm512_sub_ps(one, y), neg, y, one);
  __mmask16 isSmall = _mm512_cmp_ps_mask(ax, vset(0.5f), _CMP_LT_OQ);
  return _mm512_mask_blend_ps(isSmall, big, verf_small(x));
}
inline v16 vnormcdf(v16 x) {
  v16 z = _mm512_mul_ps(x, vset(0.70710678118654752f));
  v16 az = vabs(z);
  v16 hy = _mm512_mul_ps(vset(0.5f), verfc_big(az));
  __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
  v16 big = _mm512_mask_blend_ps(neg, _mm512_sub_ps(vset(1.f), hy), hy);
  v16 small = _mm512_mul_ps(vset(0.5f), _mm512_add_ps(vset(1.f), verf_small(z)));
  __mmask16 isSmall = _mm512_cmp_ps_mask(az, vset(0.5f), _CMP_LT_OQ);
  return _mm512_mask_blend_ps(isSmall, big, small);
}
#endif

}  // namespace ingot
