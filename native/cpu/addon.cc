// N-API surface of the native cpu backend. Calls pass typed arrays only; scalar parameters, shapes
// and strides travel in a Float64Array `meta` registered once by init(), so a call costs one
// napi_get_cb_info plus one napi_get_typedarray_info per array and never allocates.
#include <node_api.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "fpmode.h"
#include "gemm.h"
#include "kernels.h"
#include "threadpool.h"

using namespace ingot;

namespace {

struct Instance {
  napi_ref metaRef = nullptr;
  double* meta = nullptr;
  size_t metaLen = 0;
};

struct Arr {
  void* data = nullptr;
  size_t len = 0;
  napi_typedarray_type type = napi_float32_array;
  bool present = false;
};

napi_value throw_error(napi_env env, const char* msg) {
  napi_throw_range_error(env, nullptr, msg);
  return nullptr;
}

// Reads argv[i] as a typed array (null/undefined gives present = false).
bool get_arr(napi_env env, napi_value v, Arr* a) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  napi_get_typedarray_info(env, v, &a->type, &a->len, &a->data, nullptr, nullptr);
  a->present = true;
  return true;
}

size_t elem_size(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: case napi_uint8_array: case napi_uint8_clamped_array: return 1;
    case napi_int16_array: case napi_uint16_array: return 2;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: return 8;
    default: return 4;
  }
}

#define ARGS(N)                                                              \
  size_t argc = N;                                                           \
  napi_value argv[N];                                                        \
  Instance* inst = nullptr;                                                  \
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);                \
  napi_get_instance_data(env, reinterpret_cast<void**>(&inst));              \
  if (argc < N) return throw_error(env, "ingot_cpu: too few arguments");     \
  if (!inst || !inst->meta) return throw_error(env, "ingot_cpu: init() not called"); \
  const double* meta = inst->meta;                                           \
  (void)meta;                                                                \
  FlushDenormals ftz_guard;

// A typed array argument of the given type (napi_float32_array etc.).
#define ARR(name, i, ty)                                                        \
  Arr name;                                                                     \
  if (!get_arr(env, argv[i], &name) || name.type != (ty))                       \
    return throw_error(env, "ingot_cpu: argument " #i " has the wrong type");
// Optional float32 array (null allowed).
#define OPT_F32(name, i)                                                       \
  Arr name;                                                                    \
  if (!get_arr(env, argv[i], &name)) name.present = false;                     \
  else if (name.type != napi_float32_array)                                    \
    return throw_error(env, "ingot_cpu: argument " #i " has the wrong type");
#define CHECK(cond, msg) \
  if (!(cond)) return throw_error(env, "ingot_cpu: " msg);
#define F32P(a) static_cast<float*>((a).data)
#define I32P(a) static_cast<int32_t*>((a).data)

napi_value make_bool(napi_env env, bool b) {
  napi_value v;
  napi_get_boolean(env, b, &v);
  return v;
}

long L(double d) { return (long)d; }

// Reads rank, shape and `nops` stride vectors from meta starting at meta[at]; checks each operand's
// reachable range [off + Σ min, off + Σ max] lies inside its array.
struct Shape {
  int rank;
  long shape[kMaxRank];
  long strides[4][kMaxRank];
  long total;
};
bool read_shape(const double* meta, int at, int nops, Shape* s) {
  s->rank = (int)meta[at];
  if (s->rank < 0 || s->rank > kMaxRank) return false;
  s->total = 1;
  for (int d = 0; d < s->rank; d++) {
    s->shape[d] = L(meta[at + 1 + d]);
    if (s->shape[d] < 0) return false;
    s->total *= s->shape[d];
  }
  for (int k = 0; k < nops; k++)
    for (int d = 0; d < s->rank; d++) s->strides[k][d] = L(meta[at + 1 + s->rank * (k + 1) + d]);
  return true;
}
bool in_bounds(const Shape& s, int k, long off, size_t len) {
  if (s.total == 0) return true;
  long lo = off, hi = off;
  for (int d = 0; d < s.rank; d++) {
    long e = (s.shape[d] - 1) * s.strides[k][d];
    if (e > 0) hi += e;
    else lo += e;
  }
  return lo >= 0 && hi < (long)len;
}

// ---- memory ----

napi_value Init(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  Instance* inst = nullptr;
  napi_get_instance_data(env, reinterpret_cast<void**>(&inst));
  Arr m;
  if (argc < 1 || !get_arr(env, argv[0], &m) || m.type != napi_float64_array || m.len < 256)
    return throw_error(env, "ingot_cpu: init(meta) needs a Float64Array of at least 256 elements");
  if (inst->metaRef) napi_delete_reference(env, inst->metaRef);
  napi_create_reference(env, argv[0], 1, &inst->metaRef);  // keeps the buffer (and the pointer) alive
  inst->meta = static_cast<double*>(m.data);
  inst->metaLen = m.len;
  napi_value n;
  napi_create_int32(env, num_threads(), &n);
  return n;
}

napi_value NumThreads(napi_env env, napi_callback_info) {
  napi_value n;
  napi_create_int32(env, num_threads(), &n);
  return n;
}

// matmul(a, b, out); meta: batch, m, n, k, transA, transB, strideA, strideB, accumulate
napi_value Matmul(napi_env env, napi_callback_info info) {
  ARGS(3);
  ARR(a, 0, napi_float32_array);
  ARR(b, 1, napi_float32_array);
  ARR(c, 2, napi_float32_array);
  GemmParams p{L(meta[0]), L(meta[1]), L(meta[2]), L(meta[3]), meta[4] != 0, meta[5] != 0, L(meta[6]), L(meta[7]), meta[8] != 0};
  CHECK(p.batch >= 0 && p.m >= 0 && p.n >= 0 && p.k >= 0 && p.strideA >= 0 && p.strideB >= 0, "matmul: bad params");
  if (p.batch > 0 && p.m > 0 && p.n > 0) {
    CHECK((size_t)(p.batch * p.m * p.n) <= c.len, "matmul: out too small");
    if (p.k > 0) {
      CHECK((size_t)((p.batch - 1) * p.strideA + p.m * p.k) <= a.len, "matmul: a too small");
      CHECK((size_t)((p.batch - 1) * p.strideB + p.k * p.n) <= b.len, "matmul: b too small");
    }
  }
  sgemm(F32P(a), F32P(b), F32P(c), p);
  return nullptr;
}

// unary(op, x, out) → handled; meta: n, alpha, min, max, exponent
napi_value Unary(napi_env env, napi_callback_info info) {
  ARGS(3);
  int32_t op;
  napi_get_value_int32(env, argv[0], &op);
  ARR(x, 1, napi_float32_array);
  ARR(o, 2, napi_float32_array);
  long n = L(meta[0]);
  CHECK(n >= 0 && (size_t)n <= x.len && (size_t)n <= o.len, "unary: n out of range");
  UnaryParams p{(float)meta[1], (float)meta[2], (float)meta[3], (float)meta[4]};
  return make_bool(env, unary(op, F32P(x), F32P(o), n, p));
}

// unaryGrad(op, x, y, gy, gx) → handled
napi_value UnaryGrad(napi_env env, napi_callback_info info) {
  ARGS(5);
  int32_t op;
  napi_get_value_int32(env, argv[0], &op);
  ARR(x, 1, napi_float32_array);
  ARR(y, 2, napi_float32_array);
  ARR(gy, 3, napi_float32_array);
  ARR(gx, 4, napi_float32_array);
  long n = L(meta[0]);
  CHECK(n >= 0 && (size_t)n <= x.len && (size_t)n <= y.len && (size_t)n <= gy.len && (size_t)n <= gx.len, "unaryGrad: n out of range");
  UnaryParams p{(float)meta[1], (float)meta[2], (float)meta[3], (float)meta[4]};
  return make_bool(env, unary_grad(op, F32P(x), F32P(y), F32P(gy), F32P(gx), n, p));
}

// binary(op, a, b, out) → handled; meta: rank, shape, aStrides, bStrides. out is float32 or uint8.
napi_value Binary(napi_env env, napi_callback_info info) {
  ARGS(4);
  int32_t op;
  napi_get_value_int32(env, argv[0], &op);
  ARR(a, 1, napi_float32_array);
  ARR(b, 2, napi_float32_array);
  Arr o;
  CHECK(get_arr(env, argv[3], &o) && (o.type == napi_float32_array || o.type == napi_uint8_array), "binary: bad out");
  Shape s;
  CHECK(read_shape(meta, 0, 2, &s), "binary: bad shape");
  CHECK((size_t)s.total <= o.len && in_bounds(s, 0, 0, a.len) && in_bounds(s, 1, 0, b.len), "binary: out of bounds");
  return make_bool(env, binary(op, F32P(a), s.strides[0], F32P(b), s.strides[1], o.data, o.type == napi_uint8_array, s.rank, s.shape));
}

// binaryScalar(op, a, out) → handled; meta: n, s, reversed
napi_value BinaryScalar(napi_env env, napi_callback_info info) {
  ARGS(3);
  int32_t op;
  napi_get_value_int32(env, argv[0], &op);
  ARR(a, 1, napi_float32_array);
  Arr o;
  CHECK(get_arr(env, argv[2], &o) && (o.type == napi_float32_array || o.type == napi_uint8_array), "binaryScalar: bad out");
  long n = L(meta[0]);
  CHECK(n >= 0 && (size_t)n <= a.len && (size_t)n <= o.len, "binaryScalar: n out of range");
  return make_bool(env, binary_scalar(op, F32P(a), (float)meta[1], o.data, o.type == napi_uint8_array, n, meta[2] != 0));
}

// where(cond(uint8), a, b, out); meta: rank, shape, cStrides, aStrides, bStrides
napi_value Where(napi_env env, napi_callback_info info) {
  ARGS(4);
  ARR(c, 0, napi_uint8_array);
  ARR(a, 1, napi_float32_array);
  ARR(b, 2, napi_float32_array);
  ARR(o, 3, napi_float32_array);
  Shape s;
  CHECK(read_shape(meta, 0, 3, &s), "where: bad shape");
  CHECK((size_t)s.total <= o.len && in_bounds(s, 0, 0, c.len) && in_bounds(s, 1, 0, a.len) && in_bounds(s, 2, 0, b.len), "where: out of bounds");
  where(static_cast<uint8_t*>(c.data), s.strides[0], F32P(a), s.strides[1], F32P(b), s.strides[2], F32P(o), s.rank, s.shape);
  return nullptr;
}

// copyStrided(src, dst); meta: srcOffset, dstOffset, rank, shape, srcStrides, dstStrides. Same element size.
napi_value CopyStrided(napi_env env, napi_callback_info info) {
  ARGS(2);
  Arr src, dst;
  CHECK(get_arr(env, argv[0], &src) && get_arr(env, argv[1], &dst), "copyStrided: needs typed arrays");
  size_t es = elem_size(src.type);
  CHECK(es == elem_size(dst.type), "copyStrided: element sizes differ");
  Shape s;
  CHECK(read_shape(meta, 2, 2, &s), "copyStrided: bad shape");
  long so = L(meta[0]), dof = L(meta[1]);
  CHECK(in_bounds(s, 0, so, src.len) && in_bounds(s, 1, dof, dst.len), "copyStrided: out of bounds");
  copy_strided(src.data, so, s.strides[0], dst.data, dof, s.strides[1], s.rank, s.shape, (int)es);
  return nullptr;
}

// fill(out); meta: value
napi_value Fill(napi_env env, napi_callback_info info) {
  ARGS(1);
  ARR(o, 0, napi_float32_array);
  fill_f32(F32P(o), (long)o.len, (float)meta[0]);
  return nullptr;
}

// philoxFill(out uint32); meta: key low word, key high word, first counter (exact below 2^53)
napi_value PhiloxFill(napi_env env, napi_callback_info info) {
  ARGS(1);
  ARR(o, 0, napi_uint32_array);
  CHECK(meta[0] >= 0 && meta[0] <= 4294967295.0 && meta[1] >= 0 && meta[1] <= 4294967295.0 && meta[2] >= 0, "philoxFill: bad key or counter");
  philox_fill(static_cast<uint32_t*>(o.data), (long)o.len, (uint32_t)meta[0], (uint32_t)meta[1], (uint64_t)meta[2]);
  return nullptr;
}

// ---- reductions and nn ----

// reduce(op, x, out); argReduce(isMax, x, out(int32)); meta: outer, r, inner
napi_value Reduce(napi_env env, napi_callback_info info) {
  ARGS(3);
  int32_t op;
  napi_get_value_int32(env, argv[0], &op);
  ARR(x, 1, napi_float32_array);
  ARR(o, 2, napi_float32_array);
  long outer = L(meta[0]), r = L(meta[1]), inner = L(meta[2]);
  CHECK(outer >= 0 && r >= 0 && inner >= 0 && (size_t)(outer * r * inner) <= x.len && (size_t)(outer * inner) <= o.len, "reduce: bad sizes");
  reduce(op, F32P(x), F32P(o), outer, r, inner);
  return nullptr;
}

napi_value ArgReduce(napi_env env, napi_callback_info info) {
  ARGS(3);
  bool isMax;
  napi_get_value_bool(env, argv[0], &isMax);
  ARR(x, 1, napi_float32_array);
  ARR(o, 2, napi_int32_array);
  long outer = L(meta[0]), r = L(meta[1]), inner = L(meta[2]);
  CHECK(outer >= 0 && r >= 1 && inner >= 0 && (size_t)(outer * r * inner) <= x.len && (size_t)(outer * inner) <= o.len, "argReduce: bad sizes");
  arg_reduce(isMax, F32P(x), I32P(o), outer, r, inner);
  return nullptr;
}

// softmax(x, out); softmaxGrad(y, gy, gx); meta: rows, cols, log
napi_value Softmax(napi_env env, napi_callback_info info) {
  ARGS(2);
  ARR(x, 0, napi_float32_array);
  ARR(o, 1, napi_float32_array);
  long rows = L(meta[0]), cols = L(meta[1]);
  CHECK(rows >= 0 && cols >= 0 && (size_t)(rows * cols) <= x.len && (size_t)(rows * cols) <= o.len, "softmax: bad sizes");
  softmax(F32P(x), F32P(o), rows, cols, meta[2] != 0);
  return nullptr;
}

napi_value SoftmaxGrad(napi_env env, napi_callback_info info) {
  ARGS(3);
  ARR(y, 0, napi_float32_array);
  ARR(gy, 1, napi_float32_array);
  ARR(gx, 2, napi_float32_array);
  long rows = L(meta[0]), cols = L(meta[1]);
  size_t n = (size_t)(rows * cols);
  CHECK(rows >= 0 && cols >= 0 && n <= y.len && n <= gy.len && n <= gx.len, "softmaxGrad: bad sizes");
  softmax_grad(F32P(y), F32P(gy), F32P(gx), rows, cols, meta[2] != 0);
  return nullptr;
}

// layerNorm(x, w|null, b|null, out, mean, rstd); meta: rows, cols, eps
napi_value LayerNorm(napi_env env, napi_callback_info info) {
  ARGS(6);
  ARR(x, 0, napi_float32_array);
  OPT_F32(w, 1);
  OPT_F32(b, 2);
  ARR(o, 3, napi_float32_array);
  ARR(mean, 4, napi_float32_array);
  ARR(rstd, 5, napi_float32_array);
  long rows = L(meta[0]), cols = L(meta[1]);
  size_t n = (size_t)(rows * cols);
  CHECK(rows >= 0 && cols >= 0 && n <= x.len && n <= o.len && (size_t)rows <= mean.len && (size_t)rows <= rstd.len, "layerNorm: bad sizes");
  CHECK((!w.present || (size_t)cols <= w.len) && (!b.present || (size_t)cols <= b.len), "layerNorm: bad weight");
  layer_norm(F32P(x), w.present ? F32P(w) : nullptr, b.present ? F32P(b) : nullptr, F32P(o), F32P(mean), F32P(rstd), rows, cols, meta[2]);
  return nullptr;
}

// layerNormGrad(x, w|null, mean, rstd, gy, gx, gw|null, gb|null); meta: rows, cols
napi_value LayerNormGrad(napi_env env, napi_callback_info info) {
  ARGS(8);
  ARR(x, 0, napi_float32_array);
  OPT_F32(w, 1);
  ARR(mean, 2, napi_float32_array);
  ARR(rstd, 3, napi_float32_array);
  ARR(gy, 4, napi_float32_array);
  ARR(gx, 5, napi_float32_array);
  OPT_F32(gw, 6);
  OPT_F32(gb, 7);
  long rows = L(meta[0]), cols = L(meta[1]);
  size_t n = (size_t)(rows * cols);
  CHECK(rows >= 0 && cols >= 0 && n <= x.len && n <= gy.len && n <= gx.len && (size_t)rows <= mean.len && (size_t)rows <= rstd.len, "layerNormGrad: bad sizes");
  CHECK((!w.present || (size_t)cols <= w.len) && (!gw.present || (size_t)cols <= gw.len) && (!gb.present || (size_t)cols <= gb.len), "layerNormGrad: bad weight");
  layer_norm_grad(F32P(x), w.present ? F32P(w) : nullptr, F32P(mean), F32P(rstd), F32P(gy), F32P(gx),
                  gw.present ? F32P(gw) : nullptr, gb.present ? F32P(gb) : nullptr, rows, cols);
  return nullptr;
}

// meta: n, c, h, w, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, oh, ow
ConvGeom read_geom(const double* m) {
  return ConvGeom{L(m[0]), L(m[1]), L(m[2]), L(m[3]), L(m[4]), L(m[5]), L(m[6]), L(m[7]), L(m[8]), L(m[9]), L(m[10]), L(m[11]), L(m[12]), L(m[13])};
}
bool geom_ok(const ConvGeom& g) {
  return g.n >= 0 && g.c >= 0 && g.h >= 0 && g.w >= 0 && g.kh >= 0 && g.kw >= 0 && g.oh >= 0 && g.ow >= 0;
}

// im2col(x, cols) / col2im(cols, x)
napi_value Im2col(napi_env env, napi_callback_info info) {
  ARGS(2);
  ARR(x, 0, napi_float32_array);
  ARR(c, 1, napi_float32_array);
  ConvGeom g = read_geom(meta);
  CHECK(geom_ok(g) && (size_t)(g.n * g.c * g.h * g.w) <= x.len && (size_t)(g.n * g.c * g.kh * g.kw * g.oh * g.ow) <= c.len, "im2col: bad sizes");
  im2col(F32P(x), F32P(c), g);
  return nullptr;
}

napi_value Col2im(napi_env env, napi_callback_info info) {
  ARGS(2);
  ARR(c, 0, napi_float32_array);
  ARR(x, 1, napi_float32_array);
  ConvGeom g = read_geom(meta);
  CHECK(geom_ok(g) && (size_t)(g.n * g.c * g.h * g.w) <= x.len && (size_t)(g.n * g.c * g.kh * g.kw * g.oh * g.ow) <= c.len, "col2im: bad sizes");
  col2im(F32P(c), F32P(x), g);
  return nullptr;
}

// maxPool2d(x, out, argmax) / maxPool2dGrad(gy, argmax, gx); geometry with n = planes, c = 1
napi_value MaxPool2d(napi_env env, napi_callback_info info) {
  ARGS(3);
  ARR(x, 0, napi_float32_array);
  ARR(o, 1, napi_float32_array);
  ARR(am, 2, napi_int32_array);
  ConvGeom g = read_geom(meta);
  size_t no = (size_t)(g.n * g.oh * g.ow);
  CHECK(geom_ok(g) && (size_t)(g.n * g.h * g.w) <= x.len && no <= o.len && no <= am.len, "maxPool2d: bad sizes");
  max_pool2d(F32P(x), F32P(o), I32P(am), g);
  return nullptr;
}

napi_value MaxPool2dGrad(napi_env env, napi_callback_info info) {
  ARGS(3);
  ARR(gy, 0, napi_float32_array);
  ARR(am, 1, napi_int32_array);
  ARR(gx, 2, napi_float32_array);
  ConvGeom g = read_geom(meta);
  size_t no = (size_t)(g.n * g.oh * g.ow);
  CHECK(geom_ok(g) && (size_t)(g.n * g.h * g.w) <= gx.len && no <= gy.len && no <= am.len, "maxPool2dGrad: bad sizes");
  max_pool2d_grad(F32P(gy), I32P(am), F32P(gx), g);
  return nullptr;
}

// adamStep(param, grad, m, v); meta: n, lr, beta1, beta2, eps, weightDecay, decoupled, step
napi_value AdamStep(napi_env env, napi_callback_info info) {
  ARGS(4);
  ARR(p, 0, napi_float32_array);
  ARR(g, 1, napi_float32_array);
  ARR(m, 2, napi_float32_array);
  ARR(v, 3, napi_float32_array);
  long n = L(meta[0]);
  CHECK(n >= 0 && (size_t)n <= p.len && (size_t)n <= g.len && (size_t)n <= m.len && (size_t)n <= v.len, "adamStep: bad sizes");
  AdamParams ap{meta[1], meta[2], meta[3], meta[4], meta[5], meta[6] != 0, meta[7]};
  adam_step(F32P(p), F32P(g), F32P(m), F32P(v), n, ap);
  return nullptr;
}

// indexSelect(x, index, out) / indexAdd(src, index, out); meta: outer, rx|rOut, nIdx, inner
bool indices_ok(const int32_t* idx, long n, long limit) {
  for (long j = 0; j < n; j++)
    if (idx[j] < 0 || idx[j] >= limit) return false;
  return true;
}

napi_value IndexSelect(napi_env env, napi_callback_info info) {
  ARGS(3);
  ARR(x, 0, napi_float32_array);
  ARR(idx, 1, napi_int32_array);
  ARR(o, 2, napi_float32_array);
  long outer = L(meta[0]), rx = L(meta[1]), nIdx = L(meta[2]), inner = L(meta[3]);
  CHECK(outer >= 0 && rx >= 0 && nIdx >= 0 && inner >= 0 && (size_t)nIdx <= idx.len && (size_t)(outer * rx * inner) <= x.len &&
            (size_t)(outer * nIdx * inner) <= o.len, "indexSelect: bad sizes");
  CHECK(indices_ok(I32P(idx), nIdx, rx), "indexSelect: index out of range");
  index_select(F32P(x), I32P(idx), F32P(o), outer, rx, nIdx, inner);
  return nullptr;
}

napi_value IndexAdd(napi_env env, napi_callback_info info) {
  ARGS(3);
  ARR(s, 0, napi_float32_array);
  ARR(idx, 1, napi_int32_array);
  ARR(o, 2, napi_float32_array);
  long outer = L(meta[0]), rOut = L(meta[1]), nIdx = L(meta[2]), inner = L(meta[3]);
  CHECK(outer >= 0 && rOut >= 0 && nIdx >= 0 && inner >= 0 && (size_t)nIdx <= idx.len && (size_t)(outer * rOut * inner) <= o.len &&
            (size_t)(outer * nIdx * inner) <= s.len, "indexAdd: bad sizes");
  CHECK(indices_ok(I32P(idx), nIdx, rOut), "indexAdd: index out of range");
  index_add(F32P(s), I32P(idx), F32P(o), outer, rOut, nIdx, inner);
  return nullptr;
}

// ---- attention ----

// meta: batch, heads, lq, lk, headDim, scale, causal, then offset, batchStride, headStride, rowStride for
// q, k, v and out (gOut shares out's layout; gq/gk/gv share q/k/v's).
constexpr int kAttentionMeta = 23;

bool whole(double x, double limit) { return x == std::floor(x) && std::fabs(x) < limit; }

// Reads and validates the params; on failure writes why into msg.
bool read_attention(const char* kernel, const double* m, FlashAttentionParams* p, char* msg, size_t cap) {
  for (int i = 0; i < kAttentionMeta; i++) {
    if (i == 5 || i == 6) continue;
    const bool count = i < 5;
    if (!whole(m[i], count ? 2147483648.0 : 4503599627370496.0) || (count && m[i] < 0)) {
      std::snprintf(msg, cap, "ingot_cpu: %s: meta[%d] = %g is not a valid %s", kernel, i, m[i], count ? "size" : "offset or stride");
      return false;
    }
  }
  auto layout = [&](int at) { return AttentionLayout{L(m[at]), L(m[at + 1]), L(m[at + 2]), L(m[at + 3])}; };
  *p = FlashAttentionParams{L(m[0]), L(m[1]), L(m[2]), L(m[3]), L(m[4]), m[5], m[6] != 0, layout(7), layout(11), layout(15), layout(19)};
  if (p->headDim < 1 || (p->lq > 0 && p->lk < 1)) {
    std::snprintf(msg, cap, "ingot_cpu: %s: needs headDim >= 1 and lk >= 1, got headDim %ld, lk %ld", kernel, p->headDim, p->lk);
    return false;
  }
  return true;
}

// True when every element that `rows` rows per (batch, head) of operand `l` can touch lies inside an
// array of `len` elements; otherwise writes the reachable range into msg. 128-bit sums cannot overflow.
bool layout_in_bounds(const char* kernel, const char* name, const FlashAttentionParams& p, const AttentionLayout& l,
                      long rows, size_t len, char* msg, size_t cap) {
  if (p.batch == 0 || p.heads == 0 || rows == 0) return true;
  __int128 lo = l.offset, hi = l.offset + (p.headDim - 1);
  const __int128 spans[3] = {(__int128)(p.batch - 1) * l.batchStride, (__int128)(p.heads - 1) * l.headStride,
                             (__int128)(rows - 1) * l.rowStride};
  for (__int128 e : spans) (e > 0 ? hi : lo) += e;
  if (lo >= 0 && hi < (__int128)len) return true;
  std::snprintf(msg, cap, "ingot_cpu: %s: %s's layout (offset %ld, strides %ld/%ld/%ld) reaches elements [%lld, %lld] but its array has %zu",
                kernel, name, l.offset, l.batchStride, l.headStride, l.rowStride, (long long)lo, (long long)hi, len);
  return false;
}

struct Operand {
  const char* name;
  const Arr* arr;
  const AttentionLayout* layout;
  long rows;
};

// Checks every operand and lse (batch·heads·lq elements); throws a RangeError naming the first bad one.
bool attention_operands_ok(napi_env env, const char* kernel, const FlashAttentionParams& p, const Operand* ops, int n,
                           const Arr& lse) {
  char msg[320];
  for (int i = 0; i < n; i++)
    if (!layout_in_bounds(kernel, ops[i].name, p, *ops[i].layout, ops[i].rows, ops[i].arr->len, msg, sizeof msg)) {
      throw_error(env, msg);
      return false;
    }
  const __int128 need = (__int128)p.batch * p.heads * p.lq;
  if (need > (__int128)lse.len) {
    std::snprintf(msg, sizeof msg, "ingot_cpu: %s: lse needs batch*heads*lq = %lld elements, its array has %zu", kernel,
                  (long long)need, lse.len);
    throw_error(env, msg);
    return false;
  }
  return true;
}

// flashAttention(q, k, v, out, lse)
napi_value FlashAttention(napi_env env, napi_callback_info info) {
  ARGS(5);
  ARR(q, 0, napi_float32_array);
  ARR(k, 1, napi_float32_array);
  ARR(v, 2, napi_float32_array);
  ARR(o, 3, napi_float32_array);
  ARR(lse, 4, napi_float32_array);
  FlashAttentionParams p;
  char msg[320];
  if (!read_attention("flashAttention", meta, &p, msg, sizeof msg)) return throw_error(env, msg);
  const Operand ops[] = {{"q", &q, &p.q, p.lq}, {"k", &k, &p.k, p.lk}, {"v", &v, &p.v, p.lk}, {"out", &o, &p.out, p.lq}};
  if (!attention_operands_ok(env, "flashAttention", p, ops, 4, lse)) return nullptr;
  flash_attention(F32P(q), F32P(k), F32P(v), F32P(o), F32P(lse), p);
  return nullptr;
}

// flashAttentionGrad(q, k, v, out, gOut, lse, gq, gk, gv)
napi_value FlashAttentionGrad(napi_env env, napi_callback_info info) {
  ARGS(9);
  ARR(q, 0, napi_float32_array);
  ARR(k, 1, napi_float32_array);
  ARR(v, 2, napi_float32_array);
  ARR(o, 3, napi_float32_array);
  ARR(go, 4, napi_float32_array);
  ARR(lse, 5, napi_float32_array);
  ARR(gq, 6, napi_float32_array);
  ARR(gk, 7, napi_float32_array);
  ARR(gv, 8, napi_float32_array);
  FlashAttentionParams p;
  char msg[320];
  if (!read_attention("flashAttentionGrad", meta, &p, msg, sizeof msg)) return throw_error(env, msg);
  const Operand ops[] = {{"q", &q, &p.q, p.lq},     {"k", &k, &p.k, p.lk},   {"v", &v, &p.v, p.lk},
                         {"out", &o, &p.out, p.lq}, {"gOut", &go, &p.out, p.lq}, {"gq", &gq, &p.q, p.lq},
                         {"gk", &gk, &p.k, p.lk},   {"gv", &gv, &p.v, p.lk}};
  if (!attention_operands_ok(env, "flashAttentionGrad", p, ops, 8, lse)) return nullptr;
  flash_attention_grad(F32P(q), F32P(k), F32P(v), F32P(o), F32P(go), F32P(lse), F32P(gq), F32P(gk), F32P(gv), p);
  return nullptr;
}

void Finalize(napi_env env, void* data, void*) {
  Instance* inst = static_cast<Instance*>(data);
  if (inst->metaRef) napi_delete_reference(env, inst->metaRef);
  delete inst;
}

}  // namespace

NAPI_MODULE_INIT() {
  napi_set_instance_data(env, new Instance(), Finalize, nullptr);
  const napi_property_descriptor props[] = {
#define FN(name, fn) {name, nullptr, fn, nullptr, nullptr, nullptr, napi_default, nullptr}
      FN("init", Init),
      FN("numThreads", NumThreads),
      FN("matmul", Matmul),
      FN("unary", Unary),
      FN("unaryGrad", UnaryGrad),
      FN("binary", Binary),
      FN("binaryScalar", BinaryScalar),
      FN("where", Where),
      FN("copyStrided", CopyStrided),
      FN("fill", Fill),
      FN("philoxFill", PhiloxFill),
      FN("reduce", Reduce),
      FN("argReduce", ArgReduce),
      FN("softmax", Softmax),
      FN("softmaxGrad", SoftmaxGrad),
      FN("layerNorm", LayerNorm),
      FN("layerNormGrad", LayerNormGrad),
      FN("im2col", Im2col),
      FN("col2im", Col2im),
      FN("maxPool2d", MaxPool2d),
      FN("maxPool2dGrad", MaxPool2dGrad),
      FN("adamStep", AdamStep),
      FN("indexSelect", IndexSelect),
      FN("indexAdd", IndexAdd),
      FN("flashAttention", FlashAttention),
      FN("flashAttentionGrad", FlashAttentionGrad),
#undef FN
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
