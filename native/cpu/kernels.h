// Native kernel entry points (float32 unless noted). Argument meanings follow src/backends/backend.ts.
#pragma once
#include <cstdint>

namespace ingot {

// Same order as UNARY_OPS / BINARY_OPS in src/backends/backend.ts.
enum UnaryOp {
  U_NEG, U_ABS, U_SIGN, U_EXP, U_EXPM1, U_LOG, U_LOG1P, U_SQRT, U_RSQRT, U_SQUARE, U_RECIPROCAL,
  U_SIN, U_COS, U_TANH, U_SIGMOID, U_RELU, U_LEAKY_RELU, U_ELU, U_GELU, U_GELU_TANH, U_SILU, U_SOFTPLUS,
  U_ERF, U_FLOOR, U_CEIL, U_ROUND, U_TRUNC, U_CLAMP, U_POW_SCALAR, U_LOGICAL_NOT, U_ISNAN, U_ISINF, U_COUNT
};
enum BinaryOp {
  B_ADD, B_SUB, B_MUL, B_DIV, B_POW, B_MAXIMUM, B_MINIMUM, B_ATAN2, B_REMAINDER,
  B_EQ, B_NE, B_LT, B_LE, B_GT, B_GE, B_AND, B_OR, B_XOR, B_COUNT
};
enum ReduceOp { R_SUM, R_PROD, R_MAX, R_MIN };

struct UnaryParams {
  float alpha, min, max, exponent;
};

// Max rank for strided kernels; callers with more dims fall back to js.
constexpr int kMaxRank = 16;

bool unary(int op, const float* x, float* out, long n, const UnaryParams& p);
bool unary_grad(int op, const float* x, const float* y, const float* gy, float* gx, long n, const UnaryParams& p);
// out is float32 (outU8 == false) or uint8 (comparison/logical ops); strides are in elements over `shape`.
bool binary(int op, const float* a, const long* sa, const float* b, const long* sb, void* out, bool outU8, int rank,
            const long* shape);
bool binary_scalar(int op, const float* a, float s, void* out, bool outU8, long n, bool reversed);
void where(const uint8_t* c, const long* sc, const float* a, const long* sa, const float* b, const long* sb, float* out,
           int rank, const long* shape);

void reduce(int op, const float* x, float* out, long outer, long r, long inner);
void arg_reduce(bool isMax, const float* x, int32_t* out, long outer, long r, long inner);
void softmax(const float* x, float* out, long rows, long cols, bool log);
void softmax_grad(const float* y, const float* gy, float* gx, long rows, long cols, bool log);
void layer_norm(const float* x, const float* w, const float* b, float* out, float* mean, float* rstd, long rows, long cols,
                double eps);
void layer_norm_grad(const float* x, const float* w, const float* mean, const float* rstd, const float* gy, float* gx,
                     float* gw, float* gb, long rows, long cols);

struct ConvGeom {
  long n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;
};
void im2col(const float* x, float* cols, const ConvGeom& g);
void col2im(const float* cols, float* x, const ConvGeom& g);
// Pool geometry reuses ConvGeom with n = planes, c = 1.
void max_pool2d(const float* x, float* out, int32_t* argmax, const ConvGeom& g);
void max_pool2d_grad(const float* gy, const int32_t* argmax, float* gx, const ConvGeom& g);

struct AdamParams {
  double lr, beta1, beta2, eps, weightDecay;
  bool decoupled;
  double step;
};
void adam_step(float* param, const float* grad, float* m, float* v, long n, const AdamParams& p);

// Element size 1, 2, 4 or 8 bytes; offsets and strides in elements (may be negative).
void copy_strided(const void* src, long srcOff, const long* srcStrides, void* dst, long dstOff, const long* dstStrides,
                  int rank, const long* shape, int elemSize);
void fill_f32(float* out, long n, float v);

// Philox4x32-10 words for counters counter, counter+1, ... (4 per counter; the last block cut to n).
void philox_fill(uint32_t* out, long n, uint32_t k0, uint32_t k1, uint64_t counter);
void index_select(const float* x, const int32_t* idx, float* out, long outer, long rx, long nIdx, long inner);
void index_add(const float* src, const int32_t* idx, float* out, long outer, long rOut, long nIdx, long inner);

// Where row t of head h in batch b starts: offset + b·batchStride + h·headStride + t·rowStride (elements);
// a row's headDim elements are contiguous.
struct AttentionLayout {
  long offset, batchStride, headStride, rowStride;
};
struct FlashAttentionParams {
  long batch, heads, lq, lk, headDim;
  double scale;
  bool causal;  // top-left aligned: query i keeps keys j <= i
  AttentionLayout q, k, v, out;  // gOut shares out's layout; gq/gk/gv share q/k/v's
};
// out = softmax(scale·q·kᵀ)·v per (batch, head); lse[(b·heads + h)·lq + i] = log Σ_j exp(s_ij).
void flash_attention(const float* q, const float* k, const float* v, float* out, float* lse, const FlashAttentionParams& p);
// FlashAttention-2 backward from out, lse and gOut; overwrites gq, gk, gv (keys no query keeps get 0).
void flash_attention_grad(const float* q, const float* k, const float* v, const float* out, const float* gOut,
                          const float* lse, float* gq, float* gk, float* gv, const FlashAttentionParams& p);

}  // namespace ingot
