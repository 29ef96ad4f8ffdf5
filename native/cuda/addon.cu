// Ingot CUDA addon: N-API bindings, a caching device allocator, one stream, cuBLAS (loaded at run time).
//
// Device memory is handed to JS as externals wrapping a Block. `free(handle)` returns a block to the
// cache at once (work already queued on the stream still sees valid memory: the one stream orders
// every later use after it); a finalizer does the same for handles that are garbage collected unfreed.
#define NAPI_VERSION 8
#include <node_api.h>

#include <dlfcn.h>
#include <library_types.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "kernels.h"

using namespace ingot;

namespace {

// ---------------- cuBLAS, resolved with dlopen so the addon builds and loads without it ----------------
typedef void* cublasHandle_t;
typedef int cublasStatus_t;
enum { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1 };
enum { CUBLAS_DEFAULT_MATH = 0, CUBLAS_TF32_TENSOR_OP_MATH = 3 };
enum { CUBLAS_COMPUTE_32F = 68, CUBLAS_COMPUTE_32F_FAST_16BF = 75, CUBLAS_COMPUTE_32F_FAST_TF32 = 77 };
enum { CUBLAS_GEMM_DEFAULT = -1 };

struct Cublas {
  void* lib = nullptr;
  cublasStatus_t (*create)(cublasHandle_t*) = nullptr;
  cublasStatus_t (*setStream)(cublasHandle_t, cudaStream_t) = nullptr;
  cublasStatus_t (*setWorkspace)(cublasHandle_t, void*, size_t) = nullptr;
  cublasStatus_t (*setMathMode)(cublasHandle_t, int) = nullptr;
  cublasStatus_t (*gemmStridedBatchedEx)(cublasHandle_t, int, int, int, int, int, const void*, const void*, cudaDataType, int, long long,
                                         const void*, cudaDataType, int, long long, const void*, void*, cudaDataType, int, long long, int,
                                         int, int) = nullptr;
  cublasHandle_t handle = nullptr;
  std::string error;
};

struct State {
  bool ready = false;
  std::string reason = "not initialised";
  int device = 0;
  cudaStream_t stream = nullptr;
  Cublas blas;
  void* blasWorkspace = nullptr;
  std::string dnnError = "not loaded";  // why convolutions do not use cuDNN ("" when they may)
  int precision = 1;  // float32 matmul: 0 full fp32, 1 TF32 tensor cores, 2 bf16 tensor cores (fp32 in, out, accumulate)
  cudaEvent_t t0 = nullptr, t1 = nullptr;
  // caching allocator: rounded size -> free blocks
  std::unordered_map<size_t, std::vector<void*>> freeLists;
  size_t cachedBytes = 0, liveBytes = 0, peakBytes = 0;
  uint64_t mallocs = 0;
};
State g;

struct Block {
  void* ptr;
  size_t bytes;  // rounded size (the key of its free list)
  bool live;
};

size_t roundSize(size_t n) {
  if (n <= 512) return 512;
  if (n < (1u << 20)) return (n + 511) & ~size_t(511);
  if (n < (size_t(32) << 20)) return (n + (size_t(1) << 20) - 1) & ~((size_t(1) << 20) - 1);
  return (n + (size_t(2) << 20) - 1) & ~((size_t(2) << 20) - 1);
}

void releaseCache() {
  cudaStreamSynchronize(g.stream);
  for (auto& kv : g.freeLists)
    for (void* p : kv.second) cudaFree(p);
  g.freeLists.clear();
  g.cachedBytes = 0;
}

void* deviceAlloc(size_t rounded) {
  auto it = g.freeLists.find(rounded);
  if (it != g.freeLists.end() && !it->second.empty()) {
    void* p = it->second.back();
    it->second.pop_back();
    g.cachedBytes -= rounded;
    g.liveBytes += rounded;
    if (g.liveBytes > g.peakBytes) g.peakBytes = g.liveBytes;
    return p;
  }
  void* p = nullptr;
  cudaError_t e = cudaMalloc(&p, rounded);
  if (e != cudaSuccess) {
    cudaGetLastError();
    releaseCache();
    e = cudaMalloc(&p, rounded);
    if (e != cudaSuccess) {
      cudaGetLastError();
      throw std::runtime_error("cuda backend: out of device memory allocating " + std::to_string(rounded) + " bytes (" +
                               std::to_string(g.liveBytes) + " bytes in use)");
    }
  }
  g.mallocs++;
  g.liveBytes += rounded;
  if (g.liveBytes > g.peakBytes) g.peakBytes = g.liveBytes;
  return p;
}

void deviceFree(void* p, size_t rounded) {
  if (!p) return;
  g.freeLists[rounded].push_back(p);
  g.cachedBytes += rounded;
  g.liveBytes -= rounded;
}

// Device scratch for one launcher call, returned to the cache when the call ends, thrown or not. Freed
// blocks are reused only by later work on the same stream, so the launcher's kernels still see them.
struct Scratch {
  std::vector<std::pair<void*, size_t>> blocks;
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() {
    for (auto& b : blocks) deviceFree(b.first, b.second);
  }
};

void* scratchAlloc(size_t bytes, void* ctx) {
  auto* scratch = static_cast<Scratch*>(ctx);
  const size_t r = roundSize(bytes);
  void* p = deviceAlloc(r);
  scratch->blocks.push_back({p, r});
  return p;
}

// ---------------- N-API helpers ----------------
struct JsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

#define NAPI_OK(call)                                                   \
  do {                                                                  \
    if ((call) != napi_ok) throw JsError("cuda addon: N-API call failed: " #call); \
  } while (0)

struct Args {
  napi_env env;
  size_t argc = 24;
  napi_value argv[24];
  Args(napi_env e, napi_callback_info info) : env(e) { NAPI_OK(napi_get_cb_info(e, info, &argc, argv, nullptr, nullptr)); }
  napi_value at(size_t i) const {
    if (i >= argc) throw JsError("cuda addon: missing argument " + std::to_string(i));
    return argv[i];
  }
  double num(size_t i) const {
    double v;
    if (napi_get_value_double(env, at(i), &v) != napi_ok) throw JsError("cuda addon: argument " + std::to_string(i) + " must be a number");
    return v;
  }
  int64_t i64(size_t i) const { return (int64_t)num(i); }
  int i32(size_t i) const { return (int)num(i); }
  bool flag(size_t i) const {
    bool v;
    if (napi_get_value_bool(env, at(i), &v) != napi_ok) throw JsError("cuda addon: argument " + std::to_string(i) + " must be a boolean");
    return v;
  }
  bool isNull(size_t i) const {
    napi_valuetype t;
    NAPI_OK(napi_typeof(env, at(i), &t));
    return t == napi_null || t == napi_undefined;
  }
  Block* block(size_t i) const {
    void* p;
    if (napi_get_value_external(env, at(i), &p) != napi_ok) throw JsError("cuda addon: argument " + std::to_string(i) + " must be a device handle");
    Block* b = static_cast<Block*>(p);
    if (!b->live) throw JsError("cuda backend: device storage used after release");
    return b;
  }
  void* ptr(size_t i) const { return block(i)->ptr; }
  void* ptrOrNull(size_t i) const { return isNull(i) ? nullptr : ptr(i); }
  std::vector<void*> ptrs(size_t i) const {
    uint32_t n;
    if (napi_get_array_length(env, at(i), &n) != napi_ok) throw JsError("cuda addon: argument " + std::to_string(i) + " must be an array of device handles");
    std::vector<void*> out(n);
    for (uint32_t k = 0; k < n; k++) {
      napi_value v;
      NAPI_OK(napi_get_element(env, at(i), k, &v));
      void* p;
      if (napi_get_value_external(env, v, &p) != napi_ok) throw JsError("cuda addon: argument " + std::to_string(i) + " must be an array of device handles");
      Block* b = static_cast<Block*>(p);
      if (!b->live) throw JsError("cuda backend: device storage used after release");
      out[k] = b->ptr;
    }
    return out;
  }
  std::vector<int64_t> ints(size_t i) const {
    uint32_t n;
    if (napi_get_array_length(env, at(i), &n) != napi_ok) throw JsError("cuda addon: argument " + std::to_string(i) + " must be an array");
    std::vector<int64_t> out(n);
    for (uint32_t k = 0; k < n; k++) {
      napi_value v;
      NAPI_OK(napi_get_element(env, at(i), k, &v));
      double d;
      NAPI_OK(napi_get_value_double(env, v, &d));
      out[k] = (int64_t)d;
    }
    return out;
  }
};

void requireReady() {
  if (!g.ready) throw JsError("cuda backend: not initialised (" + g.reason + ")");
}

napi_value undef(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

napi_value number(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

template <typename F> napi_value guarded(napi_env env, F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, e.what());
    return nullptr;
  }
}

#define FN(name) napi_value name(napi_env env, napi_callback_info info)
#define BODY(...) return guarded(env, [&]() -> napi_value { Args a(env, info); (void)a; __VA_ARGS__ })

void finalizeBlock(napi_env, void* data, void*) {
  Block* b = static_cast<Block*>(data);
  if (b->live && g.ready) deviceFree(b->ptr, b->bytes);
  delete b;
}

Strided makeStrided(const std::vector<int64_t>& shape, const std::vector<int64_t>& s0, const std::vector<int64_t>* s1, const std::vector<int64_t>* s2) {
  if (shape.size() > (size_t)kMaxDims) throw JsError("cuda backend: tensors of more than 8 dims are not supported");
  Strided st{};
  st.rank = (int)shape.size();
  for (int d = 0; d < st.rank; d++) {
    st.shape[d] = shape[d];
    st.s0[d] = s0.at(d);
    st.s1[d] = s1 ? s1->at(d) : 0;
    st.s2[d] = s2 ? s2->at(d) : 0;
  }
  return st;
}

UnaryP unaryParams(const Args& a, size_t i) {
  UnaryP p;
  p.alpha = (float)a.num(i);
  p.lo = (float)a.num(i + 1);
  p.hi = (float)a.num(i + 2);
  p.exponent = (float)a.num(i + 3);
  return p;
}

// ---------------- exported functions ----------------

std::string loadCublas() {
  const char* env = getenv("INGOT_CUBLAS");
  const char* names[] = {env, "libcublas.so.13", "libcublas.so.12", "libcublas.so", "/usr/local/cuda/lib64/libcublas.so.13",
                         "/usr/local/cuda/lib64/libcublas.so.12", "/usr/local/cuda/lib64/libcublas.so"};
  for (const char* n : names) {
    if (!n) continue;
    g.blas.lib = dlopen(n, RTLD_NOW | RTLD_LOCAL);
    if (g.blas.lib) break;
  }
  if (!g.blas.lib) return std::string("libcublas not found (") + (dlerror() ? dlerror() : "dlopen failed") + ")";
  auto sym = [](const char* s) { return dlsym(g.blas.lib, s); };
  g.blas.create = (decltype(g.blas.create))sym("cublasCreate_v2");
  g.blas.setStream = (decltype(g.blas.setStream))sym("cublasSetStream_v2");
  g.blas.setWorkspace = (decltype(g.blas.setWorkspace))sym("cublasSetWorkspace_v2");
  g.blas.setMathMode = (decltype(g.blas.setMathMode))sym("cublasSetMathMode");
  g.blas.gemmStridedBatchedEx = (decltype(g.blas.gemmStridedBatchedEx))sym("cublasGemmStridedBatchedEx");
  if (!g.blas.create || !g.blas.setStream || !g.blas.setMathMode || !g.blas.gemmStridedBatchedEx) return "libcublas lacks the needed symbols";
  if (g.blas.create(&g.blas.handle) != 0) return "cublasCreate failed";
  if (g.blas.setStream(g.blas.handle, g.stream) != 0) return "cublasSetStream failed";
  // setStream resets the workspace, so set ours after it: 32 MiB, what PyTorch gives cuBLAS on Hopper
  const size_t ws = size_t(32) << 20;
  if (g.blas.setWorkspace && cudaMalloc(&g.blasWorkspace, ws) == cudaSuccess) g.blas.setWorkspace(g.blas.handle, g.blasWorkspace, ws);
  g.blas.setMathMode(g.blas.handle, CUBLAS_TF32_TENSOR_OP_MATH);
  return "";
}

FN(Init_) {
  BODY({
    napi_value result;
    NAPI_OK(napi_create_object(env, &result));
    auto setStr = [&](const char* k, const std::string& v) {
      napi_value s;
      napi_create_string_utf8(env, v.c_str(), v.size(), &s);
      napi_set_named_property(env, result, k, s);
    };
    auto setNum = [&](const char* k, double v) { napi_set_named_property(env, result, k, number(env, v)); };
    if (!g.ready) {
      int count = 0;
      cudaError_t e = cudaGetDeviceCount(&count);
      if (e != cudaSuccess || count == 0) {
        g.reason = e != cudaSuccess ? std::string("no usable CUDA device (") + cudaGetErrorString(e) + ")" : "no CUDA device";
        cudaGetLastError();
      } else {
        const char* dev = getenv("INGOT_CUDA_DEVICE");
        g.device = dev ? atoi(dev) : 0;
        check(cudaSetDevice(g.device), "cudaSetDevice");
        check(cudaStreamCreateWithFlags(&g.stream, cudaStreamNonBlocking), "cudaStreamCreate");
        check(cudaEventCreate(&g.t0), "cudaEventCreate");
        check(cudaEventCreate(&g.t1), "cudaEventCreate");
        g.blas.error = loadCublas();
        g.dnnError = dnnLoad();
        g.ready = true;
        g.reason = "";
      }
    }
    napi_value ok;
    napi_get_boolean(env, g.ready, &ok);
    napi_set_named_property(env, result, "ok", ok);
    setStr("reason", g.reason);
    if (g.ready) {
      cudaDeviceProp prop;
      check(cudaGetDeviceProperties(&prop, g.device), "cudaGetDeviceProperties");
      setStr("name", prop.name);
      setNum("major", prop.major);
      setNum("minor", prop.minor);
      setNum("multiprocessors", prop.multiProcessorCount);
      setNum("totalMemory", (double)prop.totalGlobalMem);
      setStr("cublasError", g.blas.error);
      setStr("cudnnError", g.dnnError);
      setNum("cudnnVersion", (double)dnnVersion());
    }
    return result;
  });
}

FN(Alloc) {
  BODY({
    requireReady();
    const double bytes = a.num(0);
    const bool zero = a.argc > 1 && a.flag(1);
    Block* b = new Block{nullptr, 0, true};
    if (bytes > 0) {
      b->bytes = roundSize((size_t)bytes);
      try {
        b->ptr = deviceAlloc(b->bytes);
      } catch (...) {
        delete b;
        throw;
      }
      if (zero) check(cudaMemsetAsync(b->ptr, 0, (size_t)bytes, g.stream), "cudaMemsetAsync");
    }
    napi_value ext;
    NAPI_OK(napi_create_external(env, b, finalizeBlock, nullptr, &ext));
    return ext;
  });
}

FN(Free) {
  BODY({
    void* p;
    NAPI_OK(napi_get_value_external(env, a.at(0), &p));
    Block* b = static_cast<Block*>(p);
    if (b->live) {
      b->live = false;
      deviceFree(b->ptr, b->bytes);
    }
    return undef(env);
  });
}

void typedArrayBytes(const Args& a, size_t i, void** data, size_t* bytes) {
  napi_typedarray_type type;
  size_t length, offset;
  napi_value buffer;
  if (napi_get_typedarray_info(a.env, a.at(i), &type, &length, data, &buffer, &offset) != napi_ok)
    throw JsError("cuda addon: argument " + std::to_string(i) + " must be a typed array");
  size_t el = 1;
  switch (type) {
    case napi_int16_array: case napi_uint16_array: el = 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: el = 4; break;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: el = 8; break;
    default: el = 1;
  }
  *bytes = length * el;
}

// upload(handle, typedArray, byteOffset?) : host → device, asynchronous for the caller (the source is staged before return)
FN(Upload) {
  BODY({
    requireReady();
    Block* b = a.block(0);
    void* data;
    size_t bytes;
    typedArrayBytes(a, 1, &data, &bytes);
    if (bytes > b->bytes) throw JsError("cuda backend: upload of " + std::to_string(bytes) + " bytes into a smaller device block");
    if (bytes > 0) check(cudaMemcpyAsync(b->ptr, data, bytes, cudaMemcpyHostToDevice, g.stream), "upload");
    // pageable sources are staged before cudaMemcpyAsync returns, but be strict: the JS array may be collected next
    check(cudaStreamSynchronize(g.stream), "upload");
    return undef(env);
  });
}

// download(handle, typedArray): waits for queued work, then device → host
FN(Download) {
  BODY({
    requireReady();
    Block* b = a.block(0);
    void* data;
    size_t bytes;
    typedArrayBytes(a, 1, &data, &bytes);
    if (bytes > b->bytes) throw JsError("cuda backend: download of " + std::to_string(bytes) + " bytes from a smaller device block");
    if (bytes > 0) check(cudaMemcpyAsync(data, b->ptr, bytes, cudaMemcpyDeviceToHost, g.stream), "download");
    check(cudaStreamSynchronize(g.stream), "download (a queued kernel may have failed)");
    return undef(env);
  });
}

FN(Sync) {
  BODY({
    requireReady();
    check(cudaStreamSynchronize(g.stream), "synchronize");
    return undef(env);
  });
}

FN(Fill) {
  BODY({
    requireReady();
    fill(a.ptr(0), a.i32(1), a.i64(2), a.num(3), g.stream);
    return undef(env);
  });
}

FN(Cast) {
  BODY({
    requireReady();
    cast(a.ptr(0), a.i32(1), a.ptr(2), a.i32(3), a.i64(4), g.stream);
    return undef(env);
  });
}

// copyStrided(src, srcOff, srcStrides, dst, dstOff, dstStrides, shape, elemBytes)
FN(CopyStrided) {
  BODY({
    requireReady();
    auto ss = a.ints(2), ds = a.ints(5), shape = a.ints(6);
    Strided st = makeStrided(shape, ss, &ds, nullptr);
    copyStrided(a.ptr(0), a.i64(1), a.ptr(3), a.i64(4), st, a.i32(7), g.stream);
    return undef(env);
  });
}

// unary(op, x, xdt, out, odt, n, alpha, lo, hi, exponent)
FN(Unary) {
  BODY({
    requireReady();
    unary(a.i32(0), a.ptr(1), a.i32(2), a.ptr(3), a.i32(4), a.i64(5), unaryParams(a, 6), g.stream);
    return undef(env);
  });
}

// unaryGrad(op, x, y, gy, gx, n, alpha, lo, hi, exponent, xdt?, ydt?, gydt?, gxdt?): dtypes default to float32
FN(UnaryGrad) {
  BODY({
    requireReady();
    const bool typed = a.argc > 10;
    const int xdt = typed ? a.i32(10) : F32, ydt = typed ? a.i32(11) : F32, gydt = typed ? a.i32(12) : F32, gxdt = typed ? a.i32(13) : F32;
    unaryGrad(a.i32(0), a.ptr(1), xdt, a.ptr(2), ydt, a.ptr(3), gydt, a.ptr(4), gxdt, a.i64(5), unaryParams(a, 6), g.stream);
    return undef(env);
  });
}

// binary(op, a, adt, aStrides, b, bdt, bStrides, out, odt, shape)
FN(Binary) {
  BODY({
    requireReady();
    auto as = a.ints(3), bs = a.ints(6), shape = a.ints(9);
    Strided st = makeStrided(shape, as, &bs, nullptr);
    binary(a.i32(0), a.ptr(1), a.i32(2), a.ptr(4), a.i32(5), a.ptr(7), a.i32(8), st, g.stream);
    return undef(env);
  });
}

// binaryScalar(op, a, adt, s, out, odt, n, reversed)
FN(BinaryScalar) {
  BODY({
    requireReady();
    binaryScalar(a.i32(0), a.ptr(1), a.i32(2), a.num(3), a.ptr(4), a.i32(5), a.i64(6), a.flag(7), g.stream);
    return undef(env);
  });
}

// where(cond, cdt, cStrides, a, aStrides, b, bStrides, out, elemBytes, shape)
FN(Where) {
  BODY({
    requireReady();
    auto cs = a.ints(2), as = a.ints(4), bs = a.ints(6), shape = a.ints(9);
    Strided st = makeStrided(shape, cs, &as, &bs);
    where(a.ptr(0), a.i32(1), a.ptr(3), a.ptr(5), a.ptr(7), a.i32(8), st, g.stream);
    return undef(env);
  });
}

// reduce(op, x, xdt, out, odt, outer, r, inner)
FN(Reduce) {
  BODY({
    requireReady();
    Scratch scratch;
    reduce(a.i32(0), a.ptr(1), a.i32(2), a.ptr(3), a.i32(4), a.i64(5), a.i64(6), a.i64(7), scratchAlloc, &scratch, g.stream);
    return undef(env);
  });
}

// argReduce(isMax, x, xdt, out, outer, r, inner)
FN(ArgReduce) {
  BODY({
    requireReady();
    argReduce(a.flag(0), a.ptr(1), a.i32(2), (int32_t*)a.ptr(3), a.i64(4), a.i64(5), a.i64(6), g.stream);
    return undef(env);
  });
}

// sort(x, dtype, values, indices, outer, r, inner, descending)
FN(Sort) {
  BODY({
    requireReady();
    Scratch scratch;
    sort(a.ptr(0), a.i32(1), a.ptr(2), (int32_t*)a.ptr(3), a.i64(4), a.i64(5), a.i64(6), a.flag(7), scratchAlloc, &scratch, g.stream);
    return undef(env);
  });
}

// cumsum(x, xdt, out, odt, outer, r, inner, reverse)
FN(Cumsum) {
  BODY({
    requireReady();
    cumsum(a.ptr(0), a.i32(1), a.ptr(2), a.i32(3), a.i64(4), a.i64(5), a.i64(6), a.flag(7), g.stream);
    return undef(env);
  });
}

// Row-major C[m,n] = alpha·op(A)·op(B) + beta·C with explicit leading dimensions and batch strides (in
// elements), as column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: B goes first.
struct GemmArgs {
  const void* A;
  const void* B;
  void* C;
  int dt;
  int64_t batch, m, n, k;
  bool ta, tb;
  int64_t lda, ldb, ldc, sA, sB, sC;
  float alpha, beta;
};

void runGemm(const GemmArgs& p) {
  if (!g.blas.handle) throw JsError("cuda backend: matmul needs cuBLAS, which did not load (" + g.blas.error + ")");
  if (p.batch <= 0 || p.m <= 0 || p.n <= 0) return;
  if (p.m > INT32_MAX || p.n > INT32_MAX || p.k > INT32_MAX || p.batch > INT32_MAX) throw JsError("cuda backend: matmul dims beyond 2^31 are not supported");
  cudaDataType type;
  int compute;
  if (p.dt == F32) {
    type = CUDA_R_32F;
    compute = g.precision == 2 ? CUBLAS_COMPUTE_32F_FAST_16BF : g.precision == 1 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  } else if (p.dt == BF16 || p.dt == F16) {
    // half operands and output, float32 accumulation (as PyTorch); cuBLAS takes tensor cores for these
    type = p.dt == BF16 ? CUDA_R_16BF : CUDA_R_16F;
    compute = CUBLAS_COMPUTE_32F;
  } else {
    throw JsError("cuda backend: matmul supports float32, bfloat16 and float16 only, got dtype code " + std::to_string(p.dt));
  }
  cublasStatus_t st = g.blas.gemmStridedBatchedEx(g.blas.handle, p.tb ? CUBLAS_OP_T : CUBLAS_OP_N, p.ta ? CUBLAS_OP_T : CUBLAS_OP_N, (int)p.n, (int)p.m, (int)p.k,
                                                  &p.alpha, p.B, type, (int)p.ldb, p.sB, p.A, type, (int)p.lda, p.sA, &p.beta, p.C, type, (int)p.ldc, p.sC, (int)p.batch, compute,
                                                  CUBLAS_GEMM_DEFAULT);
  if (st != 0) throw JsError("cuda backend: cublasGemmStridedBatchedEx failed with status " + std::to_string(st));
}

size_t elemBytes(int dt) {
  return isHalfType(dt) ? 2 : 4;
}

// gemm(a, b, c, dtype, batch, m, n, k, transA, transB, strideA, strideB, accumulate): dense operands
FN(Gemm) {
  BODY({
    requireReady();
    GemmArgs p{a.ptr(0), a.ptr(1), a.ptr(2), a.i32(3), a.i64(4), a.i64(5), a.i64(6), a.i64(7), a.flag(8), a.flag(9), 0, 0, 0, a.i64(10), a.i64(11), 0, 1.f, a.flag(12) ? 1.f : 0.f};
    p.lda = std::max<int64_t>(1, p.ta ? p.m : p.k);  // A as stored, read column-major
    p.ldb = std::max<int64_t>(1, p.tb ? p.k : p.n);
    p.ldc = p.n;
    p.sC = p.m * p.n;
    runGemm(p);
    return undef(env);
  });
}

// gemmStrided(a, b, c, dtype, batch, m, n, k, transA, transB, lda, ldb, ldc, strideA, strideB, strideC,
// offsetA, offsetB, offsetC, alpha, beta): operands inside bigger buffers (heads of a packed qkv tensor)
FN(GemmStrided) {
  BODY({
    requireReady();
    const int dt = a.i32(3);
    const size_t eb = elemBytes(dt);
    GemmArgs p{(const char*)a.ptr(0) + a.i64(16) * eb, (const char*)a.ptr(1) + a.i64(17) * eb, (char*)a.ptr(2) + a.i64(18) * eb, dt, a.i64(4), a.i64(5), a.i64(6), a.i64(7),
               a.flag(8), a.flag(9), a.i64(10), a.i64(11), a.i64(12), a.i64(13), a.i64(14), a.i64(15), (float)a.num(19), (float)a.num(20)};
    runGemm(p);
    return undef(env);
  });
}

// setMatmulPrecision(0 | 1 | 2): see Globals::precision
FN(SetMatmulPrecision) {
  BODY({
    const int p = a.i32(0);
    if (p < 0 || p > 2) throw JsError("cuda backend: matmul precision must be 0, 1 or 2");
    g.precision = p;
    if (g.blas.handle) g.blas.setMathMode(g.blas.handle, p == 1 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH);
    return undef(env);
  });
}

// gather(x, elemBytes, idx, out, outer, rx, ri, inner)
FN(Gather) {
  BODY({
    requireReady();
    gather(a.ptr(0), a.i32(1), (const int32_t*)a.ptr(2), a.ptr(3), a.i64(4), a.i64(5), a.i64(6), a.i64(7), g.stream);
    return undef(env);
  });
}
// scatterAdd(src, dt, idx, out, outer, rOut, ri, inner)
FN(ScatterAdd) {
  BODY({
    requireReady();
    scatterAdd(a.ptr(0), a.i32(1), (const int32_t*)a.ptr(2), a.ptr(3), a.i64(4), a.i64(5), a.i64(6), a.i64(7), g.stream);
    return undef(env);
  });
}
// indexSelect(x, elemBytes, idx, out, outer, rx, nIdx, inner)
FN(IndexSelect) {
  BODY({
    requireReady();
    indexSelect(a.ptr(0), a.i32(1), (const int32_t*)a.ptr(2), a.ptr(3), a.i64(4), a.i64(5), a.i64(6), a.i64(7), g.stream);
    return undef(env);
  });
}
// indexAdd(src, dt, idx, out, outer, rOut, nIdx, inner)
FN(IndexAdd) {
  BODY({
    requireReady();
    indexAdd(a.ptr(0), a.i32(1), (const int32_t*)a.ptr(2), a.ptr(3), a.i64(4), a.i64(5), a.i64(6), a.i64(7), g.stream);
    return undef(env);
  });
}

FN(Softmax) {
  BODY({
    requireReady();
    softmax((const float*)a.ptr(0), (float*)a.ptr(1), a.i64(2), a.i64(3), a.flag(4), 1.f, 0, g.stream);
    return undef(env);
  });
}
FN(SoftmaxGrad) {
  BODY({
    requireReady();
    softmaxGrad((const float*)a.ptr(0), (const float*)a.ptr(1), (float*)a.ptr(2), a.i64(3), a.i64(4), a.flag(5), 1.f, 0, g.stream);
    return undef(env);
  });
}
// crossEntropy(x, target, loss, lse, rows, cols, ignoreIndex)
FN(CrossEntropy) {
  BODY({
    requireReady();
    crossEntropy((const float*)a.ptr(0), (const int32_t*)a.ptr(1), (float*)a.ptr(2), (float*)a.ptr(3), a.i64(4), a.i64(5), a.i32(6), g.stream);
    return undef(env);
  });
}
// crossEntropyGrad(x, target, lse, w, gx, rows, cols)
FN(CrossEntropyGrad) {
  BODY({
    requireReady();
    crossEntropyGrad((const float*)a.ptr(0), (const int32_t*)a.ptr(1), (const float*)a.ptr(2), (const float*)a.ptr(3), (float*)a.ptr(4), a.i64(5), a.i64(6), g.stream);
    return undef(env);
  });
}
// causalSoftmax(x, out, rows, cols, lq, scale)
FN(CausalSoftmax) {
  BODY({
    requireReady();
    softmax((const float*)a.ptr(0), (float*)a.ptr(1), a.i64(2), a.i64(3), false, (float)a.num(5), a.i64(4), g.stream);
    return undef(env);
  });
}
// causalSoftmaxGrad(y, gy, gx, rows, cols, lq, scale)
FN(CausalSoftmaxGrad) {
  BODY({
    requireReady();
    softmaxGrad((const float*)a.ptr(0), (const float*)a.ptr(1), (float*)a.ptr(2), a.i64(3), a.i64(4), false, (float)a.num(6), a.i64(5), g.stream);
    return undef(env);
  });
}
// layerNorm(x, w|null, b|null, out, mean, rstd, rows, cols, eps)
FN(LayerNorm) {
  BODY({
    requireReady();
    layerNorm((const float*)a.ptr(0), (const float*)a.ptrOrNull(1), (const float*)a.ptrOrNull(2), (float*)a.ptr(3), (float*)a.ptr(4), (float*)a.ptr(5),
              a.i64(6), a.i64(7), (float)a.num(8), g.stream);
    return undef(env);
  });
}
// layerNormGrad(x, w|null, mean, rstd, gy, gx, gw|null, gb|null, rows, cols)
FN(LayerNormGrad) {
  BODY({
    requireReady();
    layerNormGrad((const float*)a.ptr(0), (const float*)a.ptrOrNull(1), (const float*)a.ptr(2), (const float*)a.ptr(3), (const float*)a.ptr(4),
                  (float*)a.ptr(5), (float*)a.ptrOrNull(6), (float*)a.ptrOrNull(7), a.i64(8), a.i64(9), g.stream);
    return undef(env);
  });
}

ConvG convGeom(const Args& a, size_t i) {
  auto v = a.ints(i);
  if (v.size() != 14) throw JsError("cuda addon: conv geometry needs 14 numbers");
  ConvG c{(int)v[0], (int)v[1], (int)v[2], (int)v[3], (int)v[4], (int)v[5], (int)v[6], (int)v[7], (int)v[8], (int)v[9], (int)v[10], (int)v[11], (int)v[12], (int)v[13]};
  return c;
}
PoolG poolGeom(const Args& a, size_t i) {
  auto v = a.ints(i);
  if (v.size() != 14) throw JsError("cuda addon: pool geometry needs 14 numbers");
  PoolG p{(int)v[0], (int)v[1], (int)v[2], (int)v[3], (int)v[4], (int)v[5], (int)v[6], (int)v[7], (int)v[8], (int)v[9], (int)v[10], (int)v[11], (int)v[12], (int)v[13]};
  return p;
}

FN(Im2col) {
  BODY({
    requireReady();
    im2col((const float*)a.ptr(0), (float*)a.ptr(1), convGeom(a, 2), g.stream);
    return undef(env);
  });
}
FN(Col2im) {
  BODY({
    requireReady();
    col2im((const float*)a.ptr(0), (float*)a.ptr(1), convGeom(a, 2), g.stream);
    return undef(env);
  });
}
FN(MaxPool2d) {
  BODY({
    requireReady();
    maxPool2d((const float*)a.ptr(0), (float*)a.ptr(1), (int32_t*)a.ptr(2), poolGeom(a, 3), g.stream);
    return undef(env);
  });
}
FN(MaxPool2dGrad) {
  BODY({
    requireReady();
    maxPool2dGrad((const float*)a.ptr(0), (const int32_t*)a.ptr(1), (float*)a.ptr(2), poolGeom(a, 3), g.stream);
    return undef(env);
  });
}
FN(AvgPool2d) {
  BODY({
    requireReady();
    avgPool2d((const float*)a.ptr(0), (float*)a.ptr(1), poolGeom(a, 2), g.stream);
    return undef(env);
  });
}
FN(AvgPool2dGrad) {
  BODY({
    requireReady();
    avgPool2dGrad((const float*)a.ptr(0), (float*)a.ptr(1), poolGeom(a, 2), g.stream);
    return undef(env);
  });
}
// adaptiveAvgPool2d(x, out, planes, h, w, oh, ow)
FN(AdaptiveAvgPool2d) {
  BODY({
    requireReady();
    adaptiveAvgPool2d((const float*)a.ptr(0), (float*)a.ptr(1), a.i64(2), a.i32(3), a.i32(4), a.i32(5), a.i32(6), g.stream);
    return undef(env);
  });
}
FN(AdaptiveAvgPool2dGrad) {
  BODY({
    requireReady();
    adaptiveAvgPool2dGrad((const float*)a.ptr(0), (float*)a.ptr(1), a.i64(2), a.i32(3), a.i32(4), a.i32(5), a.i32(6), g.stream);
    return undef(env);
  });
}

// adamStep(p, g, m, v, n, lr, beta1, beta2, eps, weightDecay, decoupled, step)
FN(AdamStep) {
  BODY({
    requireReady();
    const double lr = a.num(5), b1 = a.num(6), b2 = a.num(7), step = a.num(11);
    const double bc1 = 1 - std::pow(b1, step), bc2 = 1 - std::pow(b2, step);
    adamStep((float*)a.ptr(0), (const float*)a.ptr(1), (float*)a.ptr(2), (float*)a.ptr(3), a.i64(4), (float)lr, (float)b1, (float)b2, (float)a.num(8),
             (float)a.num(9), a.flag(10), (float)(lr / bc1), (float)std::sqrt(bc2), g.stream);
    return undef(env);
  });
}

// adamStepMulti(params[], grads[], ms[], vs[], sizes[], lr, beta1, beta2, eps, weightDecay, decoupled, step)
FN(AdamStepMulti) {
  BODY({
    requireReady();
    auto p = a.ptrs(0), gr = a.ptrs(1), m = a.ptrs(2), v = a.ptrs(3);
    auto n = a.ints(4);
    if (gr.size() != p.size() || m.size() != p.size() || v.size() != p.size() || n.size() != p.size())
      throw JsError("cuda backend: adamStepMulti needs as many grads, ms, vs and sizes as params");
    const double lr = a.num(5), b1 = a.num(6), b2 = a.num(7), step = a.num(11);
    const double bc1 = 1 - std::pow(b1, step), bc2 = 1 - std::pow(b2, step);
    adamStepMulti(reinterpret_cast<float* const*>(p.data()), reinterpret_cast<const float* const*>(gr.data()), reinterpret_cast<float* const*>(m.data()),
                  reinterpret_cast<float* const*>(v.data()), n.data(), (int)p.size(), (float)lr, (float)b1, (float)b2, (float)a.num(8), (float)a.num(9), a.flag(10),
                  (float)(lr / bc1), (float)std::sqrt(bc2), g.stream);
    return undef(env);
  });
}

// The attention geometry as the TS side flattens it: dims [batch, heads, lq, lk, headDim], then the
// scale, causal, and layouts [offset, batchStride, headStride, rowStride] × (q, k, v, out).
FlashParams flashParams(const Args& a, size_t i) {
  auto d = a.ints(i), L = a.ints(i + 3);
  if (d.size() != 5 || L.size() != 16) throw JsError("cuda addon: flash attention needs 5 dims and 16 layout numbers");
  for (int64_t x : d)
    if (x < 0 || x > INT32_MAX) throw JsError("cuda backend: flash attention dims must lie in [0, 2^31)");
  FlashParams p{};
  p.batch = (int)d[0];
  p.heads = (int)d[1];
  p.lq = (int)d[2];
  p.lk = (int)d[3];
  p.headDim = (int)d[4];
  p.scale = (float)a.num(i + 1);
  p.causal = a.flag(i + 2);
  AttnLayout* ls[4] = {&p.q, &p.k, &p.v, &p.out};
  for (int j = 0; j < 4; j++) *ls[j] = AttnLayout{L[4 * j], L[4 * j + 1], L[4 * j + 2], L[4 * j + 3]};
  return p;
}

napi_value boolean(napi_env env, bool v) {
  napi_value r;
  napi_get_boolean(env, v, &r);
  return r;
}

// The flash kernels' element type: an optional trailing dtype code, float32 when absent (older callers).
int flashDtype(const Args& a, size_t i) {
  const int dt = a.argc > i && !a.isNull(i) ? a.i32(i) : F32;
  if (!isFloatType(dt)) throw JsError("cuda backend: flash attention takes float32, bfloat16 or float16 (dtype codes 0, 3, 4), got dtype code " + std::to_string(dt));
  return dt;
}

// flashAttention(q, k, v, out, lse, dims, scale, causal, layouts, dtype?) → whether it ran; q, k, v and
// out of dtype, lse float32
FN(FlashAttention) {
  BODY({
    requireReady();
    const FlashParams p = flashParams(a, 5);
    const bool ran = flashAttentionForward(a.ptr(0), a.ptr(1), a.ptr(2), a.ptr(3), (float*)a.ptr(4), flashDtype(a, 9), p, g.stream);
    return boolean(env, ran);
  });
}

// flashAttentionGrad(q, k, v, out, gOut, lse, gq, gk, gv, dims, scale, causal, layouts, dtype?) → whether it
// ran; every operand but lse of dtype
FN(FlashAttentionGrad) {
  BODY({
    requireReady();
    const FlashParams p = flashParams(a, 9);
    const int dt = flashDtype(a, 13);
    Scratch scratch;
    const bool ran = flashAttentionBackward(a.ptr(0), a.ptr(1), a.ptr(2), a.ptr(3), a.ptr(4), (const float*)a.ptr(5), a.ptr(6), a.ptr(7), a.ptr(8), dt, p, scratchAlloc,
                                            &scratch, g.stream);
    return boolean(env, ran);
  });
}

// The convolution geometry as the TS side flattens it: im2col's 14 numbers, then cout and groups.
Conv2dP conv2dParams(const Args& a, size_t i) {
  auto v = a.ints(i);
  if (v.size() != 16) throw JsError("cuda addon: conv2d geometry needs 16 numbers");
  for (int64_t x : v)
    if (x < 0 || x > INT32_MAX) throw JsError("cuda backend: conv2d geometry numbers must lie in [0, 2^31)");
  Conv2dP p;
  p.g = ConvG{(int)v[0], (int)v[1], (int)v[2], (int)v[3], (int)v[4], (int)v[5], (int)v[6], (int)v[7], (int)v[8], (int)v[9], (int)v[10], (int)v[11], (int)v[12], (int)v[13]};
  p.cout = (int)v[14];
  p.groups = (int)v[15];
  return p;
}

// conv2d(x, w, out, geometry) → whether cuDNN ran it (false: not loaded, or it does not take the shape)
FN(Conv2d) {
  BODY({
    requireReady();
    const Conv2dP p = conv2dParams(a, 3);
    Scratch scratch;
    return boolean(env, dnnConv2d((const float*)a.ptr(0), (const float*)a.ptr(1), (float*)a.ptr(2), p, g.precision, scratchAlloc, &scratch, g.stream));
  });
}

// conv2dGradInput(gy, w, gx, geometry) → whether cuDNN ran it; gx is overwritten
FN(Conv2dGradInput) {
  BODY({
    requireReady();
    const Conv2dP p = conv2dParams(a, 3);
    Scratch scratch;
    return boolean(env, dnnConv2dGradInput((const float*)a.ptr(0), (const float*)a.ptr(1), (float*)a.ptr(2), p, g.precision, scratchAlloc, &scratch, g.stream));
  });
}

// conv2dGradWeight(x, gy, gw, geometry) → whether cuDNN ran it; gw is overwritten
FN(Conv2dGradWeight) {
  BODY({
    requireReady();
    const Conv2dP p = conv2dParams(a, 3);
    Scratch scratch;
    return boolean(env, dnnConv2dGradWeight((const float*)a.ptr(0), (const float*)a.ptr(1), (float*)a.ptr(2), p, g.precision, scratchAlloc, &scratch, g.stream));
  });
}

// timerStart() / timerStop() → milliseconds between them on the stream (device events)
FN(TimerStart) {
  BODY({
    requireReady();
    check(cudaEventRecord(g.t0, g.stream), "cudaEventRecord");
    return undef(env);
  });
}
FN(TimerStop) {
  BODY({
    requireReady();
    check(cudaEventRecord(g.t1, g.stream), "cudaEventRecord");
    check(cudaEventSynchronize(g.t1), "cudaEventSynchronize");
    float ms = 0;
    check(cudaEventElapsedTime(&ms, g.t0, g.t1), "cudaEventElapsedTime");
    return number(env, ms);
  });
}

FN(MemoryStats) {
  BODY({
    napi_value o;
    NAPI_OK(napi_create_object(env, &o));
    napi_set_named_property(env, o, "liveBytes", number(env, (double)g.liveBytes));
    napi_set_named_property(env, o, "cachedBytes", number(env, (double)g.cachedBytes));
    napi_set_named_property(env, o, "peakBytes", number(env, (double)g.peakBytes));
    napi_set_named_property(env, o, "deviceMallocs", number(env, (double)g.mallocs));
    return o;
  });
}

FN(EmptyCache) {
  BODY({
    if (g.ready) releaseCache();
    return undef(env);
  });
}

napi_value Init(napi_env env, napi_value exports) {
  struct Entry {
    const char* name;
    napi_callback cb;
  };
  const Entry entries[] = {
    {"init", Init_},
    {"alloc", Alloc}, {"free", Free}, {"upload", Upload}, {"download", Download}, {"sync", Sync},
    {"fill", Fill}, {"cast", Cast}, {"copyStrided", CopyStrided},
    {"unary", Unary}, {"unaryGrad", UnaryGrad}, {"binary", Binary}, {"binaryScalar", BinaryScalar}, {"where", Where},
    {"reduce", Reduce}, {"argReduce", ArgReduce}, {"cumsum", Cumsum}, {"sort", Sort},
    {"gemm", Gemm}, {"gemmStrided", GemmStrided}, {"setMatmulPrecision", SetMatmulPrecision},
    {"gather", Gather}, {"scatterAdd", ScatterAdd}, {"indexSelect", IndexSelect}, {"indexAdd", IndexAdd},
    {"softmax", Softmax}, {"softmaxGrad", SoftmaxGrad}, {"causalSoftmax", CausalSoftmax}, {"crossEntropy", CrossEntropy}, {"crossEntropyGrad", CrossEntropyGrad}, {"causalSoftmaxGrad", CausalSoftmaxGrad}, {"layerNorm", LayerNorm}, {"layerNormGrad", LayerNormGrad},
    {"im2col", Im2col}, {"col2im", Col2im}, {"maxPool2d", MaxPool2d}, {"maxPool2dGrad", MaxPool2dGrad},
    {"avgPool2d", AvgPool2d}, {"avgPool2dGrad", AvgPool2dGrad}, {"adaptiveAvgPool2d", AdaptiveAvgPool2d},
    {"adaptiveAvgPool2dGrad", AdaptiveAvgPool2dGrad}, {"adamStep", AdamStep},
    {"adamStepMulti", AdamStepMulti}, {"flashAttention", FlashAttention}, {"flashAttentionGrad", FlashAttentionGrad},
    {"conv2d", Conv2d}, {"conv2dGradInput", Conv2dGradInput}, {"conv2dGradWeight", Conv2dGradWeight},
    {"timerStart", TimerStart}, {"timerStop", TimerStop}, {"memoryStats", MemoryStats}, {"emptyCache", EmptyCache},
  };
  for (const Entry& e : entries) {
    napi_value fn;
    napi_create_function(env, e.name, NAPI_AUTO_LENGTH, e.cb, nullptr, &fn);
    napi_set_named_property(env, exports, e.name, fn);
  }
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
