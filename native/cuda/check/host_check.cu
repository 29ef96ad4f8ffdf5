// CPU-only check of the kernels' element semantics (unary/grad/binary/scalar ops, int conversion) and of
// the broadcast collapse + offset arithmetic. No GPU needed:
//   nvcc -std=c++17 -arch=sm_90 -I native/cuda native/cuda/check/host_check.cu -o /tmp/host_check
//   /tmp/host_check > /tmp/host_check.json && node native/cuda/check/compare-js.mjs /tmp/host_check.json
// (compare-js.mjs needs dist/ built: npx tsc -p tsconfig.build.json)
#include "kernels.cu"
#include <cstdio>
#include <random>
using namespace ingot;
int main() {
  std::mt19937 rng(7);
  // 1) collapse + stridedOffsets against naive offsets
  int fails = 0;
  for (int t = 0; t < 20000; t++) {
    Strided g{};
    g.rank = 1 + rng() % 5;
    for (int d = 0; d < g.rank; d++) g.shape[d] = 1 + rng() % 4;
    int64_t* ss[3] = {g.s0, g.s1, g.s2};
    for (int k = 0; k < 3; k++) {
      int kind = rng() % 4;
      // contiguous, broadcast-ish, permuted, random
      int64_t acc = 1;
      for (int d = g.rank - 1; d >= 0; d--) {
        if (kind == 0) { ss[k][d] = acc; acc *= g.shape[d]; }
        else if (kind == 1) { ss[k][d] = (rng() % 2) ? 0 : acc; acc *= g.shape[d]; }
        else if (kind == 2) { ss[k][d] = acc * (1 + rng() % 2); acc *= g.shape[d] * 2; }
        else ss[k][d] = rng() % 7;
      }
    }
    Strided c = g;
    ingot::collapse(c, 3);
    int64_t n = 1;
    for (int d = 0; d < g.rank; d++) n *= g.shape[d];
    if (numelOf(c) != n) { fails++; continue; }
    for (int64_t i = 0; i < n; i++) {
      int64_t lin = i, o[3] = {0, 0, 0};
      for (int d = g.rank - 1; d >= 0; d--) {
        int64_t cc = lin % g.shape[d]; lin /= g.shape[d];
        o[0] += cc * g.s0[d]; o[1] += cc * g.s1[d]; o[2] += cc * g.s2[d];
      }
      int64_t p[3];
      stridedOffsets<int64_t, 3>(c, i, p);
      int32_t q[3];
      stridedOffsets<int32_t, 3>(c, (int32_t)i, q);
      if (p[0] != o[0] || p[1] != o[1] || p[2] != o[2] || q[0] != o[0] || q[1] != o[1] || q[2] != o[2]) { fails++; break; }
    }
  }
  fprintf(stderr, "collapse/offsets failures: %d\n", fails);
  // 2) op semantics as JSON for the js comparison
  std::vector<float> xs = {0.f, -0.f, 0.5f, 1.5f, 2.5f, -2.5f, NAN, INFINITY, -INFINITY, 1.f, -1.f, 25.f, -25.f, 0.1f, -0.7f, 3.f, 0.3f, 2.f, -1.5f};
  std::uniform_real_distribution<float> U(-3, 3);
  for (int i = 0; i < 40; i++) xs.push_back(U(rng));
  UnaryP p{0.2f, -1.f, 0.5f, 2.5f};
  auto num = [](double v) {
    static char buf[64];
    if (std::isnan(v)) return std::string("null");
    if (std::isinf(v)) return std::string(v > 0 ? "1e999" : "-1e999");
    snprintf(buf, sizeof buf, "%.17g", v);
    return std::string(buf);
  };
  printf("{\"xs\":[");
  for (size_t i = 0; i < xs.size(); i++) printf("%s%s", i ? "," : "", num(xs[i]).c_str());
  printf("],\"unary\":[");
  for (int op = 0; op < 32; op++) {
    printf("%s[", op ? "," : "");
    for (size_t i = 0; i < xs.size(); i++) printf("%s%s", i ? "," : "", num(unaryF<float>(op, xs[i], p)).c_str());
    printf("]");
  }
  printf("],\"grad\":[");
  for (int op = 0; op < 32; op++) {
    printf("%s[", op ? "," : "");
    for (size_t i = 0; i < xs.size(); i++) {
      float y = unaryF<float>(op, xs[i], p);
      printf("%s%s", i ? "," : "", num(unaryGradF<float>(op, xs[i], y, p)).c_str());
    }
    printf("]");
  }
  printf("],\"binary\":[");
  for (int op = 0; op < 18; op++) {
    printf("%s[", op ? "," : "");
    for (size_t i = 0; i < xs.size(); i++) {
      float b = xs[(i * 7 + 3) % xs.size()];
      printf("%s%s", i ? "," : "", num(binaryF<float>(op, xs[i], b)).c_str());
    }
    printf("]");
  }
  printf("],\"scalar\":[");
  for (int op = 0; op < 18; op++) {
    printf("%s[", op ? "," : "");
    for (size_t i = 0; i < xs.size(); i++) printf("%s%s", i ? "," : "", num((float)binaryF<double>(op, 0.3, (double)xs[i])).c_str());
    printf("]");
  }
  printf("],\"toI32\":[");
  double tv[] = {2.7, -2.7, 3e9, -3e9, 1e20, NAN, INFINITY, -0.5, 2147483647.9, -2147483648.5};
  for (int i = 0; i < 10; i++) printf("%s%d", i ? "," : "", St<int32_t>::from(tv[i]));
  printf("]}\n");
}
