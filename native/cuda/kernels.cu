// Ingot CUDA kernels. Semantics follow the js backend (src/backends/js), which is the reference.
#include "kernels.h"

#include <cub/device/device_segmented_radix_sort.cuh>
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <cfloat>
#include <climits>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

namespace ingot {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string("cuda backend: ") + what + ": " + cudaGetErrorString(e));
}

void checkLaunch(const char* what) { check(cudaGetLastError(), what); }

namespace {

constexpr int kThreads = 256;

inline unsigned gridFor(int64_t n, int threads = kThreads) {
  int64_t b = (n + threads - 1) / threads;
  if (b < 1) b = 1;
  if (b > (1 << 20)) b = 1 << 20;  // grid-stride loops cover the rest
  return (unsigned)b;
}

#define GRID_STRIDE(I, n) \
  for (int64_t I = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; I < (n); I += (int64_t)gridDim.x * blockDim.x)

// ---------- typed loads and stores (JS typed-array conversions) ----------
__host__ __device__ __forceinline__ double toI32Mod(double v) {
  // ToInt32: NaN and ±Inf give 0, otherwise truncate and wrap modulo 2^32
  if (!isfinite(v)) return 0;
  double t = fmod(trunc(v), 4294967296.0);
  return (double)(int32_t)(uint32_t)(int64_t)t;
}

// St<T>::from(v) stores a computed value as T; St<T>::load(x) reads an element as a number that
// converts to the compute type (halves widen to float, exactly; the rest stay as they are).
template <typename T> struct St;
template <> struct St<float> {
  __host__ __device__ __forceinline__ static float from(float v) { return v; }
  __host__ __device__ __forceinline__ static float from(double v) { return (float)v; }
  __host__ __device__ __forceinline__ static float load(float v) { return v; }
};
template <> struct St<int32_t> {
  __host__ __device__ __forceinline__ static int32_t from(double v) {
    if (v >= -2147483648.0 && v < 2147483648.0) return (int32_t)v;  // truncates toward zero
    return (int32_t)toI32Mod(v);
  }
  __host__ __device__ __forceinline__ static int32_t from(float v) { return from((double)v); }
  __host__ __device__ __forceinline__ static int32_t load(int32_t v) { return v; }
};
template <> struct St<double> {
  __host__ __device__ __forceinline__ static double from(double v) { return v; }
  __host__ __device__ __forceinline__ static double from(float v) { return v; }
  __host__ __device__ __forceinline__ static double load(double v) { return v; }
};
template <> struct St<uint8_t> {
  __host__ __device__ __forceinline__ static uint8_t from(double v) { return v != 0 ? 1 : 0; }
  __host__ __device__ __forceinline__ static uint8_t from(float v) { return v != 0 ? 1 : 0; }
  __host__ __device__ __forceinline__ static uint8_t load(uint8_t v) { return v; }
};
// Doubles reach a half through float32, as the js backend rounds (a Float32Array, then the half): the
// same bits as the reference, even where rounding straight from double would differ.
template <> struct St<__nv_bfloat16> {
  __host__ __device__ __forceinline__ static __nv_bfloat16 from(float v) { return __float2bfloat16_rn(v); }
  __host__ __device__ __forceinline__ static __nv_bfloat16 from(double v) { return __float2bfloat16_rn((float)v); }
  __host__ __device__ __forceinline__ static float load(__nv_bfloat16 v) { return __bfloat162float(v); }
};
template <> struct St<__half> {
  __host__ __device__ __forceinline__ static __half from(float v) { return __float2half_rn(v); }
  __host__ __device__ __forceinline__ static __half from(double v) { return __float2half_rn((float)v); }
  __host__ __device__ __forceinline__ static float load(__half v) { return __half2float(v); }
};

// Element access by a run-time dtype code, for the rare operand mixes (a half with an int32 or bool
// operand) that do not get a kernel of their own: one switch on a value the whole grid shares.
__device__ __forceinline__ double loadAny(const void* p, int dt, int64_t i) {
  switch (dt) {
    case F32: return ((const float*)p)[i];
    case I32: return ((const int32_t*)p)[i];
    case BOOL: return ((const uint8_t*)p)[i];
    case BF16: return St<__nv_bfloat16>::load(((const __nv_bfloat16*)p)[i]);
    default: return St<__half>::load(((const __half*)p)[i]);
  }
}
template <typename C> __device__ __forceinline__ void storeAny(void* p, int dt, int64_t i, C v) {
  switch (dt) {
    case F32: ((float*)p)[i] = St<float>::from(v); break;
    case I32: ((int32_t*)p)[i] = St<int32_t>::from(v); break;
    case BOOL: ((uint8_t*)p)[i] = St<uint8_t>::from(v); break;
    case BF16: ((__nv_bfloat16*)p)[i] = St<__nv_bfloat16>::from(v); break;
    default: ((__half*)p)[i] = St<__half>::from(v); break;
  }
}

template <typename T> __host__ __device__ __forceinline__ bool isNaN(T v) { return v != v; }

// ---------- overloaded math for float and double ----------
#define MATH1(name, fname, dname) \
  __host__ __device__ __forceinline__ float name(float x) { return fname(x); } \
  __host__ __device__ __forceinline__ double name(double x) { return dname(x); }
MATH1(m_exp, expf, exp)
MATH1(m_expm1, expm1f, expm1)
MATH1(m_log, logf, log)
MATH1(m_log1p, log1pf, log1p)
MATH1(m_sqrt, sqrtf, sqrt)
MATH1(m_sin, sinf, sin)
MATH1(m_cos, cosf, cos)
MATH1(m_tanh, tanhf, tanh)
MATH1(m_erf, erff, erf)
MATH1(m_floor, floorf, floor)
MATH1(m_ceil, ceilf, ceil)
MATH1(m_rint, rintf, rint)
MATH1(m_trunc, truncf, trunc)
MATH1(m_abs, fabsf, fabs)
#define MATH2(name, fname, dname) \
  __host__ __device__ __forceinline__ float name(float x, float y) { return fname(x, y); } \
  __host__ __device__ __forceinline__ double name(double x, double y) { return dname(x, y); }
MATH2(m_pow, powf, pow)
MATH2(m_atan2, atan2f, atan2)
// pow with a small integral exponent by repeated squaring: exact for integers (device powf is not:
// powf(-3, 1) can give -2.9999998, which truncates to -2 in int32), and as PyTorch does for x^2
template <typename C> __host__ __device__ __forceinline__ C powF(C a, C b) {
  if (b != m_trunc(b) || m_abs(b) > C(64)) return m_pow(a, b);
  int e = (int)m_abs(b);
  C r = C(1), base = a;
  while (e) {
    if (e & 1) r *= base;
    base *= base;
    e >>= 1;
  }
  return b < 0 ? C(1) / r : r;
}
MATH2(m_fmod, fmodf, fmod)

template <typename C> __host__ __device__ __forceinline__ C sigmoidF(C x) {
  if (x >= 0) return C(1) / (C(1) + m_exp(-x));
  C e = m_exp(x);
  return e / (C(1) + e);
}
// logical ops: any non-zero value is true, NaN included (as in PyTorch and the js backend)
template <typename C> __host__ __device__ __forceinline__ bool truthy(C x) { return x != 0; }
// where's condition follows JS truthiness (NaN is false), as the js backend's `c[i] ? a : b`
template <typename C> __host__ __device__ __forceinline__ bool jsTruthy(C x) { return x != 0 && !isNaN(x); }

// ---------- unary ---------- (op numbers: index in UNARY_OPS / BINARY_OPS, src/backends/backend.ts)
template <typename C> __host__ __device__ __forceinline__ C unaryF(int op, C x, const UnaryP& p) {
  const C SQRT1_2 = C(0.70710678118654752440);
  const C GELU_C = C(0.79788456080286535588);
  switch (op) {
    case 0: return -x;
    case 1: return m_abs(x);
    case 2: return x > 0 ? C(1) : x < 0 ? C(-1) : isNaN(x) ? x : C(0);
    case 3: return m_exp(x);
    case 4: return m_expm1(x);
    case 5: return m_log(x);
    case 6: return m_log1p(x);
    case 7: return m_sqrt(x);
    case 8: return C(1) / m_sqrt(x);
    case 9: return x * x;
    case 10: return C(1) / x;
    case 11: return m_sin(x);
    case 12: return m_cos(x);
    case 13: return m_tanh(x);
    case 14: return sigmoidF(x);
    case 15: return x <= 0 ? C(0) : x;  // NaN propagates
    case 16: return x > 0 ? x : x * C(p.alpha);
    case 17: return x > 0 ? x : C(p.alpha) * m_expm1(x);
    case 18: return C(0.5) * x * (C(1) + m_erf(x * SQRT1_2));
    case 19: return C(0.5) * x * (C(1) + m_tanh(GELU_C * (x + C(0.044715) * x * x * x)));
    case 20: return x * sigmoidF(x);
    case 21: return x > 20 ? x : x < -20 ? m_exp(x) : m_log1p(m_exp(x));
    case 22: return m_erf(x);
    case 23: return m_floor(x);
    case 24: return m_ceil(x);
    case 25: return m_rint(x);  // half to even in the default rounding mode
    case 26: return m_trunc(x);
    case 27: return x < C(p.lo) ? C(p.lo) : x > C(p.hi) ? C(p.hi) : x;  // NaN passes through
    case 28: return powF(x, C(p.exponent));
    case 29: return truthy(x) ? C(0) : C(1);
    case 30: return isNaN(x) ? C(1) : C(0);
    case 31: return (x == C(INFINITY) || x == C(-INFINITY)) ? C(1) : C(0);
    default: return C(NAN);
  }
}

template <typename C> __host__ __device__ __forceinline__ C unaryGradF(int op, C x, C y, const UnaryP& p) {
  const C SQRT1_2 = C(0.70710678118654752440);
  const C GELU_C = C(0.79788456080286535588);
  const C INV_SQRT_2PI = C(0.39894228040143267794);
  const C TWO_OVER_SQRTPI = C(1.12837916709551257390);
  switch (op) {
    case 0: return C(-1);
    case 1: return x > 0 ? C(1) : x < 0 ? C(-1) : C(0);
    case 3: return y;
    case 4: return y + C(1);
    case 5: return C(1) / x;
    case 6: return C(1) / (C(1) + x);
    case 7: return C(0.5) / y;
    case 8: return C(-0.5) * y / x;
    case 9: return C(2) * x;
    case 10: return -y * y;
    case 11: return m_cos(x);
    case 12: return -m_sin(x);
    case 13: return C(1) - y * y;
    case 14: return y * (C(1) - y);
    case 15: return x > 0 ? C(1) : C(0);
    case 16: return x > 0 ? C(1) : C(p.alpha);
    case 17: return x > 0 ? C(1) : y + C(p.alpha);
    case 18: {
      C cdf = C(0.5) * (C(1) + m_erf(x * SQRT1_2));
      C pdf = m_exp(C(-0.5) * x * x) * INV_SQRT_2PI;
      return cdf + x * pdf;
    }
    case 19: {
      C u = GELU_C * (x + C(0.044715) * x * x * x);
      C t = m_tanh(u);
      return C(0.5) * (C(1) + t) + C(0.5) * x * (C(1) - t * t) * GELU_C * (C(1) + C(3) * C(0.044715) * x * x);
    }
    case 20: {
      C s = sigmoidF(x);
      return s * (C(1) + x * (C(1) - s));
    }
    case 21: return sigmoidF(x);
    case 22: return TWO_OVER_SQRTPI * m_exp(-x * x);
    case 27: return (x >= C(p.lo) && x <= C(p.hi)) ? C(1) : C(0);
    case 28: {
      C e = C(p.exponent);
      return e == 0 ? C(0) : e * m_pow(x, e - C(1));
    }
    default: return C(0);  // sign, floor, ceil, round, trunc, logical and test ops
  }
}

template <typename TI, typename TO, typename C, int OP>
__global__ void unaryKernel(const TI* __restrict__ x, TO* __restrict__ out, int64_t n, int op, UnaryP p) {
  const int o = OP >= 0 ? OP : op;
  GRID_STRIDE(i, n) out[i] = St<TO>::from(unaryF<C>(o, (C)St<TI>::load(x[i]), p));
}

// any mix of input and output dtypes, computed in double (mixes without a kernel of their own)
__global__ void unaryAnyKernel(const void* __restrict__ x, int xdt, void* __restrict__ out, int odt, int64_t n, int op, UnaryP p) {
  GRID_STRIDE(i, n) storeAny(out, odt, i, unaryF<double>(op, loadAny(x, xdt, i), p));
}

template <int OP>
__global__ void unaryGradKernel(const float* __restrict__ x, const float* __restrict__ y, const float* __restrict__ gy, float* __restrict__ gx, int64_t n, UnaryP p) {
  GRID_STRIDE(i, n) gx[i] = gy[i] * unaryGradF<float>(OP, x[i], y[i], p);
}

// all four operands of one half type: loaded as float, the float32 arithmetic, gx rounded once
template <typename T>
__global__ void unaryGradHalfKernel(const T* __restrict__ x, const T* __restrict__ y, const T* __restrict__ gy, T* __restrict__ gx, int64_t n, int op, UnaryP p) {
  GRID_STRIDE(i, n) gx[i] = St<T>::from(St<T>::load(gy[i]) * unaryGradF<float>(op, St<T>::load(x[i]), St<T>::load(y[i]), p));
}

// float32 / half operands in any mix (e.g. a float32 gy with bfloat16 x and y), computed in float
__global__ void unaryGradAnyKernel(const void* __restrict__ x, int xdt, const void* __restrict__ y, int ydt, const void* __restrict__ gy, int gydt, void* __restrict__ gx, int gxdt,
                                   int64_t n, int op, UnaryP p) {
  GRID_STRIDE(i, n) {
    const float g = (float)loadAny(gy, gydt, i) * unaryGradF<float>(op, (float)loadAny(x, xdt, i), (float)loadAny(y, ydt, i), p);
    storeAny(gx, gxdt, i, g);
  }
}

// ---------- binary ----------
template <typename C> __host__ __device__ __forceinline__ C binaryF(int op, C a, C b) {
  switch (op) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    case 3: return a / b;
    case 4: return powF(a, b);
    case 5: return (isNaN(a) || isNaN(b)) ? C(NAN) : a > b ? a : b;
    case 6: return (isNaN(a) || isNaN(b)) ? C(NAN) : a < b ? a : b;
    case 7: return m_atan2(a, b);
    case 8: {
      C r = m_fmod(a, b);
      return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
    }
    case 9: return a == b ? C(1) : C(0);
    case 10: return a != b ? C(1) : C(0);
    case 11: return a < b ? C(1) : C(0);
    case 12: return a <= b ? C(1) : C(0);
    case 13: return a > b ? C(1) : C(0);
    case 14: return a >= b ? C(1) : C(0);
    case 15: return (truthy(a) && truthy(b)) ? C(1) : C(0);
    case 16: return (truthy(a) || truthy(b)) ? C(1) : C(0);
    case 17: return (truthy(a) != truthy(b)) ? C(1) : C(0);
    default: return C(NAN);
  }
}

// offsets of NOPS strided operands for a linear index over g.shape
template <typename I, int NOPS>
__host__ __device__ __forceinline__ void stridedOffsets(const Strided& g, I lin, I (&o)[3]) {
  o[0] = 0;
  o[1] = 0;
  o[2] = 0;
  for (int d = g.rank - 1; d >= 0; d--) {
    I sz = (I)g.shape[d];
    I c = lin % sz;
    lin /= sz;
    o[0] += c * (I)g.s0[d];
    if (NOPS > 1) o[1] += c * (I)g.s1[d];
    if (NOPS > 2) o[2] += c * (I)g.s2[d];
  }
}

template <typename TA, typename TB, typename TO, typename C, int OP>
__global__ void binaryFlat(const TA* __restrict__ a, const TB* __restrict__ b, TO* __restrict__ out, int64_t n, int op, int bScalar) {
  const int o = OP >= 0 ? OP : op;
  if (bScalar) {
    const C bv = (C)St<TB>::load(b[0]);
    GRID_STRIDE(i, n) out[i] = St<TO>::from(binaryF<C>(o, (C)St<TA>::load(a[i]), bv));
  } else {
    GRID_STRIDE(i, n) out[i] = St<TO>::from(binaryF<C>(o, (C)St<TA>::load(a[i]), (C)St<TB>::load(b[i])));
  }
}

template <typename I, typename TA, typename TB, typename TO, typename C, int OP>
__global__ void binaryStrided(const TA* __restrict__ a, const TB* __restrict__ b, TO* __restrict__ out, int64_t n, int op, Strided g) {
  const int o = OP >= 0 ? OP : op;
  GRID_STRIDE(i, n) {
    I off[3];
    stridedOffsets<I, 2>(g, (I)i, off);
    out[i] = St<TO>::from(binaryF<C>(o, (C)St<TA>::load(a[off[0]]), (C)St<TB>::load(b[off[1]])));
  }
}

// any mix of operand and output dtypes, computed in double (mixes without a kernel of their own)
__global__ void binaryAnyKernel(const void* __restrict__ a, int adt, const void* __restrict__ b, int bdt, void* __restrict__ out, int odt, int64_t n, int op, Strided g) {
  GRID_STRIDE(i, n) {
    int64_t off[3];
    stridedOffsets<int64_t, 2>(g, i, off);
    storeAny(out, odt, i, binaryF<double>(op, loadAny(a, adt, off[0]), loadAny(b, bdt, off[1])));
  }
}

template <typename TA, typename TO>
__global__ void binaryScalarKernel(const TA* __restrict__ a, double s, TO* __restrict__ out, int64_t n, int op, int reversed) {
  if (reversed) {
    GRID_STRIDE(i, n) out[i] = St<TO>::from(binaryF<double>(op, s, (double)St<TA>::load(a[i])));
  } else {
    GRID_STRIDE(i, n) out[i] = St<TO>::from(binaryF<double>(op, (double)St<TA>::load(a[i]), s));
  }
}

template <int OP>
__global__ void binaryScalarF32(const float* __restrict__ a, float s, float* __restrict__ out, int64_t n, int reversed) {
  if (reversed) {
    GRID_STRIDE(i, n) out[i] = binaryF<float>(OP, s, a[i]);
  } else {
    GRID_STRIDE(i, n) out[i] = binaryF<float>(OP, a[i], s);
  }
}

// ---------- memory ----------
template <typename T>
__global__ void fillKernel(T* p, int64_t n, T v) {
  GRID_STRIDE(i, n) p[i] = v;
}

template <typename TI, typename TO>
__global__ void castKernel(const TI* __restrict__ a, TO* __restrict__ b, int64_t n) {
  GRID_STRIDE(i, n) b[i] = St<TO>::from((double)St<TI>::load(a[i]));
}
template <>
__global__ void castKernel<float, float>(const float* __restrict__ a, float* __restrict__ b, int64_t n) {
  GRID_STRIDE(i, n) b[i] = a[i];
}

// float32 ↔ half, four elements a thread: one 16-byte float load or store against one 8-byte half
// access. Autocast casts every weight and activation it lowers, so these run a few hundred times a step.
// The conversions are St<>'s, so the bits equal the scalar kernel's.
template <typename H>
__global__ void castFloatToHalf4(const float4* __restrict__ a, uint2* __restrict__ b, int64_t n4) {
  GRID_STRIDE(i, n4) {
    const float4 v = a[i];
    H h[4] = {St<H>::from(v.x), St<H>::from(v.y), St<H>::from(v.z), St<H>::from(v.w)};
    uint2 u;
    memcpy(&u, h, sizeof(u));
    b[i] = u;
  }
}
template <typename H>
__global__ void castHalfToFloat4(const uint2* __restrict__ a, float4* __restrict__ b, int64_t n4) {
  GRID_STRIDE(i, n4) {
    const uint2 u = a[i];
    H h[4];
    memcpy(h, &u, sizeof(u));
    b[i] = make_float4(St<H>::load(h[0]), St<H>::load(h[1]), St<H>::load(h[2]), St<H>::load(h[3]));
  }
}

template <typename I, typename T>
__global__ void copyStridedKernel(const T* __restrict__ src, T* __restrict__ dst, int64_t n, Strided g) {
  GRID_STRIDE(i, n) {
    I off[3];
    stridedOffsets<I, 2>(g, (I)i, off);
    dst[off[1]] = src[off[0]];
  }
}

template <typename I, typename TC, typename T>
__global__ void whereKernel(const TC* __restrict__ c, const T* __restrict__ a, const T* __restrict__ b, T* __restrict__ out, int64_t n, Strided g) {
  GRID_STRIDE(i, n) {
    I off[3];
    stridedOffsets<I, 3>(g, (I)i, off);
    out[i] = jsTruthy(c[off[0]]) ? a[off[1]] : b[off[2]];
  }
}

// ---------- reductions ----------
template <int OP> __device__ __forceinline__ double rInit() {
  return OP == 0 ? 0.0 : OP == 1 ? 1.0 : OP == 2 ? -INFINITY : INFINITY;
}
template <int OP> __host__ __device__ __forceinline__ double rCombine(double a, double b) {
  if (OP == 0) return a + b;
  if (OP == 1) return a * b;
  if (isNaN(a)) return a;
  if (isNaN(b)) return b;
  if (OP == 2) return b > a ? b : a;
  return b < a ? b : a;
}
template <int OP> __device__ __forceinline__ double warpCombine(double v) {
  for (int o = 16; o > 0; o >>= 1) v = rCombine<OP>(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// rows of length r (contiguous); grid (chunks, rows); each block writes one value per (row, chunk)
template <typename TI, typename TO, int OP>
__global__ void rowReduceKernel(const TI* __restrict__ x, TO* __restrict__ out, int64_t r, int64_t chunk) {
  __shared__ double sm[32];
  const int64_t row = blockIdx.y + (int64_t)blockIdx.z * gridDim.y;
  const int64_t begin = (int64_t)blockIdx.x * chunk;
  int64_t end = begin + chunk;
  if (end > r) end = r;
  const TI* xr = x + row * r;
  double acc = rInit<OP>();
  for (int64_t i = begin + threadIdx.x; i < end; i += blockDim.x) acc = rCombine<OP>(acc, (double)St<TI>::load(xr[i]));
  acc = warpCombine<OP>(acc);
  const int w = threadIdx.x >> 5, l = threadIdx.x & 31;
  if (l == 0) sm[w] = acc;
  __syncthreads();
  if (w == 0) {
    acc = l < (int)(blockDim.x >> 5) ? sm[l] : rInit<OP>();
    acc = warpCombine<OP>(acc);
    if (l == 0) out[row * gridDim.x + blockIdx.x] = St<TO>::from(acc);
  }
}

// [outer, r, inner] with inner > 1: block (32, ty) over 32 columns of one outer slice and rows
// [blockIdx.y·chunk, +chunk); block y writes out[(y·outer + p)·inner + q] (partials when gridDim.y > 1)
template <typename TI, typename TO, int OP>
__global__ void colReduceKernel(const TI* __restrict__ x, TO* __restrict__ out, int64_t outer, int64_t r, int64_t inner, int64_t colBlocks, int64_t chunk) {
  __shared__ double sm[32][33];
  const int64_t p = blockIdx.x / colBlocks;
  const int64_t q = (blockIdx.x % colBlocks) * 32 + threadIdx.x;
  const int64_t begin = (int64_t)blockIdx.y * chunk;
  const int64_t end = begin + chunk < r ? begin + chunk : r;
  double acc = rInit<OP>();
  if (q < inner) {
    const TI* base = x + p * r * inner + q;
    for (int64_t i = begin + threadIdx.y; i < end; i += blockDim.y) acc = rCombine<OP>(acc, (double)St<TI>::load(base[i * inner]));
  }
  sm[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y == 0 && q < inner) {
    for (int k = 1; k < (int)blockDim.y; k++) acc = rCombine<OP>(acc, sm[k][threadIdx.x]);
    out[((int64_t)blockIdx.y * outer + p) * inner + q] = St<TO>::from(acc);
  }
}

// (value, index) candidates for arg reductions; index -1 marks an empty candidate
__host__ __device__ __forceinline__ bool argTakes(bool isMax, double v1, int64_t i1, double v2, int64_t i2) {
  if (i2 < 0) return false;
  if (i1 < 0) return true;
  if (isNaN(v1)) return isNaN(v2) && i2 < i1;
  if (isNaN(v2)) return true;
  if (v2 == v1) return i2 < i1;
  return isMax ? v2 > v1 : v2 < v1;
}

template <typename TI>
__global__ void argRowKernel(const TI* __restrict__ x, int32_t* __restrict__ out, int64_t r, bool isMax) {
  __shared__ double sv[32];
  __shared__ int64_t si[32];
  const int64_t row = blockIdx.x + (int64_t)blockIdx.y * gridDim.x;
  const TI* xr = x + row * r;
  double bv = 0;
  int64_t bi = -1;
  for (int64_t i = threadIdx.x; i < r; i += blockDim.x) {
    double v = (double)xr[i];
    if (argTakes(isMax, bv, bi, v, i)) {
      bv = v;
      bi = i;
    }
  }
  for (int o = 16; o > 0; o >>= 1) {
    double v = __shfl_xor_sync(0xffffffffu, bv, o);
    int64_t i = __shfl_xor_sync(0xffffffffu, bi, o);
    if (argTakes(isMax, bv, bi, v, i)) {
      bv = v;
      bi = i;
    }
  }
  const int w = threadIdx.x >> 5, l = threadIdx.x & 31;
  if (l == 0) {
    sv[w] = bv;
    si[w] = bi;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    for (int k = 1; k < (int)(blockDim.x >> 5); k++) {
      if (argTakes(isMax, bv, bi, sv[k], si[k])) {
        bv = sv[k];
        bi = si[k];
      }
    }
    out[row] = (int32_t)(bi < 0 ? 0 : bi);
  }
}

template <typename TI>
__global__ void argColKernel(const TI* __restrict__ x, int32_t* __restrict__ out, int64_t outer, int64_t r, int64_t inner, bool isMax) {
  GRID_STRIDE(t, outer * inner) {
    const int64_t p = t / inner, q = t % inner;
    const TI* base = x + p * r * inner + q;
    double best = (double)base[0];
    int64_t bi = 0;
    for (int64_t i = 1; i < r && !isNaN(best); i++) {
      double v = (double)base[i * inner];
      if ((isMax ? v > best : v < best) || isNaN(v)) {
        best = v;
        bi = i;
      }
    }
    out[t] = (int32_t)bi;
  }
}

template <typename TI, typename TO>
__global__ void cumsumKernel(const TI* __restrict__ x, TO* __restrict__ out, int64_t outer, int64_t r, int64_t inner, bool reverse) {
  GRID_STRIDE(t, outer * inner) {
    const int64_t p = t / inner, q = t % inner;
    const int64_t base = p * r * inner + q;
    double acc = 0;
    for (int64_t k = 0; k < r; k++) {
      const int64_t i = reverse ? r - 1 - k : k;
      acc += (double)x[base + i * inner];
      out[base + i * inner] = St<TO>::from(acc);
    }
  }
}

// ---------- indexing ----------
template <typename T>
__global__ void gatherKernel(const T* __restrict__ x, const int32_t* __restrict__ idx, T* __restrict__ out, int64_t outer, int64_t rx, int64_t ri, int64_t inner) {
  GRID_STRIDE(o, outer * ri * inner) {
    const int64_t q = o % inner;
    const int64_t p = o / (ri * inner);
    const int64_t k = idx[o];
    out[o] = (k >= 0 && k < rx) ? x[(p * rx + k) * inner + q] : T(0);
  }
}

template <typename T>
__global__ void scatterAddKernel(const T* __restrict__ src, const int32_t* __restrict__ idx, T* __restrict__ out, int64_t outer, int64_t rOut, int64_t ri, int64_t inner) {
  GRID_STRIDE(o, outer * ri * inner) {
    const int64_t q = o % inner;
    const int64_t p = o / (ri * inner);
    const int64_t k = idx[o];
    if (k >= 0 && k < rOut) atomicAdd(&out[(p * rOut + k) * inner + q], src[o]);
  }
}

template <typename T>
__global__ void indexSelectKernel(const T* __restrict__ x, const int32_t* __restrict__ idx, T* __restrict__ out, int64_t outer, int64_t rx, int64_t nIdx, int64_t inner) {
  GRID_STRIDE(o, outer * nIdx * inner) {
    const int64_t q = o % inner;
    const int64_t j = (o / inner) % nIdx;
    const int64_t p = o / (nIdx * inner);
    const int64_t k = idx[j];
    out[o] = (k >= 0 && k < rx) ? x[(p * rx + k) * inner + q] : T(0);
  }
}

template <typename T>
__global__ void indexAddKernel(const T* __restrict__ src, const int32_t* __restrict__ idx, T* __restrict__ out, int64_t outer, int64_t rOut, int64_t nIdx, int64_t inner) {
  GRID_STRIDE(o, outer * nIdx * inner) {
    const int64_t q = o % inner;
    const int64_t j = (o / inner) % nIdx;
    const int64_t p = o / (nIdx * inner);
    const int64_t k = idx[j];
    if (k >= 0 && k < rOut) atomicAdd(&out[(p * rOut + k) * inner + q], src[o]);
  }
}

// ---------- row kernels: a warp per row (WARP) or a block per row ----------
__device__ __forceinline__ float warpSum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
__device__ __forceinline__ float warpMax(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

template <bool WARP> struct Row {
  __device__ __forceinline__ static int width() { return WARP ? 32 : (int)blockDim.x; }
  __device__ __forceinline__ static int lane() { return WARP ? (int)(threadIdx.x & 31) : (int)threadIdx.x; }
  __device__ __forceinline__ static int64_t row() {
    return WARP ? (int64_t)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5) : (int64_t)blockIdx.x;
  }
  __device__ __forceinline__ static float sum(float v, float* sm) {
    v = warpSum(v);
    if (WARP) return v;
    const int w = threadIdx.x >> 5, l = threadIdx.x & 31, nw = blockDim.x >> 5;
    __syncthreads();
    if (l == 0) sm[w] = v;
    __syncthreads();
    return warpSum(l < nw ? sm[l] : 0.f);
  }
  __device__ __forceinline__ static float max(float v, float* sm) {
    v = warpMax(v);
    if (WARP) return v;
    const int w = threadIdx.x >> 5, l = threadIdx.x & 31, nw = blockDim.x >> 5;
    __syncthreads();
    if (l == 0) sm[w] = v;
    __syncthreads();
    return warpMax(l < nw ? sm[l] : -INFINITY);
  }
};

template <bool WARP>
__global__ void softmaxKernel(const float* __restrict__ x, float* __restrict__ out, int64_t rows, int64_t cols, bool log) {
  __shared__ float sm[32];
  const int64_t row = Row<WARP>::row();
  if (row >= rows) return;
  const float* xr = x + row * cols;
  float* orow = out + row * cols;
  const int lane = Row<WARP>::lane(), width = Row<WARP>::width();
  float mx = -INFINITY;
  for (int64_t j = lane; j < cols; j += width) mx = fmaxf(mx, xr[j]);
  mx = Row<WARP>::max(mx, sm);
  if (mx == -INFINITY) mx = 0.f;  // a fully masked row gives NaN below, as in PyTorch
  float s = 0.f;
  for (int64_t j = lane; j < cols; j += width) s += expf(xr[j] - mx);
  s = Row<WARP>::sum(s, sm);
  if (log) {
    const float lse = logf(s);
    for (int64_t j = lane; j < cols; j += width) orow[j] = xr[j] - mx - lse;
  } else {
    const float inv = 1.f / s;
    for (int64_t j = lane; j < cols; j += width) orow[j] = expf(xr[j] - mx) * inv;
  }
}

template <bool WARP>
__global__ void softmaxGradKernel(const float* __restrict__ y, const float* __restrict__ gy, float* __restrict__ gx, int64_t rows, int64_t cols, bool log) {
  __shared__ float sm[32];
  const int64_t row = Row<WARP>::row();
  if (row >= rows) return;
  const int64_t base = row * cols;
  const int lane = Row<WARP>::lane(), width = Row<WARP>::width();
  float s = 0.f;
  if (log) {
    for (int64_t j = lane; j < cols; j += width) s += gy[base + j];
  } else {
    for (int64_t j = lane; j < cols; j += width) s += gy[base + j] * y[base + j];
  }
  s = Row<WARP>::sum(s, sm);
  if (log) {
    for (int64_t j = lane; j < cols; j += width) gx[base + j] = gy[base + j] - expf(y[base + j]) * s;
  } else {
    for (int64_t j = lane; j < cols; j += width) gx[base + j] = y[base + j] * (gy[base + j] - s);
  }
}

// A warp per row with the row held in registers (cols <= 32*VPT): one read of x, one write. With
// causalLq > 0, row r is query (r mod causalLq) of causal attention and sees columns j <= that index;
// the masked columns are neither read nor exponentiated, and come out 0 (-inf for log-softmax).
template <int VPT>
__global__ void softmaxRegKernel(const float* __restrict__ x, float* __restrict__ out, int64_t rows, int cols, bool log, float scale, int64_t causalLq) {
  const int64_t row = (int64_t)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
  if (row >= rows) return;
  const int lane = threadIdx.x & 31;
  const int limit = causalLq > 0 && row % causalLq + 1 < cols ? (int)(row % causalLq + 1) : cols;
  const float* xr = x + row * cols;
  float* orow = out + row * cols;
  float v[VPT];
  float mx = -INFINITY;
#pragma unroll
  for (int k = 0; k < VPT; k++) {
    const int j = k * 32 + lane;
    v[k] = j < limit ? xr[j] * scale : -INFINITY;
    mx = fmaxf(mx, v[k]);
  }
  mx = warpMax(mx);
  if (mx == -INFINITY) mx = 0.f;  // a fully masked row gives NaN below, as in PyTorch
  float s = 0.f;
#pragma unroll
  for (int k = 0; k < VPT; k++) {
    v[k] -= mx;
    s += k * 32 + lane < limit ? expf(v[k]) : 0.f;
  }
  s = warpSum(s);
  const float lse = logf(s), inv = 1.f / s;
#pragma unroll
  for (int k = 0; k < VPT; k++) {
    const int j = k * 32 + lane;
    if (j < cols) orow[j] = j < limit ? (log ? v[k] - lse : expf(v[k]) * inv) : (log ? -INFINITY : 0.f);
  }
}

// The gradient of softmaxRegKernel with respect to x (its scale included); masked columns get 0.
template <int VPT>
__global__ void softmaxGradRegKernel(const float* __restrict__ y, const float* __restrict__ gy, float* __restrict__ gx, int64_t rows, int cols, bool log, float scale, int64_t causalLq) {
  const int64_t row = (int64_t)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
  if (row >= rows) return;
  const int lane = threadIdx.x & 31;
  const int limit = causalLq > 0 && row % causalLq + 1 < cols ? (int)(row % causalLq + 1) : cols;
  const int64_t base = row * cols;
  float yv[VPT], gv[VPT];
  float s = 0.f;
#pragma unroll
  for (int k = 0; k < VPT; k++) {
    const int j = k * 32 + lane;
    const bool in = j < limit;
    yv[k] = in ? y[base + j] : 0.f;
    gv[k] = in ? gy[base + j] : 0.f;
    s += log ? gv[k] : gv[k] * yv[k];
  }
  s = warpSum(s);
#pragma unroll
  for (int k = 0; k < VPT; k++) {
    const int j = k * 32 + lane;
    if (j < cols) gx[base + j] = j < limit ? scale * (log ? gv[k] - expf(yv[k]) * s : yv[k] * (gv[k] - s)) : 0.f;
  }
}

// Cross-entropy over long rows (a language model's vocabulary), a block per row: loss[r] =
// logsumexp(x[r]) - x[r, t[r]] and lse[r] kept for the backward pass; rows whose target is ignoreIndex
// get loss 0. One read of the logits with an online max/sum; no log-probabilities are stored.
__global__ void crossEntropyKernel(const float* __restrict__ x, const int32_t* __restrict__ t, float* __restrict__ loss, float* __restrict__ lse, int64_t cols, int32_t ignoreIndex) {
  __shared__ float smM[32], smS[32];
  const int64_t row = blockIdx.x;
  const float* xr = x + row * cols;
  float m = -INFINITY, s = 0.f;
  for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) {
    const float v = xr[j];
    if (v > m) {
      s = s * expf(m - v) + 1.f;
      m = v;
    } else {
      s += expf(v - m);
    }
  }
  // merge (m, s) pairs: first across the warp, then across warps
  for (int o = 16; o > 0; o >>= 1) {
    const float m2 = __shfl_xor_sync(0xffffffffu, m, o), s2 = __shfl_xor_sync(0xffffffffu, s, o);
    const float mm = fmaxf(m, m2);
    s = (m == -INFINITY ? 0.f : s * expf(m - mm)) + (m2 == -INFINITY ? 0.f : s2 * expf(m2 - mm));
    m = mm;
  }
  const int w = threadIdx.x >> 5, l = threadIdx.x & 31, nw = blockDim.x >> 5;
  if (l == 0) {
    smM[w] = m;
    smS[w] = s;
  }
  __syncthreads();
  if (w == 0) {
    m = l < nw ? smM[l] : -INFINITY;
    s = l < nw ? smS[l] : 0.f;
    for (int o = 16; o > 0; o >>= 1) {
      const float m2 = __shfl_xor_sync(0xffffffffu, m, o), s2 = __shfl_xor_sync(0xffffffffu, s, o);
      const float mm = fmaxf(m, m2);
      s = (m == -INFINITY ? 0.f : s * expf(m - mm)) + (m2 == -INFINITY ? 0.f : s2 * expf(m2 - mm));
      m = mm;
    }
    if (l == 0) {
      const float z = m + logf(s);
      lse[row] = z;
      const int32_t tr = t[row];
      loss[row] = tr == ignoreIndex || tr < 0 || tr >= cols ? 0.f : z - xr[tr];
    }
  }
}

// gx[r, c] = w[r]·(exp(x[r, c] − lse[r]) − [c == t[r]]): the gradient of the row losses above scaled by
// w (the upstream gradient times the row's weight, 0 for ignored rows), in one pass.
__global__ void crossEntropyGradKernel(const float* __restrict__ x, const int32_t* __restrict__ t, const float* __restrict__ lse, const float* __restrict__ w, float* __restrict__ gx, int64_t rows, int64_t cols) {
  const int64_t row = blockIdx.y + (int64_t)blockIdx.z * gridDim.y;
  if (row >= rows) return;
  const float z = lse[row], wr = w[row];
  const int32_t tr = t[row];
  const float* xr = x + row * cols;
  float* gr = gx + row * cols;
  for (int64_t j = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; j < cols; j += (int64_t)gridDim.x * blockDim.x) {
    gr[j] = wr == 0.f ? 0.f : wr * (expf(xr[j] - z) - (j == tr ? 1.f : 0.f));
  }
}

template <bool WARP>
__global__ void layerNormKernel(const float* __restrict__ x, const float* __restrict__ w, const float* __restrict__ b, float* __restrict__ out, float* __restrict__ mean, float* __restrict__ rstd, int64_t rows, int64_t cols, float eps) {
  __shared__ float sm[32];
  const int64_t row = Row<WARP>::row();
  if (row >= rows) return;
  const float* xr = x + row * cols;
  float* orow = out + row * cols;
  const int lane = Row<WARP>::lane(), width = Row<WARP>::width();
  float s = 0.f;
  for (int64_t j = lane; j < cols; j += width) s += xr[j];
  const float mu = Row<WARP>::sum(s, sm) / (float)cols;
  float v = 0.f;
  for (int64_t j = lane; j < cols; j += width) {
    const float d = xr[j] - mu;
    v += d * d;
  }
  v = Row<WARP>::sum(v, sm);
  const float rs = 1.f / sqrtf(v / (float)cols + eps);
  if (lane == 0) {
    mean[row] = mu;
    rstd[row] = rs;
  }
  for (int64_t j = lane; j < cols; j += width) {
    float yv = (xr[j] - mu) * rs;
    if (w) yv *= w[j];
    if (b) yv += b[j];
    orow[j] = yv;
  }
}

template <bool WARP>
__global__ void layerNormGradKernel(const float* __restrict__ x, const float* __restrict__ w, const float* __restrict__ mean, const float* __restrict__ rstd, const float* __restrict__ gy, float* __restrict__ gx, int64_t rows, int64_t cols) {
  __shared__ float sm[32];
  const int64_t row = Row<WARP>::row();
  if (row >= rows) return;
  const int64_t base = row * cols;
  const int lane = Row<WARP>::lane(), width = Row<WARP>::width();
  const float mu = mean[row], rs = rstd[row];
  float sg = 0.f, sgx = 0.f;
  for (int64_t j = lane; j < cols; j += width) {
    const float xhat = (x[base + j] - mu) * rs;
    const float g = w ? gy[base + j] * w[j] : gy[base + j];
    sg += g;
    sgx += g * xhat;
  }
  sg = Row<WARP>::sum(sg, sm) / (float)cols;
  sgx = Row<WARP>::sum(sgx, sm) / (float)cols;
  for (int64_t j = lane; j < cols; j += width) {
    const float xhat = (x[base + j] - mu) * rs;
    const float g = w ? gy[base + j] * w[j] : gy[base + j];
    gx[base + j] = rs * (g - sg - xhat * sgx);
  }
}

// gw[j] += Σ_rows gy·xhat, gb[j] += Σ_rows gy; block (32, 8) over 32 columns and a slice of rows
__global__ void layerNormParamGradKernel(const float* __restrict__ x, const float* __restrict__ mean, const float* __restrict__ rstd, const float* __restrict__ gy, float* __restrict__ gw, float* __restrict__ gb, int64_t rows, int64_t cols) {
  __shared__ float sw[8][33];
  __shared__ float sb[8][33];
  const int64_t j = (int64_t)blockIdx.x * 32 + threadIdx.x;
  float aw = 0.f, ab = 0.f;
  if (j < cols) {
    for (int64_t r = (int64_t)blockIdx.y * blockDim.y + threadIdx.y; r < rows; r += (int64_t)gridDim.y * blockDim.y) {
      const float g = gy[r * cols + j];
      aw += g * (x[r * cols + j] - mean[r]) * rstd[r];
      ab += g;
    }
  }
  sw[threadIdx.y][threadIdx.x] = aw;
  sb[threadIdx.y][threadIdx.x] = ab;
  __syncthreads();
  if (threadIdx.y == 0 && j < cols) {
    for (int k = 1; k < 8; k++) {
      aw += sw[k][threadIdx.x];
      ab += sb[k][threadIdx.x];
    }
    if (gw) atomicAdd(&gw[j], aw);
    if (gb) atomicAdd(&gb[j], ab);
  }
}

// ---------- convolution helpers and pooling ----------
__global__ void im2colKernel(const float* __restrict__ x, float* __restrict__ cols, ConvG g) {
  const int64_t total = (int64_t)g.n * g.c * g.kh * g.kw * g.oh * g.ow;
  GRID_STRIDE(o, total) {
    int64_t t = o;
    const int xq = (int)(t % g.ow); t /= g.ow;
    const int y = (int)(t % g.oh); t /= g.oh;
    const int j = (int)(t % g.kw); t /= g.kw;
    const int i = (int)(t % g.kh); t /= g.kh;
    const int64_t plane = t;  // b·c + ch
    const int iy = y * g.sh - g.ph + i * g.dh;
    const int ix = xq * g.sw - g.pw + j * g.dw;
    cols[o] = (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) ? x[(plane * g.h + iy) * g.w + ix] : 0.f;
  }
}

// each x element gathers the column entries that read it (deterministic, no atomics)
__global__ void col2imKernel(const float* __restrict__ cols, float* __restrict__ x, ConvG g) {
  const int64_t total = (int64_t)g.n * g.c * g.h * g.w;
  GRID_STRIDE(e, total) {
    int64_t t = e;
    const int ix = (int)(t % g.w); t /= g.w;
    const int iy = (int)(t % g.h); t /= g.h;
    const int64_t plane = t;
    float acc = 0.f;
    for (int i = 0; i < g.kh; i++) {
      const int yy = iy + g.ph - i * g.dh;
      if (yy < 0 || yy % g.sh != 0) continue;
      const int y = yy / g.sh;
      if (y >= g.oh) continue;
      for (int j = 0; j < g.kw; j++) {
        const int xx = ix + g.pw - j * g.dw;
        if (xx < 0 || xx % g.sw != 0) continue;
        const int xq = xx / g.sw;
        if (xq >= g.ow) continue;
        acc += cols[(((plane * g.kh + i) * g.kw + j) * g.oh + y) * g.ow + xq];
      }
    }
    x[e] += acc;
  }
}

__global__ void maxPoolKernel(const float* __restrict__ x, float* __restrict__ out, int32_t* __restrict__ argmax, PoolG g) {
  const int64_t total = (int64_t)g.planes * g.oh * g.ow;
  GRID_STRIDE(o, total) {
    const int xq = (int)(o % g.ow);
    const int y = (int)((o / g.ow) % g.oh);
    const int64_t pl = o / ((int64_t)g.oh * g.ow);
    const float* xp = x + pl * g.h * g.w;
    float best = -INFINITY;
    int bi = -1;
    for (int i = 0; i < g.kh; i++) {
      const int iy = y * g.sh - g.ph + i * g.dh;
      if (iy < 0 || iy >= g.h) continue;
      for (int j = 0; j < g.kw; j++) {
        const int ix = xq * g.sw - g.pw + j * g.dw;
        if (ix < 0 || ix >= g.w) continue;
        const float v = xp[iy * g.w + ix];
        if (v > best || bi < 0 || isNaN(v)) {
          best = v;
          bi = iy * g.w + ix;
        }
      }
    }
    out[o] = best;
    argmax[o] = bi;
  }
}

__global__ void maxPoolGradKernel(const float* __restrict__ gy, const int32_t* __restrict__ argmax, float* __restrict__ gx, PoolG g) {
  const int64_t total = (int64_t)g.planes * g.oh * g.ow;
  GRID_STRIDE(o, total) {
    const int a = argmax[o];
    if (a >= 0) atomicAdd(&gx[(o / ((int64_t)g.oh * g.ow)) * g.h * g.w + a], gy[o]);
  }
}

struct AvgWin {
  int ya, yb, xa, xb;
  float div;
};
__device__ __forceinline__ AvgWin avgWindow(const PoolG& g, int y, int xq) {
  const int y0 = y * g.sh - g.ph, x0 = xq * g.sw - g.pw;
  const int y1 = min(y0 + g.kh, g.h + g.ph), x1 = min(x0 + g.kw, g.w + g.pw);
  AvgWin a;
  a.ya = max(y0, 0);
  a.yb = min(y1, g.h);
  a.xa = max(x0, 0);
  a.xb = min(x1, g.w);
  const int padded = (y1 - y0) * (x1 - x0);
  const int count = max(a.yb - a.ya, 0) * max(a.xb - a.xa, 0);
  a.div = (float)(g.countIncludePad ? padded : count);
  return a;
}

__global__ void avgPoolKernel(const float* __restrict__ x, float* __restrict__ out, PoolG g) {
  const int64_t total = (int64_t)g.planes * g.oh * g.ow;
  GRID_STRIDE(o, total) {
    const int xq = (int)(o % g.ow);
    const int y = (int)((o / g.ow) % g.oh);
    const int64_t pl = o / ((int64_t)g.oh * g.ow);
    const AvgWin a = avgWindow(g, y, xq);
    const float* xp = x + pl * g.h * g.w;
    float s = 0.f;
    for (int iy = a.ya; iy < a.yb; iy++)
      for (int ix = a.xa; ix < a.xb; ix++) s += xp[iy * g.w + ix];
    out[o] = s / a.div;
  }
}

__global__ void avgPoolGradKernel(const float* __restrict__ gy, float* __restrict__ gx, PoolG g) {
  const int64_t total = (int64_t)g.planes * g.oh * g.ow;
  GRID_STRIDE(o, total) {
    const int xq = (int)(o % g.ow);
    const int y = (int)((o / g.ow) % g.oh);
    const int64_t pl = o / ((int64_t)g.oh * g.ow);
    const AvgWin a = avgWindow(g, y, xq);
    const float v = gy[o] / a.div;
    float* xp = gx + pl * g.h * g.w;
    for (int iy = a.ya; iy < a.yb; iy++)
      for (int ix = a.xa; ix < a.xb; ix++) atomicAdd(&xp[iy * g.w + ix], v);
  }
}

__global__ void adaptiveAvgKernel(const float* __restrict__ x, float* __restrict__ out, int64_t planes, int h, int w, int oh, int ow) {
  GRID_STRIDE(o, planes * oh * ow) {
    const int xq = (int)(o % ow);
    const int y = (int)((o / ow) % oh);
    const int64_t pl = o / ((int64_t)oh * ow);
    const int y0 = (y * h) / oh, y1 = ((y + 1) * h + oh - 1) / oh;
    const int x0 = (xq * w) / ow, x1 = ((xq + 1) * w + ow - 1) / ow;
    const float* xp = x + pl * h * w;
    float s = 0.f;
    for (int iy = y0; iy < y1; iy++)
      for (int ix = x0; ix < x1; ix++) s += xp[iy * w + ix];
    out[o] = s / (float)((y1 - y0) * (x1 - x0));
  }
}

__global__ void adaptiveAvgGradKernel(const float* __restrict__ gy, float* __restrict__ gx, int64_t planes, int h, int w, int oh, int ow) {
  GRID_STRIDE(o, planes * oh * ow) {
    const int xq = (int)(o % ow);
    const int y = (int)((o / ow) % oh);
    const int64_t pl = o / ((int64_t)oh * ow);
    const int y0 = (y * h) / oh, y1 = ((y + 1) * h + oh - 1) / oh;
    const int x0 = (xq * w) / ow, x1 = ((xq + 1) * w + ow - 1) / ow;
    const float v = gy[o] / (float)((y1 - y0) * (x1 - x0));
    float* xp = gx + pl * h * w;
    for (int iy = y0; iy < y1; iy++)
      for (int ix = x0; ix < x1; ix++) atomicAdd(&xp[iy * w + ix], v);
  }
}

__global__ void adamKernel(float* __restrict__ p, const float* __restrict__ g, float* __restrict__ m, float* __restrict__ v, int64_t n, float lr, float b1, float b2, float eps, float wd, bool decoupled, float stepSize, float sqrtBc2) {
  GRID_STRIDE(i, n) adamElement(p, g, m, v, i, lr, b1, b2, eps, wd, decoupled, stepSize, sqrtBc2);
}

// ---------- host-side helpers ----------

// Merges dims that are contiguous for every operand and drops size-1 dims, so most broadcasts need one or two divisions.
void collapse(Strided& g, int nops) {
  Strided c{};
  int r = 0;
  for (int d = 0; d < g.rank; d++) {
    if (g.shape[d] == 1) continue;
    if (r > 0) {
      const int p = r - 1;
      bool merge = c.s0[p] == g.s0[d] * g.shape[d];
      if (nops > 1) merge = merge && c.s1[p] == g.s1[d] * g.shape[d];
      if (nops > 2) merge = merge && c.s2[p] == g.s2[d] * g.shape[d];
      if (merge) {
        c.shape[p] *= g.shape[d];
        c.s0[p] = g.s0[d];
        c.s1[p] = g.s1[d];
        c.s2[p] = g.s2[d];
        continue;
      }
    }
    c.shape[r] = g.shape[d];
    c.s0[r] = g.s0[d];
    c.s1[r] = g.s1[d];
    c.s2[r] = g.s2[d];
    r++;
  }
  c.rank = r;
  g = c;
}

int64_t numelOf(const Strided& g) {
  int64_t n = 1;
  for (int d = 0; d < g.rank; d++) n *= g.shape[d];
  return n;
}

// whether every offset the kernel computes fits in 32 bits
bool fits32(const Strided& g, int64_t n) {
  if (n >= INT_MAX) return false;
  for (int d = 0; d < g.rank; d++) {
    const int64_t e = g.shape[d] - 1;
    if ((e * (g.s0[d] < 0 ? -g.s0[d] : g.s0[d])) >= INT_MAX / 2) return false;
    if ((e * (g.s1[d] < 0 ? -g.s1[d] : g.s1[d])) >= INT_MAX / 2) return false;
    if ((e * (g.s2[d] < 0 ? -g.s2[d] : g.s2[d])) >= INT_MAX / 2) return false;
  }
  return true;
}

bool isContig(const Strided& g, int which) {
  // after collapse a dense operand is rank ≤ 1 with stride 1
  if (g.rank == 0) return true;
  if (g.rank != 1) return false;
  const int64_t s = which == 0 ? g.s0[0] : which == 1 ? g.s1[0] : g.s2[0];
  return s == 1;
}
bool isZero(const Strided& g, int which) {
  for (int d = 0; d < g.rank; d++) {
    const int64_t s = which == 0 ? g.s0[d] : which == 1 ? g.s1[d] : g.s2[d];
    if (s != 0) return false;
  }
  return true;
}

// Dispatches a functor on the C++ type of a dtype code.
template <typename F> void withType(int dt, F&& f) {
  switch (dt) {
    case F32: f(float{}); break;
    case I32: f(int32_t{}); break;
    case BOOL: f(uint8_t{}); break;
    default: throw std::runtime_error("cuda backend: unsupported dtype code " + std::to_string(dt));
  }
}
// ... on every dtype, the 16-bit floats included (kernels that take halves natively)
template <typename F> void withAnyType(int dt, F&& f) {
  switch (dt) {
    case BF16: f(__nv_bfloat16{}); break;
    case F16: f(__half{}); break;
    default: withType(dt, f);
  }
}
// ... on float32, bfloat16 or float16 (kernels that compute in float)
template <typename F> void withFloatType(int dt, const char* what, F&& f) {
  switch (dt) {
    case F32: f(float{}); break;
    case BF16: f(__nv_bfloat16{}); break;
    case F16: f(__half{}); break;
    default: throw std::runtime_error(std::string("cuda backend: ") + what + ": expected float32, bfloat16 or float16, got dtype code " + std::to_string(dt));
  }
}
// ... on bfloat16 or float16
template <typename F> void withHalfType(int dt, const char* what, F&& f) {
  switch (dt) {
    case BF16: f(__nv_bfloat16{}); break;
    case F16: f(__half{}); break;
    default: throw std::runtime_error(std::string("cuda backend: ") + what + ": expected bfloat16 or float16, got dtype code " + std::to_string(dt));
  }
}
// ... on float32, bfloat16, float16 or bool (the outputs of float kernels, comparisons included)
template <typename F> void withFloatOrBoolType(int dt, const char* what, F&& f) {
  if (dt == BOOL) f(uint8_t{});
  else withFloatType(dt, what, f);
}
// the bit pattern of v rounded (to nearest even, through float32 as the js backend) to a half dtype
uint16_t halfBits(int dt, double v) {
  uint16_t bits = 0;
  withHalfType(dt, "fill", [&](auto t) {
    const decltype(t) h = St<decltype(t)>::from(v);
    std::memcpy(&bits, &h, sizeof bits);
  });
  return bits;
}

#define OPS32(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15) \
  X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23) X(24) X(25) X(26) X(27) X(28) X(29) X(30) X(31)
#define OPS18(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15) X(16) X(17)

}  // namespace

// ================= launchers =================

void fill(void* p, int dt, int64_t n, double v, cudaStream_t s) {
  if (n <= 0) return;
  switch (dt) {
    case F32: fillKernel<float><<<gridFor(n), kThreads, 0, s>>>((float*)p, n, (float)v); break;
    case I32: {
      int32_t iv = 0;
      if (std::isfinite(v)) iv = (int32_t)(uint32_t)(int64_t)std::fmod(std::trunc(v), 4294967296.0);
      fillKernel<int32_t><<<gridFor(n), kThreads, 0, s>>>((int32_t*)p, n, iv);
      break;
    }
    case BOOL: fillKernel<uint8_t><<<gridFor(n), kThreads, 0, s>>>((uint8_t*)p, n, (uint8_t)(v != 0 ? 1 : 0)); break;
    case BF16:
    case F16: fillKernel<uint16_t><<<gridFor(n), kThreads, 0, s>>>((uint16_t*)p, n, halfBits(dt, v)); break;
    default: throw std::runtime_error("cuda backend: fill: unsupported dtype");
  }
  checkLaunch("fill");
}

void cast(const void* src, int sdt, void* dst, int ddt, int64_t n, cudaStream_t s) {
  if (n <= 0) return;
  if (sdt == ddt && isHalfType(sdt)) {
    // the bits as they are (a round trip through float would make NaN payloads canonical)
    check(cudaMemcpyAsync(dst, src, n * 2, cudaMemcpyDeviceToDevice, s), "cast");
    return;
  }
  // float32 ↔ half on 16-byte-aligned buffers (every allocation is): the vector kernel, then the tail
  const bool toHalf = sdt == F32 && isHalfType(ddt), fromHalf = isHalfType(sdt) && ddt == F32;
  const uintptr_t floats = (uintptr_t)(toHalf ? src : dst), halves = (uintptr_t)(toHalf ? dst : src);
  const bool aligned = floats % 16 == 0 && halves % 8 == 0;
  int64_t done = 0;
  if ((toHalf || fromHalf) && aligned && n >= 4) {
    const int64_t n4 = n / 4;
    withHalfType(toHalf ? ddt : sdt, "cast", [&](auto tag) {
      using H = decltype(tag);
      if (toHalf) castFloatToHalf4<H><<<gridFor(n4), kThreads, 0, s>>>((const float4*)src, (uint2*)dst, n4);
      else castHalfToFloat4<H><<<gridFor(n4), kThreads, 0, s>>>((const uint2*)src, (float4*)dst, n4);
    });
    done = n4 * 4;
  }
  if (done < n) {
    const int64_t rest = n - done;
    withAnyType(sdt, [&](auto a) {
      using TA = decltype(a);
      withAnyType(ddt, [&](auto b) {
        using TB = decltype(b);
        castKernel<TA, TB><<<gridFor(rest), kThreads, 0, s>>>((const TA*)src + done, (TB*)dst + done, rest);
      });
    });
  }
  checkLaunch("cast");
}

void copyStrided(const void* src, int64_t srcOff, void* dst, int64_t dstOff, const Strided& g0, int elemBytes, cudaStream_t s) {
  Strided g = g0;
  collapse(g, 2);
  const int64_t n = numelOf(g);
  if (n <= 0) return;
  auto go = [&](auto tag) {
    using T = decltype(tag);
    const T* a = (const T*)src + srcOff;
    T* b = (T*)dst + dstOff;
    if (isContig(g, 0) && isContig(g, 1)) {
      check(cudaMemcpyAsync(b, a, n * sizeof(T), cudaMemcpyDeviceToDevice, s), "copyStrided");
      return;
    }
    // runs of 16 bytes contiguous on both sides (e.g. attention heads of 64 floats) move as uint4
    const int last = g.rank - 1;
    const int64_t per = 16 / sizeof(T);
    bool vec = sizeof(T) < 16 && g.rank > 0 && g.s0[last] == 1 && g.s1[last] == 1 && g.shape[last] % per == 0 &&
               ((uintptr_t)a % 16) == 0 && ((uintptr_t)b % 16) == 0;
    for (int d = 0; vec && d < last; d++) vec = g.s0[d] % per == 0 && g.s1[d] % per == 0;
    if (vec) {
      Strided v = g;
      v.shape[last] /= per;
      for (int d = 0; d < last; d++) {
        v.s0[d] /= per;
        v.s1[d] /= per;
      }
      const int64_t nv = n / per;
      if (fits32(v, nv)) copyStridedKernel<int32_t, uint4><<<gridFor(nv), kThreads, 0, s>>>((const uint4*)a, (uint4*)b, nv, v);
      else copyStridedKernel<int64_t, uint4><<<gridFor(nv), kThreads, 0, s>>>((const uint4*)a, (uint4*)b, nv, v);
      return;
    }
    if (fits32(g, n)) copyStridedKernel<int32_t, T><<<gridFor(n), kThreads, 0, s>>>(a, b, n, g);
    else copyStridedKernel<int64_t, T><<<gridFor(n), kThreads, 0, s>>>(a, b, n, g);
  };
  if (elemBytes == 4) go(uint32_t{});
  else if (elemBytes == 1) go(uint8_t{});
  else if (elemBytes == 2) go(uint16_t{});
  else throw std::runtime_error("cuda backend: copyStrided: unsupported element size");
  checkLaunch("copyStrided");
}

void unary(int op, const void* x, int xdt, void* out, int odt, int64_t n, const UnaryP& p, cudaStream_t s) {
  if (n <= 0) return;
  if (op < 0 || op > 31) throw std::runtime_error("cuda backend: unary: bad op code");
  if (xdt == F32 && odt == F32) {
    switch (op) {
#define U(k) case k: unaryKernel<float, float, float, k><<<gridFor(n), kThreads, 0, s>>>((const float*)x, (float*)out, n, op, p); break;
      OPS32(U)
#undef U
    }
  } else if (isHalfType(xdt) || isHalfType(odt)) {
    // halves compute in float, the float32 path's arithmetic; mixes with int32 or bool go through double
    if (isFloatType(xdt) && (isFloatType(odt) || odt == BOOL)) {
      withFloatType(xdt, "unary", [&](auto i) {
        using TI = decltype(i);
        withFloatOrBoolType(odt, "unary", [&](auto o) {
          using TO = decltype(o);
          unaryKernel<TI, TO, float, -1><<<gridFor(n), kThreads, 0, s>>>((const TI*)x, (TO*)out, n, op, p);
        });
      });
    } else {
      unaryAnyKernel<<<gridFor(n), kThreads, 0, s>>>(x, xdt, out, odt, n, op, p);
    }
  } else if (xdt == F32) {
    withType(odt, [&](auto o) {
      using TO = decltype(o);
      unaryKernel<float, TO, float, -1><<<gridFor(n), kThreads, 0, s>>>((const float*)x, (TO*)out, n, op, p);
    });
  } else {
    withType(xdt, [&](auto i) {
      using TI = decltype(i);
      withType(odt, [&](auto o) {
        using TO = decltype(o);
        unaryKernel<TI, TO, double, -1><<<gridFor(n), kThreads, 0, s>>>((const TI*)x, (TO*)out, n, op, p);
      });
    });
  }
  checkLaunch("unary");
}

void unaryGrad(int op, const void* x, int xdt, const void* y, int ydt, const void* gy, int gydt, void* gx, int gxdt, int64_t n, const UnaryP& p, cudaStream_t s) {
  if (n <= 0) return;
  if (op < 0 || op > 31) throw std::runtime_error("cuda backend: unaryGrad: bad op code");
  for (int dt : {xdt, ydt, gydt, gxdt}) {
    if (!isFloatType(dt)) throw std::runtime_error("cuda backend: unaryGrad: operands must be float32, bfloat16 or float16, got dtype code " + std::to_string(dt));
  }
  if (xdt == F32 && ydt == F32 && gydt == F32 && gxdt == F32) {
    const float *xf = (const float*)x, *yf = (const float*)y, *gyf = (const float*)gy;
    float* gxf = (float*)gx;
    switch (op) {
#define U(k) case k: unaryGradKernel<k><<<gridFor(n), kThreads, 0, s>>>(xf, yf, gyf, gxf, n, p); break;
      OPS32(U)
#undef U
    }
  } else if (xdt == ydt && xdt == gydt && xdt == gxdt) {
    withHalfType(xdt, "unaryGrad", [&](auto t) {
      using T = decltype(t);
      unaryGradHalfKernel<T><<<gridFor(n), kThreads, 0, s>>>((const T*)x, (const T*)y, (const T*)gy, (T*)gx, n, op, p);
    });
  } else {
    unaryGradAnyKernel<<<gridFor(n), kThreads, 0, s>>>(x, xdt, y, ydt, gy, gydt, gx, gxdt, n, op, p);
  }
  checkLaunch("unaryGrad");
}

void binary(int op, const void* a, int adt, const void* b, int bdt, void* out, int odt, const Strided& g0, cudaStream_t s) {
  if (op < 0 || op > 17) throw std::runtime_error("cuda backend: binary: bad op code");
  Strided g = g0;
  collapse(g, 2);
  const int64_t n = numelOf(g);
  if (n <= 0) return;
  const bool flat = isContig(g, 0) && (isContig(g, 1) || isZero(g, 1));
  const int bScalar = isContig(g, 1) ? 0 : 1;
  const bool small = fits32(g, n);
  if (adt == F32 && bdt == F32 && odt == F32) {
    if (flat) {
      switch (op) {
#define B(k) case k: binaryFlat<float, float, float, float, k><<<gridFor(n), kThreads, 0, s>>>((const float*)a, (const float*)b, (float*)out, n, op, bScalar); break;
        OPS18(B)
#undef B
      }
    } else if (small) {
      switch (op) {
#define B(k) case k: binaryStrided<int32_t, float, float, float, float, k><<<gridFor(n), kThreads, 0, s>>>((const float*)a, (const float*)b, (float*)out, n, op, g); break;
        OPS18(B)
#undef B
      }
    } else {
      binaryStrided<int64_t, float, float, float, float, -1><<<gridFor(n), kThreads, 0, s>>>((const float*)a, (const float*)b, (float*)out, n, op, g);
    }
  } else if (isHalfType(adt) || isHalfType(bdt) || isHalfType(odt)) {
    // float32 / half operands compute in float (exact for comparisons: every half is a float32)
    if (isFloatType(adt) && isFloatType(bdt) && (isFloatType(odt) || odt == BOOL) && small) {
      withFloatType(adt, "binary", [&](auto ta) {
        using TA = decltype(ta);
        withFloatType(bdt, "binary", [&](auto tb) {
          using TB = decltype(tb);
          withFloatOrBoolType(odt, "binary", [&](auto to) {
            using TO = decltype(to);
            if (flat) binaryFlat<TA, TB, TO, float, -1><<<gridFor(n), kThreads, 0, s>>>((const TA*)a, (const TB*)b, (TO*)out, n, op, bScalar);
            else binaryStrided<int32_t, TA, TB, TO, float, -1><<<gridFor(n), kThreads, 0, s>>>((const TA*)a, (const TB*)b, (TO*)out, n, op, g);
          });
        });
      });
    } else {
      // a half with an int32 or bool operand, or offsets beyond 32 bits
      binaryAnyKernel<<<gridFor(n), kThreads, 0, s>>>(a, adt, b, bdt, out, odt, n, op, g);
    }
  } else {
    withType(adt, [&](auto ta) {
      using TA = decltype(ta);
      withType(bdt, [&](auto tb) {
        using TB = decltype(tb);
        withType(odt, [&](auto to) {
          using TO = decltype(to);
          if (flat) binaryFlat<TA, TB, TO, double, -1><<<gridFor(n), kThreads, 0, s>>>((const TA*)a, (const TB*)b, (TO*)out, n, op, bScalar);
          else if (small) binaryStrided<int32_t, TA, TB, TO, double, -1><<<gridFor(n), kThreads, 0, s>>>((const TA*)a, (const TB*)b, (TO*)out, n, op, g);
          else binaryStrided<int64_t, TA, TB, TO, double, -1><<<gridFor(n), kThreads, 0, s>>>((const TA*)a, (const TB*)b, (TO*)out, n, op, g);
        });
      });
    });
  }
  checkLaunch("binary");
}

void binaryScalar(int op, const void* a, int adt, double sc, void* out, int odt, int64_t n, bool reversed, cudaStream_t s) {
  if (n <= 0) return;
  if (op < 0 || op > 17) throw std::runtime_error("cuda backend: binaryScalar: bad op code");
  // float arithmetic with a scalar that float32 holds exactly runs in float; everything else in double
  const bool fast = adt == F32 && odt == F32 && op <= 3 && (double)(float)sc == sc;
  if (fast) {
    switch (op) {
#define B(k) case k: binaryScalarF32<k><<<gridFor(n), kThreads, 0, s>>>((const float*)a, (float)sc, (float*)out, n, reversed ? 1 : 0); break;
      B(0) B(1) B(2) B(3)
#undef B
    }
  } else if (isHalfType(adt) || isHalfType(odt)) {
    // in double as the other dtypes: the scalar is not rounded to float32 (comparisons stay exact)
    withAnyType(adt, [&](auto ta) {
      using TA = decltype(ta);
      withAnyType(odt, [&](auto to) {
        using TO = decltype(to);
        binaryScalarKernel<TA, TO><<<gridFor(n), kThreads, 0, s>>>((const TA*)a, sc, (TO*)out, n, op, reversed ? 1 : 0);
      });
    });
  } else {
    withType(adt, [&](auto ta) {
      using TA = decltype(ta);
      withType(odt, [&](auto to) {
        using TO = decltype(to);
        binaryScalarKernel<TA, TO><<<gridFor(n), kThreads, 0, s>>>((const TA*)a, sc, (TO*)out, n, op, reversed ? 1 : 0);
      });
    });
  }
  checkLaunch("binaryScalar");
}

void where(const void* c, int cdt, const void* a, const void* b, void* out, int elemBytes, const Strided& g0, cudaStream_t s) {
  Strided g = g0;
  collapse(g, 3);
  const int64_t n = numelOf(g);
  if (n <= 0) return;
  const bool small = fits32(g, n);
  withType(cdt, [&](auto tc) {
    using TC = decltype(tc);
    auto go = [&](auto tag) {
      using T = decltype(tag);
      if (small) whereKernel<int32_t, TC, T><<<gridFor(n), kThreads, 0, s>>>((const TC*)c, (const T*)a, (const T*)b, (T*)out, n, g);
      else whereKernel<int64_t, TC, T><<<gridFor(n), kThreads, 0, s>>>((const TC*)c, (const T*)a, (const T*)b, (T*)out, n, g);
    };
    if (elemBytes == 4) go(uint32_t{});
    else if (elemBytes == 2) go(uint16_t{});
    else if (elemBytes == 1) go(uint8_t{});
    else throw std::runtime_error("cuda backend: where: unsupported element size");
  });
  checkLaunch("where");
}

namespace {
template <int OP, typename TI, typename TO>
void reduceTyped(const TI* x, TO* out, int64_t outer, int64_t r, int64_t inner, ScratchFn scratch, void* ctx, cudaStream_t s) {
  if (inner == 1) {
    const int64_t rows = outer;
    // few long rows: split each row over several blocks, then reduce the partials
    int64_t chunks = 1;
    if (rows < 264 && r >= (1 << 16)) {
      chunks = (528 + rows - 1) / rows;
      const int64_t maxChunks = (r + 8191) / 8192;
      if (chunks > maxChunks) chunks = maxChunks;
    }
    const unsigned gy = rows > 65535 ? 65535 : (unsigned)rows;
    const unsigned gz = (unsigned)((rows + gy - 1) / gy);
    if (rows % gy != 0) {
      // grid (chunks, gy, gz) must tile rows exactly; fall back to one row per y-block
      for (int64_t r0 = 0; r0 < rows; r0 += 65535) {
        const int64_t cnt = rows - r0 < 65535 ? rows - r0 : 65535;
        reduceTyped<OP, TI, TO>(x + r0 * r, out + r0, cnt, r, 1, scratch, ctx, s);
      }
      return;
    }
    const int64_t chunk = (r + chunks - 1) / chunks;
    if (chunks == 1) {
      rowReduceKernel<TI, TO, OP><<<dim3(1, gy, gz), 256, 0, s>>>(x, out, r, chunk);
    } else {
      double* part = (double*)scratch(sizeof(double) * rows * chunks, ctx);
      rowReduceKernel<TI, double, OP><<<dim3((unsigned)chunks, gy, gz), 256, 0, s>>>(x, part, r, chunk);
      checkLaunch("reduce");
      rowReduceKernel<double, TO, OP><<<dim3(1, gy, gz), 256, 0, s>>>(part, out, chunks, chunks);
    }
  } else {
    const int64_t colBlocks = (inner + 31) / 32;
    const int ty = r >= 256 ? 32 : 8;
    // few column blocks over long columns (a bias gradient: [16384, 768] → [768]): split the rows too
    int64_t chunks = 1;
    if (outer * colBlocks < 264 && r >= 1024) {
      chunks = (528 + outer * colBlocks - 1) / (outer * colBlocks);
      const int64_t maxChunks = r / 256;
      if (chunks > maxChunks) chunks = maxChunks;
      if (chunks > 65535) chunks = 65535;
    }
    if (chunks <= 1) {
      colReduceKernel<TI, TO, OP><<<(unsigned)(outer * colBlocks), dim3(32, ty), 0, s>>>(x, out, outer, r, inner, colBlocks, r);
    } else {
      const int64_t chunk = (r + chunks - 1) / chunks;
      chunks = (r + chunk - 1) / chunk;
      double* part = (double*)scratch(sizeof(double) * chunks * outer * inner, ctx);
      colReduceKernel<TI, double, OP><<<dim3((unsigned)(outer * colBlocks), (unsigned)chunks), dim3(32, ty), 0, s>>>(x, part, outer, r, inner, colBlocks, chunk);
      checkLaunch("reduce");
      // partials [chunks, outer·inner] reduce over chunks
      const int64_t cb2 = (outer * inner + 31) / 32;
      colReduceKernel<double, TO, OP><<<(unsigned)cb2, dim3(32, 8), 0, s>>>(part, out, 1, chunks, outer * inner, cb2, chunks);
    }
  }
  checkLaunch("reduce");
}

// the op code (sum, prod, max, min) as reduceTyped's template argument
template <typename TI, typename TO>
void reduceByCode(int op, const TI* x, TO* out, int64_t outer, int64_t r, int64_t inner, ScratchFn scratch, void* ctx, cudaStream_t s) {
  switch (op) {
    case 0: reduceTyped<0>(x, out, outer, r, inner, scratch, ctx, s); break;
    case 1: reduceTyped<1>(x, out, outer, r, inner, scratch, ctx, s); break;
    case 2: reduceTyped<2>(x, out, outer, r, inner, scratch, ctx, s); break;
    case 3: reduceTyped<3>(x, out, outer, r, inner, scratch, ctx, s); break;
    default: throw std::runtime_error("cuda backend: reduce: bad op code");
  }
}
}  // namespace

void reduce(int op, const void* x, int xdt, void* out, int odt, int64_t outer, int64_t r, int64_t inner, ScratchFn scratch, void* ctx, cudaStream_t s) {
  if (outer * inner <= 0 || r <= 0) return;
  if (isHalfType(xdt) || isHalfType(odt)) {
    // half input, accumulated in double, written as float32 or rounded to a half
    withHalfType(xdt, "reduce (a bfloat16/float16 output needs a half input)", [&](auto ti) {
      using TI = decltype(ti);
      withFloatType(odt, "reduce", [&](auto to) {
        using TO = decltype(to);
        reduceByCode(op, (const TI*)x, (TO*)out, outer, r, inner, scratch, ctx, s);
      });
    });
    return;
  }
  withType(xdt, [&](auto ti) {
    using TI = decltype(ti);
    withType(odt, [&](auto to) {
      using TO = decltype(to);
      reduceByCode(op, (const TI*)x, (TO*)out, outer, r, inner, scratch, ctx, s);
    });
  });
}

void argReduce(bool isMax, const void* x, int xdt, int32_t* out, int64_t outer, int64_t r, int64_t inner, cudaStream_t s) {
  if (outer * inner <= 0 || r <= 0) return;
  withType(xdt, [&](auto ti) {
    using TI = decltype(ti);
    if (inner == 1 && r >= 64) {
      const unsigned gx = outer > 65535 ? 65535 : (unsigned)outer;
      if (outer % gx != 0) {
        for (int64_t r0 = 0; r0 < outer; r0 += 65535) {
          const int64_t cnt = outer - r0 < 65535 ? outer - r0 : 65535;
          argRowKernel<TI><<<(unsigned)cnt, 256, 0, s>>>((const TI*)x + r0 * r, out + r0, r, isMax);
        }
      } else {
        argRowKernel<TI><<<dim3(gx, (unsigned)(outer / gx)), 256, 0, s>>>((const TI*)x, out, r, isMax);
      }
    } else {
      argColKernel<TI><<<gridFor(outer * inner), kThreads, 0, s>>>((const TI*)x, out, outer, r, inner, isMax);
    }
  });
  checkLaunch("argReduce");
}

void cumsum(const void* x, int xdt, void* out, int odt, int64_t outer, int64_t r, int64_t inner, bool reverse, cudaStream_t s) {
  if (outer * inner <= 0 || r <= 0) return;
  withType(xdt, [&](auto ti) {
    using TI = decltype(ti);
    withType(odt, [&](auto to) {
      using TO = decltype(to);
      cumsumKernel<TI, TO><<<gridFor(outer * inner, 128), 128, 0, s>>>((const TI*)x, (TO*)out, outer, r, inner, reverse);
    });
  });
  checkLaunch("cumsum");
}

void gather(const void* x, int elemBytes, const int32_t* idx, void* out, int64_t outer, int64_t rx, int64_t ri, int64_t inner, cudaStream_t s) {
  const int64_t n = outer * ri * inner;
  if (n <= 0) return;
  if (elemBytes == 4) gatherKernel<uint32_t><<<gridFor(n), kThreads, 0, s>>>((const uint32_t*)x, idx, (uint32_t*)out, outer, rx, ri, inner);
  else if (elemBytes == 2) gatherKernel<uint16_t><<<gridFor(n), kThreads, 0, s>>>((const uint16_t*)x, idx, (uint16_t*)out, outer, rx, ri, inner);
  else gatherKernel<uint8_t><<<gridFor(n), kThreads, 0, s>>>((const uint8_t*)x, idx, (uint8_t*)out, outer, rx, ri, inner);
  checkLaunch("gather");
}

void indexSelect(const void* x, int elemBytes, const int32_t* idx, void* out, int64_t outer, int64_t rx, int64_t nIdx, int64_t inner, cudaStream_t s) {
  const int64_t n = outer * nIdx * inner;
  if (n <= 0) return;
  if (elemBytes == 4) indexSelectKernel<uint32_t><<<gridFor(n), kThreads, 0, s>>>((const uint32_t*)x, idx, (uint32_t*)out, outer, rx, nIdx, inner);
  else if (elemBytes == 2) indexSelectKernel<uint16_t><<<gridFor(n), kThreads, 0, s>>>((const uint16_t*)x, idx, (uint16_t*)out, outer, rx, nIdx, inner);
  else indexSelectKernel<uint8_t><<<gridFor(n), kThreads, 0, s>>>((const uint8_t*)x, idx, (uint8_t*)out, outer, rx, nIdx, inner);
  checkLaunch("indexSelect");
}

void scatterAdd(const void* src, int dt, const int32_t* idx, void* out, int64_t outer, int64_t rOut, int64_t ri, int64_t inner, cudaStream_t s) {
  const int64_t n = outer * ri * inner;
  if (n <= 0) return;
  if (dt == F32) scatterAddKernel<float><<<gridFor(n), kThreads, 0, s>>>((const float*)src, idx, (float*)out, outer, rOut, ri, inner);
  else if (dt == I32) scatterAddKernel<int><<<gridFor(n), kThreads, 0, s>>>((const int*)src, idx, (int*)out, outer, rOut, ri, inner);
  else throw std::runtime_error("cuda backend: scatterAdd: float32 or int32 only");
  checkLaunch("scatterAdd");
}

void indexAdd(const void* src, int dt, const int32_t* idx, void* out, int64_t outer, int64_t rOut, int64_t nIdx, int64_t inner, cudaStream_t s) {
  const int64_t n = outer * nIdx * inner;
  if (n <= 0) return;
  if (dt == F32) indexAddKernel<float><<<gridFor(n), kThreads, 0, s>>>((const float*)src, idx, (float*)out, outer, rOut, nIdx, inner);
  else if (dt == I32) indexAddKernel<int><<<gridFor(n), kThreads, 0, s>>>((const int*)src, idx, (int*)out, outer, rOut, nIdx, inner);
  else throw std::runtime_error("cuda backend: indexAdd: float32 or int32 only");
  checkLaunch("indexAdd");
}

namespace {
// launches a row kernel: a warp per row for short rows, a block per row for long ones
template <typename KW, typename KB>
void launchRows(int64_t rows, int64_t cols, KW warpLaunch, KB blockLaunch) {
  if (rows <= 0) return;
  if (cols <= 1024) {
    const int64_t blocks = (rows + 3) / 4;
    warpLaunch((unsigned)blocks, 128);
  } else {
    const int threads = cols > 16384 ? 1024 : cols > 4096 ? 512 : 256;
    blockLaunch((unsigned)rows, threads);
  }
}
}  // namespace

namespace {
// rows that fit in a warp's registers (cols <= 1024) take the register kernels; VPT = values per lane
template <typename F>
bool withVpt(int64_t cols, F f) {
  if (cols <= 32) f(std::integral_constant<int, 1>{});
  else if (cols <= 64) f(std::integral_constant<int, 2>{});
  else if (cols <= 128) f(std::integral_constant<int, 4>{});
  else if (cols <= 256) f(std::integral_constant<int, 8>{});
  else if (cols <= 512) f(std::integral_constant<int, 16>{});
  else if (cols <= 1024) f(std::integral_constant<int, 32>{});
  else return false;
  return true;
}
}  // namespace

void softmax(const float* x, float* out, int64_t rows, int64_t cols, bool log, float scale, int64_t causalLq, cudaStream_t s) {
  if (cols <= 0 || rows <= 0) return;
  const unsigned blocks = (unsigned)((rows + 3) / 4);
  const bool reg = withVpt(cols, [&](auto vpt) { softmaxRegKernel<decltype(vpt)::value><<<blocks, 128, 0, s>>>(x, out, rows, (int)cols, log, scale, causalLq); });
  if (!reg) {
    if (scale != 1.f || causalLq > 0) throw std::runtime_error("cuda backend: scaled or causal softmax needs rows of at most 1024 columns");
    launchRows(rows, cols,
      [&](unsigned b, int t) { softmaxKernel<true><<<b, t, 0, s>>>(x, out, rows, cols, log); },
      [&](unsigned b, int t) { softmaxKernel<false><<<b, t, 0, s>>>(x, out, rows, cols, log); });
  }
  checkLaunch("softmax");
}

void softmaxGrad(const float* y, const float* gy, float* gx, int64_t rows, int64_t cols, bool log, float scale, int64_t causalLq, cudaStream_t s) {
  if (cols <= 0 || rows <= 0) return;
  const unsigned blocks = (unsigned)((rows + 3) / 4);
  const bool reg = withVpt(cols, [&](auto vpt) { softmaxGradRegKernel<decltype(vpt)::value><<<blocks, 128, 0, s>>>(y, gy, gx, rows, (int)cols, log, scale, causalLq); });
  if (!reg) {
    if (scale != 1.f || causalLq > 0) throw std::runtime_error("cuda backend: scaled or causal softmax needs rows of at most 1024 columns");
    launchRows(rows, cols,
      [&](unsigned b, int t) { softmaxGradKernel<true><<<b, t, 0, s>>>(y, gy, gx, rows, cols, log); },
      [&](unsigned b, int t) { softmaxGradKernel<false><<<b, t, 0, s>>>(y, gy, gx, rows, cols, log); });
  }
  checkLaunch("softmaxGrad");
}

namespace {
__global__ void segmentIotaKernel(int32_t* idx, int64_t n, int64_t r) {
  GRID_STRIDE(i, n) idx[i] = (int32_t)(i % r);
}
__global__ void segmentOffsetsKernel(int* offs, int64_t segs, int64_t r) {
  GRID_STRIDE(i, segs + 1) offs[i] = (int)(i * r);
}

template <typename K>
void sortTyped(const K* x, K* values, int32_t* indices, int64_t outer, int64_t r, int64_t inner, bool desc, ScratchFn scratch, void* ctx, cudaStream_t s) {
  const int64_t segs = outer * inner, n = segs * r;
  if (n > INT_MAX) throw std::runtime_error("cuda backend: sort of more than 2^31 elements is not supported");
  // CUB sorts contiguous segments: with inner > 1 the sorted dim is moved last ([outer, inner, r]) and back
  Strided toLast{};
  toLast.rank = 3;
  const int64_t shp[3] = {outer, inner, r}, from[3] = {r * inner, 1, inner}, to[3] = {inner * r, r, 1};
  for (int d = 0; d < 3; d++) {
    toLast.shape[d] = shp[d];
    toLast.s0[d] = from[d];
    toLast.s1[d] = to[d];
  }
  const K* keysIn = x;
  K* keysOut = values;
  int32_t* idxOut = indices;
  if (inner > 1) {
    K* t = (K*)scratch(sizeof(K) * n, ctx);
    copyStrided(x, 0, t, 0, toLast, sizeof(K), s);
    keysIn = t;
    keysOut = (K*)scratch(sizeof(K) * n, ctx);
    idxOut = (int32_t*)scratch(sizeof(int32_t) * n, ctx);
  }
  int32_t* idxIn = (int32_t*)scratch(sizeof(int32_t) * n, ctx);
  int* offs = (int*)scratch(sizeof(int) * (segs + 1), ctx);
  segmentIotaKernel<<<gridFor(n), kThreads, 0, s>>>(idxIn, n, r);
  segmentOffsetsKernel<<<gridFor(segs + 1), kThreads, 0, s>>>(offs, segs, r);
  // radix sort: stable, NaN (positive) after +inf, -0.0 and +0.0 equal
  size_t tempBytes = 0;
  auto run = [&](void* temp) {
    cudaError_t e = desc ? cub::DeviceSegmentedRadixSort::SortPairsDescending(temp, tempBytes, keysIn, keysOut, idxIn, idxOut, (int)n, (int)segs, offs, offs + 1, 0, (int)(sizeof(K) * 8), s)
                         : cub::DeviceSegmentedRadixSort::SortPairs(temp, tempBytes, keysIn, keysOut, idxIn, idxOut, (int)n, (int)segs, offs, offs + 1, 0, (int)(sizeof(K) * 8), s);
    if (e != cudaSuccess) throw std::runtime_error(std::string("cuda backend: sort: ") + cudaGetErrorString(e));
  };
  run(nullptr);
  run(scratch(tempBytes > 0 ? tempBytes : 1, ctx));
  if (inner > 1) {
    // back from [outer, inner, r] to [outer, r, inner]
    Strided back{};
    back.rank = 3;
    for (int d = 0; d < 3; d++) {
      back.shape[d] = shp[d];
      back.s0[d] = to[d];
      back.s1[d] = from[d];
    }
    copyStrided(keysOut, 0, values, 0, back, sizeof(K), s);
    copyStrided(idxOut, 0, indices, 0, back, sizeof(int32_t), s);
  }
}
}  // namespace

void sort(const void* x, int dt, void* values, int32_t* indices, int64_t outer, int64_t r, int64_t inner, bool descending, ScratchFn scratch, void* ctx, cudaStream_t s) {
  if (outer * r * inner <= 0) return;
  if (dt == F32) sortTyped<float>((const float*)x, (float*)values, indices, outer, r, inner, descending, scratch, ctx, s);
  else if (dt == I32) sortTyped<int32_t>((const int32_t*)x, (int32_t*)values, indices, outer, r, inner, descending, scratch, ctx, s);
  else throw std::runtime_error("cuda backend: sort: float32 or int32 only");
  checkLaunch("sort");
}

void crossEntropy(const float* x, const int32_t* t, float* loss, float* lse, int64_t rows, int64_t cols, int32_t ignoreIndex, cudaStream_t s) {
  if (rows <= 0 || cols <= 0) return;
  const int threads = cols >= 8192 ? 1024 : cols >= 1024 ? 256 : 64;
  for (int64_t r0 = 0; r0 < rows; r0 += 2147483647) {
    const int64_t n = rows - r0 < 2147483647 ? rows - r0 : 2147483647;
    crossEntropyKernel<<<(unsigned)n, threads, 0, s>>>(x + r0 * cols, t + r0, loss + r0, lse + r0, cols, ignoreIndex);
  }
  checkLaunch("crossEntropy");
}

void crossEntropyGrad(const float* x, const int32_t* t, const float* lse, const float* w, float* gx, int64_t rows, int64_t cols, cudaStream_t s) {
  if (rows <= 0 || cols <= 0) return;
  const unsigned gxBlocks = (unsigned)std::min<int64_t>((cols + 255) / 256, 64);
  const unsigned gy = rows > 65535 ? 65535 : (unsigned)rows;
  const unsigned gz = (unsigned)((rows + gy - 1) / gy);
  crossEntropyGradKernel<<<dim3(gxBlocks, gy, gz), 256, 0, s>>>(x, t, lse, w, gx, rows, cols);
  checkLaunch("crossEntropyGrad");
}

void layerNorm(const float* x, const float* w, const float* b, float* out, float* mean, float* rstd, int64_t rows, int64_t cols, float eps, cudaStream_t s) {
  if (cols <= 0) return;
  launchRows(rows, cols,
    [&](unsigned bl, int t) { layerNormKernel<true><<<bl, t, 0, s>>>(x, w, b, out, mean, rstd, rows, cols, eps); },
    [&](unsigned bl, int t) { layerNormKernel<false><<<bl, t, 0, s>>>(x, w, b, out, mean, rstd, rows, cols, eps); });
  checkLaunch("layerNorm");
}

void layerNormGrad(const float* x, const float* w, const float* mean, const float* rstd, const float* gy, float* gx, float* gw, float* gb, int64_t rows, int64_t cols, cudaStream_t s) {
  if (cols <= 0 || rows <= 0) return;
  launchRows(rows, cols,
    [&](unsigned bl, int t) { layerNormGradKernel<true><<<bl, t, 0, s>>>(x, w, mean, rstd, gy, gx, rows, cols); },
    [&](unsigned bl, int t) { layerNormGradKernel<false><<<bl, t, 0, s>>>(x, w, mean, rstd, gy, gx, rows, cols); });
  checkLaunch("layerNormGrad");
  if (gw || gb) {
    const unsigned gxBlocks = (unsigned)((cols + 31) / 32);
    int64_t gyBlocks = (rows + 63) / 64;
    const int64_t cap = 2048 / gxBlocks + 1;
    if (gyBlocks > cap) gyBlocks = cap;
    if (gyBlocks > 65535) gyBlocks = 65535;
    layerNormParamGradKernel<<<dim3(gxBlocks, (unsigned)gyBlocks), dim3(32, 8), 0, s>>>(x, mean, rstd, gy, gw, gb, rows, cols);
    checkLaunch("layerNormGrad(params)");
  }
}

void im2col(const float* x, float* cols, const ConvG& g, cudaStream_t s) {
  const int64_t n = (int64_t)g.n * g.c * g.kh * g.kw * g.oh * g.ow;
  if (n <= 0) return;
  im2colKernel<<<gridFor(n), kThreads, 0, s>>>(x, cols, g);
  checkLaunch("im2col");
}

void col2im(const float* cols, float* x, const ConvG& g, cudaStream_t s) {
  const int64_t n = (int64_t)g.n * g.c * g.h * g.w;
  if (n <= 0) return;
  col2imKernel<<<gridFor(n), kThreads, 0, s>>>(cols, x, g);
  checkLaunch("col2im");
}

void maxPool2d(const float* x, float* out, int32_t* argmax, const PoolG& g, cudaStream_t s) {
  const int64_t n = (int64_t)g.planes * g.oh * g.ow;
  if (n <= 0) return;
  maxPoolKernel<<<gridFor(n), kThreads, 0, s>>>(x, out, argmax, g);
  checkLaunch("maxPool2d");
}

void maxPool2dGrad(const float* gy, const int32_t* argmax, float* gx, const PoolG& g, cudaStream_t s) {
  const int64_t n = (int64_t)g.planes * g.oh * g.ow;
  if (n <= 0) return;
  maxPoolGradKernel<<<gridFor(n), kThreads, 0, s>>>(gy, argmax, gx, g);
  checkLaunch("maxPool2dGrad");
}

void avgPool2d(const float* x, float* out, const PoolG& g, cudaStream_t s) {
  const int64_t n = (int64_t)g.planes * g.oh * g.ow;
  if (n <= 0) return;
  avgPoolKernel<<<gridFor(n), kThreads, 0, s>>>(x, out, g);
  checkLaunch("avgPool2d");
}

void avgPool2dGrad(const float* gy, float* gx, const PoolG& g, cudaStream_t s) {
  const int64_t n = (int64_t)g.planes * g.oh * g.ow;
  if (n <= 0) return;
  avgPoolGradKernel<<<gridFor(n), kThreads, 0, s>>>(gy, gx, g);
  checkLaunch("avgPool2dGrad");
}

void adaptiveAvgPool2d(const float* x, float* out, int64_t planes, int h, int w, int oh, int ow, cudaStream_t s) {
  const int64_t n = planes * oh * ow;
  if (n <= 0) return;
  adaptiveAvgKernel<<<gridFor(n), kThreads, 0, s>>>(x, out, planes, h, w, oh, ow);
  checkLaunch("adaptiveAvgPool2d");
}

void adaptiveAvgPool2dGrad(const float* gy, float* gx, int64_t planes, int h, int w, int oh, int ow, cudaStream_t s) {
  const int64_t n = planes * oh * ow;
  if (n <= 0) return;
  adaptiveAvgGradKernel<<<gridFor(n), kThreads, 0, s>>>(gy, gx, planes, h, w, oh, ow);
  checkLaunch("adaptiveAvgPool2dGrad");
}

void adamStep(float* p, const float* g, float* m, float* v, int64_t n, float lr, float b1, float b2, float eps, float wd, bool decoupled, float stepSize, float sqrtBc2, cudaStream_t s) {
  if (n <= 0) return;
  adamKernel<<<gridFor(n), kThreads, 0, s>>>(p, g, m, v, n, lr, b1, b2, eps, wd, decoupled, stepSize, sqrtBc2);
  checkLaunch("adamStep");
}

}  // namespace ingot
