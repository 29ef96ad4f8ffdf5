#pragma once
// Denormal floats (|x| < 1.2e-38) make x86 arithmetic 10-100x slower, and training produces them as
// optimizer moments and small gradients decay. Native kernels therefore flush them to zero (FTZ+DAZ),
// as oneDNN and MKL do. The caller's mode is restored on exit, so V8's own float math on the main
// thread keeps full IEEE semantics.
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
namespace ingot {
constexpr unsigned kFtzDaz = 0x8040;  // MXCSR flush-to-zero | denormals-are-zero

class FlushDenormals {
 public:
  FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | kFtzDaz); }
  ~FlushDenormals() { _mm_setcsr(saved_); }
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

 private:
  unsigned saved_;
};

/** For pool threads, which only ever run kernels. */
inline void flush_denormals_forever() { _mm_setcsr(_mm_getcsr() | kFtzDaz); }
}  // namespace ingot
#else
namespace ingot {
struct FlushDenormals {};
inline void flush_denormals_forever() {}
}  // namespace ingot
#endif
