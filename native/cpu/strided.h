// Broadcast/strided iteration: coalesces a shape with per-operand strides into the fewest dims, then
// visits it as rows of the innermost dim so kernels only write tight 1-D loops.
#pragma once
#include "kernels.h"

namespace ingot {

template <int N>
struct Strided {
  int rank = 0;
  long shape[kMaxRank];
  long strides[N][kMaxRank];
  long total = 1;

  // Operand 0 is usually the (contiguous) output. Size-1 dims are dropped; adjacent dims merge when
  // every operand steps through them as one.
  Strided(int r, const long* shp, const long* const* st) {
    for (int d = 0; d < r; d++) total *= shp[d];
    for (int d = 0; d < r; d++) {
      if (shp[d] == 1) continue;
      if (rank > 0) {
        bool merge = true;
        for (int k = 0; k < N; k++)
          if (strides[k][rank - 1] != st[k][d] * shp[d]) merge = false;
        if (merge) {
          shape[rank - 1] *= shp[d];
          for (int k = 0; k < N; k++) strides[k][rank - 1] = st[k][d];
          continue;
        }
      }
      shape[rank] = shp[d];
      for (int k = 0; k < N; k++) strides[k][rank] = st[k][d];
      rank++;
    }
    if (rank == 0) {  // a scalar: one row of one element
      shape[0] = 1;
      for (int k = 0; k < N; k++) strides[k][0] = 0;
      rank = 1;
    }
  }

  long inner() const { return shape[rank - 1]; }
  long rows() const { return total == 0 ? 0 : total / shape[rank - 1]; }

  // Offsets of row `row` (an index over all dims but the last).
  void row_offsets(long row, long* off) const {
    for (int k = 0; k < N; k++) off[k] = 0;
    for (int d = rank - 2; d >= 0; d--) {
      long i = row % shape[d];
      row /= shape[d];
      for (int k = 0; k < N; k++) off[k] += i * strides[k][d];
    }
  }

  // Calls f(off[N]) for rows [r0, r1), advancing offsets with counters instead of divisions.
  template <class F>
  void for_rows(long r0, long r1, F&& f) const {
    if (r0 >= r1) return;
    long off[N], idx[kMaxRank];
    row_offsets(r0, off);
    long row = r0;
    for (int d = rank - 2; d >= 0; d--) {
      idx[d] = row % shape[d];
      row /= shape[d];
    }
    for (long r = r0; r < r1; r++) {
      f(off);
      for (int d = rank - 2; d >= 0; d--) {
        for (int k = 0; k < N; k++) off[k] += strides[k][d];
        if (++idx[d] < shape[d]) break;
        for (int k = 0; k < N; k++) off[k] -= strides[k][d] * shape[d];
        idx[d] = 0;
      }
    }
  }
};

}  // namespace ingot
