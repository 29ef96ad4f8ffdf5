// cuDNN convolutions (the legacy cudnnConvolution* API) for the addon. The library is opened with
// dlopen and its few types are declared here, so that the addon builds without cuDNN's headers and
// loads without the library: every entry then returns false and the op layer keeps im2col + GEMM.
//
// Types, enum values and prototypes follow cuDNN 9.6's public headers (cudnn_graph.h, cudnn_ops.h,
// cudnn_cnn.h, as shipped in include/ of a CUDA 12.6 + cuDNN 9.6 install); the cited header names the
// file each value comes from. The legacy convolution functions still exist in cuDNN 9 (libcudnn_cnn),
// reached through libcudnn.so.9, which dispatches to its sub-libraries.
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <unordered_map>

#include "kernels.h"

namespace ingot {
namespace {

// ---- cudnn_graph.h ----
typedef void* cudnnHandle_t;                     // struct cudnnContext*
typedef int cudnnStatus_t;                       // CUDNN_STATUS_SUCCESS = 0; categories by thousands
constexpr cudnnStatus_t CUDNN_STATUS_SUCCESS = 0;
constexpr int CUDNN_STATUS_NOT_SUPPORTED = 3000;  // 3000..3999: CUDNN_STATUS_NOT_SUPPORTED_*
constexpr int CUDNN_DATA_FLOAT = 0;              // cudnnDataType_t
constexpr int CUDNN_DEFAULT_MATH = 0;            // cudnnMathType_t: fp32 data may use TF32 tensor cores on sm_80+
constexpr int CUDNN_TENSOR_OP_MATH = 1;
constexpr int CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION = 2;  // fp32 data may be rounded to fp16: never taken here
constexpr int CUDNN_FMA_MATH = 3;                // fp32 FMA only, no tensor cores
constexpr int CUDNN_TENSOR_NCHW = 0;             // cudnnTensorFormat_t
constexpr int CUDNN_CROSS_CORRELATION = 1;       // cudnnConvolutionMode_t (0 is CUDNN_CONVOLUTION, the flipped kernel)
// ---- cudnn_ops.h ----
typedef void* cudnnTensorDescriptor_t;            // struct cudnnTensorStruct*
typedef void* cudnnFilterDescriptor_t;            // struct cudnnFilterStruct*
// ---- cudnn_cnn.h ----
typedef void* cudnnConvolutionDescriptor_t;       // struct cudnnConvolutionStruct*
// cudnnConvolution{Fwd,BwdData,BwdFilter}AlgoPerf_t share this layout: {algo, status, time, memory,
// determinism, mathType, reserved[3]}, every enum an int.
struct AlgoPerf {
  int algo;
  cudnnStatus_t status;
  float time;
  size_t memory;
  int determinism;
  int mathType;
  int reserved[3];
};
constexpr int kMaxAlgos = 16;  // more than any direction has (8 forward, 6 data, 7 filter algorithms)

typedef cudnnTensorDescriptor_t TD;
typedef cudnnFilterDescriptor_t FD;
typedef cudnnConvolutionDescriptor_t CD;
typedef cudnnHandle_t H;

struct Dnn {
  void* lib = nullptr;
  std::string error = "not loaded";
  size_t version = 0;
  size_t (*getVersion)() = nullptr;
  const char* (*getErrorString)(cudnnStatus_t) = nullptr;
  cudnnStatus_t (*create)(H*) = nullptr;
  cudnnStatus_t (*setStream)(H, cudaStream_t) = nullptr;
  cudnnStatus_t (*createTensorDescriptor)(TD*) = nullptr;
  cudnnStatus_t (*setTensor4dDescriptor)(TD, int format, int dataType, int n, int c, int h, int w) = nullptr;
  cudnnStatus_t (*destroyTensorDescriptor)(TD) = nullptr;
  cudnnStatus_t (*createFilterDescriptor)(FD*) = nullptr;
  // note the order: data type before format (unlike the tensor descriptor)
  cudnnStatus_t (*setFilter4dDescriptor)(FD, int dataType, int format, int k, int c, int h, int w) = nullptr;
  cudnnStatus_t (*destroyFilterDescriptor)(FD) = nullptr;
  cudnnStatus_t (*createConvolutionDescriptor)(CD*) = nullptr;
  cudnnStatus_t (*setConvolution2dDescriptor)(CD, int padH, int padW, int u, int v, int dilationH, int dilationW, int mode, int computeType) = nullptr;
  cudnnStatus_t (*setConvolutionGroupCount)(CD, int) = nullptr;
  cudnnStatus_t (*setConvolutionMathType)(CD, int) = nullptr;
  cudnnStatus_t (*destroyConvolutionDescriptor)(CD) = nullptr;
  cudnnStatus_t (*getForwardAlgorithm)(H, TD x, FD w, CD, TD y, int requested, int* returned, AlgoPerf*) = nullptr;
  cudnnStatus_t (*getForwardWorkspaceSize)(H, TD x, FD w, CD, TD y, int algo, size_t*) = nullptr;
  cudnnStatus_t (*forward)(H, const void* alpha, TD, const void* x, FD, const void* w, CD, int algo, void* ws, size_t wsBytes, const void* beta, TD, void* y) = nullptr;
  cudnnStatus_t (*getBackwardDataAlgorithm)(H, FD w, TD dy, CD, TD dx, int requested, int* returned, AlgoPerf*) = nullptr;
  cudnnStatus_t (*getBackwardDataWorkspaceSize)(H, FD w, TD dy, CD, TD dx, int algo, size_t*) = nullptr;
  cudnnStatus_t (*backwardData)(H, const void* alpha, FD, const void* w, TD, const void* dy, CD, int algo, void* ws, size_t wsBytes, const void* beta, TD, void* dx) = nullptr;
  cudnnStatus_t (*getBackwardFilterAlgorithm)(H, TD x, TD dy, CD, FD dw, int requested, int* returned, AlgoPerf*) = nullptr;
  cudnnStatus_t (*getBackwardFilterWorkspaceSize)(H, TD x, TD dy, CD, FD dw, int algo, size_t*) = nullptr;
  cudnnStatus_t (*backwardFilter)(H, const void* alpha, TD, const void* x, TD, const void* dy, CD, int algo, void* ws, size_t wsBytes, const void* beta, FD, void* dw) = nullptr;
  H handle = nullptr;
  cudaStream_t stream = nullptr;
};
Dnn d;

// The workspace one call may take from the caching allocator; algorithms that want more are passed over.
constexpr size_t kMaxWorkspace = size_t(1) << 30;

std::string statusText(cudnnStatus_t st) {
  const char* s = d.getErrorString ? d.getErrorString(st) : nullptr;
  return std::string(s ? s : "unknown status") + " (" + std::to_string(st) + ")";
}

bool notSupported(cudnnStatus_t st) {
  return st / 1000 * 1000 == CUDNN_STATUS_NOT_SUPPORTED;
}

// One direction's algorithm, chosen once per shape.
struct Choice {
  bool tried = false;
  bool ok = false;
  int algo = 0;
  int mathType = CUDNN_DEFAULT_MATH;
  size_t workspace = 0;
};

// Descriptors of one geometry (shared by the three directions) and each direction's choice.
struct Plan {
  bool ok = false;
  TD x = nullptr, y = nullptr;
  FD w = nullptr;
  CD conv = nullptr;
  Choice fwd, data, filter;
};

std::unordered_map<std::string, Plan> plans;
constexpr size_t kMaxPlans = 4096;  // shapes seen; past this the cache is dropped and refilled

void destroyPlan(Plan& p) {
  if (p.x) d.destroyTensorDescriptor(p.x);
  if (p.y) d.destroyTensorDescriptor(p.y);
  if (p.w) d.destroyFilterDescriptor(p.w);
  if (p.conv) d.destroyConvolutionDescriptor(p.conv);
  p = Plan{};
}

// Says once per process why cuDNN was passed over, so that a silent fallback to im2col shows up.
void noteFallback(const std::string& why) {
  static bool said = false;
  if (said) return;
  said = true;
  fprintf(stderr, "ingot: cuDNN convolution unavailable, using im2col + GEMM: %s\n", why.c_str());
}

bool fitsInt(int64_t v) {
  return v >= 0 && v <= INT32_MAX;
}

// The math type the descriptor carries into the algorithm query: TF32 tensor cores are what the
// matmul precision allows (like PyTorch's allow_tf32 for convolutions: CUDNN_DEFAULT_MATH, which on
// sm_80+ permits TF32), FMA only for "highest". bf16 ("medium") has no fp32-data cuDNN mode: TF32.
int baseMathType(int precision) {
  return precision == 0 ? CUDNN_FMA_MATH : CUDNN_DEFAULT_MATH;
}

// Whether a returned algorithm keeps to the precision: "highest" must not touch tensor cores, and no
// mode may round fp32 data to fp16.
bool mathAllowed(int mathType, int precision) {
  if (mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION) return false;
  if (precision == 0) return mathType == CUDNN_FMA_MATH;
  return mathType == CUDNN_DEFAULT_MATH || mathType == CUDNN_TENSOR_OP_MATH || mathType == CUDNN_FMA_MATH;
}

bool ensureHandle(cudaStream_t s) {
  if (!d.lib) return false;
  if (!d.handle) {
    cudnnStatus_t st = d.create(&d.handle);
    if (st != CUDNN_STATUS_SUCCESS) {
      d.handle = nullptr;
      d.lib = nullptr;  // no retry on every call
      d.error = "cudnnCreate failed: " + statusText(st);
      noteFallback(d.error);
      return false;
    }
    d.stream = nullptr;
  }
  if (d.stream != s) {
    cudnnStatus_t st = d.setStream(d.handle, s);
    if (st != CUDNN_STATUS_SUCCESS) throw std::runtime_error("cuda backend: cudnnSetStream failed: " + statusText(st));
    d.stream = s;
  }
  return true;
}

std::string planKey(const Conv2dP& p, int precision) {
  const ConvG& g = p.g;
  const int v[] = {g.n, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.oh, g.ow, p.cout, p.groups, precision};
  return std::string(reinterpret_cast<const char*>(v), sizeof(v));
}

// The plan of this geometry, built on first use; nullptr when cuDNN does not take it.
Plan* planFor(const Conv2dP& p, int precision) {
  const ConvG& g = p.g;
  if (p.groups < 1 || g.c % p.groups != 0 || p.cout % p.groups != 0) return nullptr;
  // 4-d descriptors hold int sizes, and cuDNN indexes a tensor with 32-bit element counts
  if (!fitsInt(int64_t(g.n) * g.c * g.h * g.w) || !fitsInt(int64_t(g.n) * p.cout * g.oh * g.ow) || !fitsInt(int64_t(p.cout) * (g.c / p.groups) * g.kh * g.kw)) return nullptr;
  const std::string key = planKey(p, precision);
  auto it = plans.find(key);
  if (it != plans.end()) return it->second.ok ? &it->second : nullptr;
  if (plans.size() >= kMaxPlans) {
    for (auto& kv : plans) destroyPlan(kv.second);
    plans.clear();
  }
  Plan& plan = plans[key];
  cudnnStatus_t st = CUDNN_STATUS_SUCCESS;
  auto step = [&](cudnnStatus_t s) {
    if (st == CUDNN_STATUS_SUCCESS) st = s;
  };
  step(d.createTensorDescriptor(&plan.x));
  step(d.createTensorDescriptor(&plan.y));
  step(d.createFilterDescriptor(&plan.w));
  step(d.createConvolutionDescriptor(&plan.conv));
  if (st == CUDNN_STATUS_SUCCESS) {
    step(d.setTensor4dDescriptor(plan.x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, g.n, g.c, g.h, g.w));
    step(d.setTensor4dDescriptor(plan.y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, g.n, p.cout, g.oh, g.ow));
    step(d.setFilter4dDescriptor(plan.w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, p.cout, g.c / p.groups, g.kh, g.kw));
    step(d.setConvolution2dDescriptor(plan.conv, g.ph, g.pw, g.sh, g.sw, g.dh, g.dw, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    step(d.setConvolutionGroupCount(plan.conv, p.groups));
  }
  if (st != CUDNN_STATUS_SUCCESS) {
    if (!notSupported(st)) noteFallback("descriptor setup failed: " + statusText(st));
    destroyPlan(plan);  // kept, with ok = false: this geometry is not asked again
    return nullptr;
  }
  plan.ok = true;
  return &plan;
}

// The first algorithm (cuDNN's heuristics rank them fastest first, as PyTorch does without
// benchmark mode) that succeeds, keeps to the precision and fits kMaxWorkspace.
template <typename Query, typename Size>
void choose(Choice& c, CD conv, int precision, Query query, Size wsSize) {
  c.tried = true;
  AlgoPerf perf[kMaxAlgos];
  int returned = 0;
  // the descriptor's math type tells the query which math modes it may consider
  cudnnStatus_t st = d.setConvolutionMathType(conv, baseMathType(precision));
  if (st == CUDNN_STATUS_SUCCESS) st = query(kMaxAlgos, &returned, perf);
  if (st != CUDNN_STATUS_SUCCESS) {
    if (!notSupported(st)) noteFallback("algorithm query failed: " + statusText(st));
    return;
  }
  for (int i = 0; i < returned && i < kMaxAlgos; i++) {
    const AlgoPerf& a = perf[i];
    if (a.status != CUDNN_STATUS_SUCCESS || a.memory > kMaxWorkspace || !mathAllowed(a.mathType, precision)) continue;
    // run with the algorithm's own math type: with another, cuDNN may pick a slower kernel
    if (d.setConvolutionMathType(conv, a.mathType) != CUDNN_STATUS_SUCCESS) continue;
    size_t ws = 0;
    if (wsSize(a.algo, &ws) != CUDNN_STATUS_SUCCESS || ws > kMaxWorkspace) continue;
    c.ok = true;
    c.algo = a.algo;
    c.mathType = a.mathType;
    c.workspace = ws;
    return;
  }
}

void* workspace(const Choice& c, ScratchFn scratch, void* ctx) {
  return c.workspace > 0 ? scratch(c.workspace, ctx) : nullptr;
}

void run(cudnnStatus_t st, const char* what) {
  if (st != CUDNN_STATUS_SUCCESS) throw std::runtime_error(std::string("cuda backend: ") + what + " failed: " + statusText(st));
}

}  // namespace

std::string dnnLoad() {
  const char* env = getenv("INGOT_CUDNN");
  const char* names[] = {env, "libcudnn.so.9", "libcudnn.so", "/usr/local/cuda/lib64/libcudnn.so.9", "/usr/lib/x86_64-linux-gnu/libcudnn.so.9"};
  void* lib = nullptr;
  for (const char* n : names) {
    if (!n || !*n) continue;
    lib = dlopen(n, RTLD_NOW | RTLD_LOCAL);
    if (lib) break;
  }
  if (!lib) {
    const char* e = dlerror();
    return d.error = std::string("libcudnn not found (") + (e ? e : "dlopen failed") + "; set INGOT_CUDNN to its path)";
  }
  bool missing = false;
  std::string first;
  auto sym = [&](auto& fn, const char* name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(lib, name));
    if (!fn && !missing) {
      missing = true;
      first = name;
    }
  };
  sym(d.getVersion, "cudnnGetVersion");
  sym(d.getErrorString, "cudnnGetErrorString");
  sym(d.create, "cudnnCreate");
  sym(d.setStream, "cudnnSetStream");
  sym(d.createTensorDescriptor, "cudnnCreateTensorDescriptor");
  sym(d.setTensor4dDescriptor, "cudnnSetTensor4dDescriptor");
  sym(d.destroyTensorDescriptor, "cudnnDestroyTensorDescriptor");
  sym(d.createFilterDescriptor, "cudnnCreateFilterDescriptor");
  sym(d.setFilter4dDescriptor, "cudnnSetFilter4dDescriptor");
  sym(d.destroyFilterDescriptor, "cudnnDestroyFilterDescriptor");
  sym(d.createConvolutionDescriptor, "cudnnCreateConvolutionDescriptor");
  sym(d.setConvolution2dDescriptor, "cudnnSetConvolution2dDescriptor");
  sym(d.setConvolutionGroupCount, "cudnnSetConvolutionGroupCount");
  sym(d.setConvolutionMathType, "cudnnSetConvolutionMathType");
  sym(d.destroyConvolutionDescriptor, "cudnnDestroyConvolutionDescriptor");
  sym(d.getForwardAlgorithm, "cudnnGetConvolutionForwardAlgorithm_v7");
  sym(d.getForwardWorkspaceSize, "cudnnGetConvolutionForwardWorkspaceSize");
  sym(d.forward, "cudnnConvolutionForward");
  sym(d.getBackwardDataAlgorithm, "cudnnGetConvolutionBackwardDataAlgorithm_v7");
  sym(d.getBackwardDataWorkspaceSize, "cudnnGetConvolutionBackwardDataWorkspaceSize");
  sym(d.backwardData, "cudnnConvolutionBackwardData");
  sym(d.getBackwardFilterAlgorithm, "cudnnGetConvolutionBackwardFilterAlgorithm_v7");
  sym(d.getBackwardFilterWorkspaceSize, "cudnnGetConvolutionBackwardFilterWorkspaceSize");
  sym(d.backwardFilter, "cudnnConvolutionBackwardFilter");
  if (missing) {
    dlclose(lib);
    return d.error = "libcudnn lacks " + first;
  }
  // cuDNN 9 numbers versions MAJOR·10000 + MINOR·100 + PATCH (cuDNN 8: MAJOR·1000 + ...); the
  // prototypes above are cuDNN 8's too, so both are taken
  d.version = d.getVersion();
  if (d.version < 8000) {
    dlclose(lib);
    return d.error = "libcudnn " + std::to_string(d.version) + " is older than 8";
  }
  d.lib = lib;
  d.error = "";
  return d.error;
}

size_t dnnVersion() {
  return d.lib ? d.version : 0;
}

bool dnnConv2d(const float* x, const float* w, float* y, const Conv2dP& p, int precision, ScratchFn scratch, void* ctx, cudaStream_t s) {
  if (!ensureHandle(s)) return false;
  Plan* plan = planFor(p, precision);
  if (!plan) return false;
  Choice& c = plan->fwd;
  if (!c.tried) {
    choose(c, plan->conv, precision, [&](int req, int* ret, AlgoPerf* perf) { return d.getForwardAlgorithm(d.handle, plan->x, plan->w, plan->conv, plan->y, req, ret, perf); },
           [&](int algo, size_t* ws) { return d.getForwardWorkspaceSize(d.handle, plan->x, plan->w, plan->conv, plan->y, algo, ws); });
  }
  if (!c.ok) return false;
  const float one = 1.f, zero = 0.f;
  run(d.setConvolutionMathType(plan->conv, c.mathType), "cudnnSetConvolutionMathType");
  run(d.forward(d.handle, &one, plan->x, x, plan->w, w, plan->conv, c.algo, workspace(c, scratch, ctx), c.workspace, &zero, plan->y, y), "cudnnConvolutionForward");
  return true;
}

bool dnnConv2dGradInput(const float* gy, const float* w, float* gx, const Conv2dP& p, int precision, ScratchFn scratch, void* ctx, cudaStream_t s) {
  if (!ensureHandle(s)) return false;
  Plan* plan = planFor(p, precision);
  if (!plan) return false;
  Choice& c = plan->data;
  if (!c.tried) {
    choose(c, plan->conv, precision, [&](int req, int* ret, AlgoPerf* perf) { return d.getBackwardDataAlgorithm(d.handle, plan->w, plan->y, plan->conv, plan->x, req, ret, perf); },
           [&](int algo, size_t* ws) { return d.getBackwardDataWorkspaceSize(d.handle, plan->w, plan->y, plan->conv, plan->x, algo, ws); });
  }
  if (!c.ok) return false;
  const float one = 1.f, zero = 0.f;  // beta 0: gx is overwritten, input elements no window reads get 0
  run(d.setConvolutionMathType(plan->conv, c.mathType), "cudnnSetConvolutionMathType");
  run(d.backwardData(d.handle, &one, plan->w, w, plan->y, gy, plan->conv, c.algo, workspace(c, scratch, ctx), c.workspace, &zero, plan->x, gx), "cudnnConvolutionBackwardData");
  return true;
}

bool dnnConv2dGradWeight(const float* x, const float* gy, float* gw, const Conv2dP& p, int precision, ScratchFn scratch, void* ctx, cudaStream_t s) {
  if (!ensureHandle(s)) return false;
  Plan* plan = planFor(p, precision);
  if (!plan) return false;
  Choice& c = plan->filter;
  if (!c.tried) {
    choose(c, plan->conv, precision, [&](int req, int* ret, AlgoPerf* perf) { return d.getBackwardFilterAlgorithm(d.handle, plan->x, plan->y, plan->conv, plan->w, req, ret, perf); },
           [&](int algo, size_t* ws) { return d.getBackwardFilterWorkspaceSize(d.handle, plan->x, plan->y, plan->conv, plan->w, algo, ws); });
  }
  if (!c.ok) return false;
  const float one = 1.f, zero = 0.f;
  run(d.setConvolutionMathType(plan->conv, c.mathType), "cudnnSetConvolutionMathType");
  run(d.backwardFilter(d.handle, &one, plan->x, x, plan->y, gy, plan->conv, c.algo, workspace(c, scratch, ctx), c.workspace, &zero, plan->w, gw), "cudnnConvolutionBackwardFilter");
  return true;
}

}  // namespace ingot
