// Ingot CUDA kernels: host-side launchers. Every launcher enqueues on `stream` and returns at once;
// launch errors are thrown as std::runtime_error (the N-API layer turns them into JS errors).
#pragma once
#include <cstdint>
#include <string>
#include <cuda_runtime.h>

namespace ingot {

// Element types, as the TypeScript side numbers them (DTYPE_CODE in src/tensor/dtype.ts). BF16 is
// __nv_bfloat16 and F16 is __half: 2-byte storage, loaded as float and stored rounded to nearest even.
enum DType : int { F32 = 0, I32 = 1, BOOL = 2, BF16 = 3, F16 = 4 };

inline bool isHalfType(int dt) { return dt == BF16 || dt == F16; }
// the types that float arithmetic reads and writes without going through double
inline bool isFloatType(int dt) { return dt == F32 || isHalfType(dt); }

constexpr int kMaxDims = 8;

struct Strided {
  int rank;
  int64_t shape[kMaxDims];
  int64_t s0[kMaxDims];  // strides of operand 0
  int64_t s1[kMaxDims];  // strides of operand 1
  int64_t s2[kMaxDims];  // strides of operand 2
};

struct UnaryP {
  float alpha, lo, hi, exponent;
};

struct ConvG {
  int n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;
};

struct PoolG {
  int planes, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, countIncludePad;
};

#ifdef __CUDACC__
// One Adam/AdamW element update, shared by the single- and multi-tensor kernels so that they agree to
// the bit (and with the js reference's order of operations).
__device__ __forceinline__ void adamElement(float* __restrict__ p, const float* __restrict__ g, float* __restrict__ m, float* __restrict__ v, int64_t i, float lr,
                                            float b1, float b2, float eps, float wd, bool decoupled, float stepSize, float sqrtBc2) {
  float gi = g[i];
  float pi = p[i];
  if (wd != 0.f) {
    if (decoupled) pi *= 1.f - lr * wd;
    else gi += wd * pi;
  }
  const float mi = b1 * m[i] + (1.f - b1) * gi;
  const float vi = b2 * v[i] + (1.f - b2) * gi * gi;
  m[i] = mi;
  v[i] = vi;
  p[i] = pi - (stepSize * mi) / (sqrtf(vi) / sqrtBc2 + eps);
}
#endif

void check(cudaError_t e, const char* what);
void checkLaunch(const char* what);

void fill(void* p, int dt, int64_t n, double v, cudaStream_t s);
void cast(const void* src, int sdt, void* dst, int ddt, int64_t n, cudaStream_t s);
void copyStrided(const void* src, int64_t srcOff, void* dst, int64_t dstOff, const Strided& g, int elemBytes, cudaStream_t s);

void unary(int op, const void* x, int xdt, void* out, int odt, int64_t n, const UnaryP& p, cudaStream_t s);
// x, y, gy and gx may each be float32, bfloat16 or float16 (computed in float)
void unaryGrad(int op, const void* x, int xdt, const void* y, int ydt, const void* gy, int gydt, void* gx, int gxdt, int64_t n, const UnaryP& p, cudaStream_t s);
void binary(int op, const void* a, int adt, const void* b, int bdt, void* out, int odt, const Strided& g, cudaStream_t s);
void binaryScalar(int op, const void* a, int adt, double sc, void* out, int odt, int64_t n, bool reversed, cudaStream_t s);
void where(const void* c, int cdt, const void* a, const void* b, void* out, int elemBytes, const Strided& g, cudaStream_t s);

// `scratch(bytes)` hands out temporary device memory that stays valid until the stream passes this call.
using ScratchFn = void* (*)(size_t bytes, void* ctx);
// stable sort along r of [outer, r, inner] (float32 or int32), with int32 source indices
void sort(const void* x, int dt, void* values, int32_t* indices, int64_t outer, int64_t r, int64_t inner, bool descending, ScratchFn scratch, void* ctx, cudaStream_t s);
void reduce(int op, const void* x, int xdt, void* out, int odt, int64_t outer, int64_t r, int64_t inner, ScratchFn scratch, void* ctx, cudaStream_t s);
void argReduce(bool isMax, const void* x, int xdt, int32_t* out, int64_t outer, int64_t r, int64_t inner, cudaStream_t s);
void cumsum(const void* x, int xdt, void* out, int odt, int64_t outer, int64_t r, int64_t inner, bool reverse, cudaStream_t s);

void gather(const void* x, int elemBytes, const int32_t* idx, void* out, int64_t outer, int64_t rx, int64_t ri, int64_t inner, cudaStream_t s);
void scatterAdd(const void* src, int dt, const int32_t* idx, void* out, int64_t outer, int64_t rOut, int64_t ri, int64_t inner, cudaStream_t s);
void indexSelect(const void* x, int elemBytes, const int32_t* idx, void* out, int64_t outer, int64_t rx, int64_t nIdx, int64_t inner, cudaStream_t s);
void indexAdd(const void* src, int dt, const int32_t* idx, void* out, int64_t outer, int64_t rOut, int64_t nIdx, int64_t inner, cudaStream_t s);

// scale multiplies x first; causalLq > 0 masks column j of row r unless j <= r mod causalLq (attention)
void softmax(const float* x, float* out, int64_t rows, int64_t cols, bool log, float scale, int64_t causalLq, cudaStream_t s);
// per-row cross-entropy of logits [rows, cols] at int32 targets: loss and logsumexp per row (0 loss at ignoreIndex)
void crossEntropy(const float* x, const int32_t* t, float* loss, float* lse, int64_t rows, int64_t cols, int32_t ignoreIndex, cudaStream_t s);
// gx = w[r]·(softmax(x[r]) − onehot(t[r])), from the saved lse
void crossEntropyGrad(const float* x, const int32_t* t, const float* lse, const float* w, float* gx, int64_t rows, int64_t cols, cudaStream_t s);
void softmaxGrad(const float* y, const float* gy, float* gx, int64_t rows, int64_t cols, bool log, float scale, int64_t causalLq, cudaStream_t s);
void layerNorm(const float* x, const float* w, const float* b, float* out, float* mean, float* rstd, int64_t rows, int64_t cols, float eps, cudaStream_t s);
void layerNormGrad(const float* x, const float* w, const float* mean, const float* rstd, const float* gy, float* gx, float* gw, float* gb, int64_t rows, int64_t cols, cudaStream_t s);

void im2col(const float* x, float* cols, const ConvG& g, cudaStream_t s);
void col2im(const float* cols, float* x, const ConvG& g, cudaStream_t s);
void maxPool2d(const float* x, float* out, int32_t* argmax, const PoolG& g, cudaStream_t s);
void maxPool2dGrad(const float* gy, const int32_t* argmax, float* gx, const PoolG& g, cudaStream_t s);
void avgPool2d(const float* x, float* out, const PoolG& g, cudaStream_t s);
void avgPool2dGrad(const float* gy, float* gx, const PoolG& g, cudaStream_t s);
void adaptiveAvgPool2d(const float* x, float* out, int64_t planes, int h, int w, int oh, int ow, cudaStream_t s);
void adaptiveAvgPool2dGrad(const float* gy, float* gx, int64_t planes, int h, int w, int oh, int ow, cudaStream_t s);

void adamStep(float* p, const float* g, float* m, float* v, int64_t n, float lr, float b1, float b2, float eps, float wd, bool decoupled, float stepSize, float sqrtBc2, cudaStream_t s);
// One update of every (p, g, m, v) group, n[i] elements each, in as few launches as the kernel-argument
// limit allows (attention.cu); the same arithmetic as adamStep.
void adamStepMulti(float* const* p, const float* const* g, float* const* m, float* const* v, const int64_t* n, int count, float lr, float b1, float b2, float eps, float wd,
                   bool decoupled, float stepSize, float sqrtBc2, cudaStream_t s);

// ---- FlashAttention-2 (attention.cu): float32 on TF32 tensor cores, or bfloat16/float16 on half tensor
// cores with float32 accumulation ----
// Row t of head h in batch b of an operand starts at offset + b·batchStride + h·headStride + t·rowStride
// (elements); a row's headDim elements are contiguous.
struct AttnLayout {
  int64_t offset, batchStride, headStride, rowStride;
};
// `out` is also gOut's layout; gq, gk and gv use q's, k's and v's.
struct FlashParams {
  int batch, heads, lq, lk, headDim;
  float scale;
  bool causal;  // query i keeps keys j <= i (top-left aligned)
  AttnLayout q, k, v, out;
};
// out = softmax(scale·q·kᵀ)·v and lse[(b·heads + h)·lq + i] (natural log, always float32). q, k, v and out
// are all of `dtype` (F32, BF16 or F16). False (nothing queued) for shapes it does not take: headDim
// above 128, no keys, batch·heads above 65535, or another dtype.
bool flashAttentionForward(const void* q, const void* k, const void* v, void* out, float* lse, int dtype, const FlashParams& p, cudaStream_t s);
// Overwrites gq, gk, gv (which may share one buffer) from out, gOut and lse; every operand but lse of
// `dtype`; false as above.
bool flashAttentionBackward(const void* q, const void* k, const void* v, const void* out, const void* gOut, const float* lse, void* gq, void* gk, void* gv, int dtype,
                            const FlashParams& p, ScratchFn scratch, void* ctx, cudaStream_t s);

// ---- cuDNN convolutions (cudnn.cu): libcudnn opened with dlopen, float32 NCHW ----
// x [n, c, h, w] ⋆ w [cout, c/groups, kh, kw] → y [n, cout, oh, ow], geometry as im2col's.
struct Conv2dP {
  ConvG g;
  int cout, groups;
};
// Opens libcudnn (INGOT_CUDNN, libcudnn.so.9, libcudnn.so) and resolves its symbols: "" on success, else
// why convolutions will not use it. Without it every dnn* entry below returns false.
std::string dnnLoad();
// The loaded library's cudnnGetVersion() (e.g. 90100 for 9.1.0), 0 when none.
size_t dnnVersion();
// precision as the matmul precision (0 FMA only, 1 and 2 TF32 tensor cores allowed). Each returns false,
// queuing nothing, when cuDNN is missing or does not take the geometry; outputs are overwritten.
bool dnnConv2d(const float* x, const float* w, float* y, const Conv2dP& p, int precision, ScratchFn scratch, void* ctx, cudaStream_t s);
bool dnnConv2dGradInput(const float* gy, const float* w, float* gx, const Conv2dP& p, int precision, ScratchFn scratch, void* ctx, cudaStream_t s);
bool dnnConv2dGradWeight(const float* x, const float* gy, float* gw, const Conv2dP& p, int precision, ScratchFn scratch, void* ctx, cudaStream_t s);

}  // namespace ingot
