// Broadcasting binary ops and `where`. After coalescing, the innermost loop is specialised for the
// common stride patterns (both contiguous, one operand broadcast along the row) so it vectorises.
#include <cmath>
#include <cstdint>

#include "kernels.h"
#include "strided.h"
#include "threadpool.h"

namespace ingot {
namespace {

constexpr double kGrain = 32768;

inline float js_max(float a, float b) { return (a != a || b != b) ? NAN : (a > b ? a : b); }
inline float js_min(float a, float b) { return (a != a || b != b) ? NAN : (a < b ? a : b); }
inline bool truthy(float a) { return a != 0; }  // as in PyTorch: only ±0 is false, NaN is true
inline float py_rem(float a, float b) {
  float r = std::fmod(a, b);
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

// o[i] = f(a[i·sa], b[i·sb]); SA/SB = 1 or 0 select specialised loops, -1 a runtime stride.
template <int SA, int SB, class T, class F>
inline void row(const float* a, long sa, const float* b, long sb, T* o, long n, F f) {
  if (SA == 1 && SB == 1) {
    for (long i = 0; i < n; i++) o[i] = (T)f(a[i], b[i]);
  } else if (SA == 1 && SB == 0) {
    const float s = b[0];
    for (long i = 0; i < n; i++) o[i] = (T)f(a[i], s);
  } else if (SA == 0 && SB == 1) {
    const float s = a[0];
    for (long i = 0; i < n; i++) o[i] = (T)f(s, b[i]);
  } else {
    for (long i = 0; i < n; i++) o[i] = (T)f(a[i * sa], b[i * sb]);
  }
}

template <class T, class F>
void run(const float* a, const long* sa, const float* b, const long* sb, T* out, int rank, const long* shape, double cost,
         F f) {
  long so[kMaxRank];
  long s = 1;
  for (int d = rank - 1; d >= 0; d--) {
    so[d] = s;
    s *= shape[d];
  }
  const long* st[3] = {so, sa, sb};
  Strided<3> it(rank, shape, st);
  if (it.total == 0) return;
  const long n = it.inner(), rows = it.rows();
  const long ia = it.strides[1][it.rank - 1], ib = it.strides[2][it.rank - 1];
  auto body = [&](long r0, long r1) {
    it.for_rows(r0, r1, [&](const long* off) {
      T* o = out + off[0];
      const float* pa = a + off[1];
      const float* pb = b + off[2];
      if (ia == 1 && ib == 1) row<1, 1>(pa, 1, pb, 1, o, n, f);
      else if (ia == 1 && ib == 0) row<1, 0>(pa, 1, pb, 0, o, n, f);
      else if (ia == 0 && ib == 1) row<0, 1>(pa, 0, pb, 1, o, n, f);
      else row<-1, -1>(pa, ia, pb, ib, o, n, f);
    });
  };
  const int nt = threads_for((double)it.total * cost, kGrain);
  if (nt <= 1) {
    body(0, rows);
  } else if (rows > 1) {
    parallel_chunks(rows, rows < nt ? (int)rows : nt, 1, body);
  } else {
    // a single long row (coalesced rank 1, all offsets 0): split the row itself
    parallel_chunks(n, nt, 64, [&](long b0, long b1) {
      T* o = out + b0;
      const long len = b1 - b0;
      if (ia == 1 && ib == 1) row<1, 1>(a + b0, 1, b + b0, 1, o, len, f);
      else if (ia == 1 && ib == 0) row<1, 0>(a + b0, 1, b, 0, o, len, f);
      else if (ia == 0 && ib == 1) row<0, 1>(a, 0, b + b0, 1, o, len, f);
      else row<-1, -1>(a + b0 * ia, ia, b + b0 * ib, ib, o, len, f);
    });
  }
}

template <class T>
bool dispatch(int op, const float* a, const long* sa, const float* b, const long* sb, T* o, int rank, const long* shape) {
  switch (op) {
    case B_ADD: run(a, sa, b, sb, o, rank, shape, 1, [](float x, float y) { return x + y; }); break;
    case B_SUB: run(a, sa, b, sb, o, rank, shape, 1, [](float x, float y) { return x - y; }); break;
    case B_MUL: run(a, sa, b, sb, o, rank, shape, 1, [](float x, float y) { return x * y; }); break;
    case B_DIV: run(a, sa, b, sb, o, rank, shape, 2, [](float x, float y) { return x / y; }); break;
    // C's pow (1^NaN = 1, (-1)^±inf = 1), which the js reference emulates
    case B_POW: run(a, sa, b, sb, o, rank, shape, 30, [](float x, float y) { return (float)std::pow((double)x, (double)y); }); break;
    case B_MAXIMUM: run(a, sa, b, sb, o, rank, shape, 1, js_max); break;
    case B_MINIMUM: run(a, sa, b, sb, o, rank, shape, 1, js_min); break;
    case B_ATAN2: run(a, sa, b, sb, o, rank, shape, 30, [](float x, float y) { return (float)std::atan2((double)x, (double)y); }); break;
    case B_REMAINDER: run(a, sa, b, sb, o, rank, shape, 10, py_rem); break;
    case B_EQ: run(a, sa, b, sb, o, rank, shape, 1, [](float x, float y) { return x == y ? 1 : 0; }); break;
    case B_NE: run(a, sa, b, sb, o, rank, shape, 1, [](float x, float y) { return x != y ? 1 : 0; }); break;
    case B_LT: run(a, sa, b, sb, o, rank, shape, 1, [](float x, float y) { return x < y ? 1 : 0; }); break;
    case B_LE: run(a, sa, b, sb, o, rank, shape, 1, [](float x, float y) { return x <= y ? 1 : 0; }); break;
    case B_GT: run(a, sa, b, sb, o, rank, shape, 1, [](float x, float y) { return x > y ? 1 : 0; }); break;
    case B_GE: run(a, sa, b, sb, o, rank, shape, 1, [](float x, float y) { return x >= y ? 1 : 0; }); break;
    case B_AND: run(a, sa, b, sb, o, rank, shape, 1, [](float x, float y) { return truthy(x) && truthy(y) ? 1 : 0; }); break;
    case B_OR: run(a, sa, b, sb, o, rank, shape, 1, [](float x, float y) { return truthy(x) || truthy(y) ? 1 : 0; }); break;
    case B_XOR: run(a, sa, b, sb, o, rank, shape, 1, [](float x, float y) { return truthy(x) != truthy(y) ? 1 : 0; }); break;
    default: return false;
  }
  return true;
}

}  // namespace

bool binary(int op, const float* a, const long* sa, const float* b, const long* sb, void* out, bool outU8, int rank,
            const long* shape) {
  if (rank > kMaxRank) return false;
  return outU8 ? dispatch(op, a, sa, b, sb, static_cast<uint8_t*>(out), rank, shape)
               : dispatch(op, a, sa, b, sb, static_cast<float*>(out), rank, shape);
}

bool binary_scalar(int op, const float* a, float s, void* out, bool outU8, long n, bool reversed) {
  // a scalar operand is a stride-0 operand over a 1-D shape
  const long shape[1] = {n};
  const long one[1] = {1}, zero[1] = {0};
  return reversed ? binary(op, &s, zero, a, one, out, outU8, 1, shape) : binary(op, a, one, &s, zero, out, outU8, 1, shape);
}

void where(const uint8_t* c, const long* sc, const float* a, const long* sa, const float* b, const long* sb, float* out,
           int rank, const long* shape) {
  long so[kMaxRank];
  long s = 1;
  for (int d = rank - 1; d >= 0; d--) {
    so[d] = s;
    s *= shape[d];
  }
  const long* st[4] = {so, sc, sa, sb};
  Strided<4> it(rank, shape, st);
  if (it.total == 0) return;
  const long n = it.inner();
  const long ic = it.strides[1][it.rank - 1], ia = it.strides[2][it.rank - 1], ib = it.strides[3][it.rank - 1];
  auto body = [&](long r0, long r1) {
    it.for_rows(r0, r1, [&](const long* off) {
      float* o = out + off[0];
      const uint8_t* pc = c + off[1];
      const float* pa = a + off[2];
      const float* pb = b + off[3];
      if (ic == 1 && ia == 1 && ib == 1)
        for (long i = 0; i < n; i++) o[i] = pc[i] ? pa[i] : pb[i];
      else
        for (long i = 0; i < n; i++) o[i] = pc[i * ic] ? pa[i * ia] : pb[i * ib];
    });
  };
  const long rows = it.rows();
  const int nt = threads_for((double)it.total, kGrain);
  if (nt <= 1 || rows < nt) body(0, rows);
  else parallel_chunks(rows, nt, 1, body);
}

}  // namespace ingot
