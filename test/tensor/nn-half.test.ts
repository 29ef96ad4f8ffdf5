// The nn ops on bfloat16 and float16 inputs: each op runs on half inputs made by rounding random float32
// data and on float32 copies of those rounded inputs; the half result and input gradients must match the
// float32 ones rounded to the half dtype, within a few units of the half's precision, and carry its dtype.
import assert from "node:assert/strict";
import { Generator, cast, tensor, type DType, type Tensor } from "../../src/index.js";
import { float32ToHalf, halfToFloat32, type HalfDType } from "../../src/tensor/half.js";
import { scaledDotProductAttention } from "../../src/tensor/ops/nn/attention.js";
import { conv1d, conv2d, convTranspose2d } from "../../src/tensor/ops/nn/conv.js";
import { dropout } from "../../src/tensor/ops/nn/dropout.js";
import { embedding } from "../../src/tensor/ops/nn/embedding.js";
import { binaryCrossEntropyWithLogits, crossEntropy, mseLoss, nllLoss } from "../../src/tensor/ops/nn/loss.js";
import { batchNorm, batchNormStats, layerNorm } from "../../src/tensor/ops/nn/norm.js";
import { causalSelfAttention } from "../../src/tensor/ops/nn/packed-attention.js";
import { adaptiveAvgPool2d, avgPool1d, avgPool2d, maxPool2d } from "../../src/tensor/ops/nn/pool.js";
import { logSoftmax, softmax } from "../../src/tensor/ops/nn/softmax.js";
import { backendTest } from "../helpers/backends.js";

const HALVES: readonly HalfDType[] = ["bfloat16", "float16"];

/** Unit roundoff of each half: 2^-8 for bfloat16's 8-bit significand, 2^-11 for float16's 11. */
const UNIT: Record<HalfDType, number> = { bfloat16: 2 ** -8, float16: 2 ** -11 };

let seed = 1;

/** Fresh float32 normal data of `shape` (a new seed per call). */
function randn32(shape: readonly number[], scale = 1): Tensor {
  const n = shape.reduce((a, d) => a * d, 1);
  return tensor(Array.from(new Generator(seed++).normal(n), (v) => v * scale), { shape: [...shape] });
}

/** Float32 values rounded to the half dtype (what a correctly rounded half result holds). */
function rounded(values: ArrayLike<number>, dt: HalfDType): Float32Array {
  return halfToFloat32(float32ToHalf(values, dt), dt);
}

/**
 * Asserts that `actual` (a half tensor) holds `reference` (float32) rounded, within k units of the
 * half's precision relative to each element's magnitude plus the tensor's mean magnitude (for
 * elements that cancel to near zero).
 */
function assertNear(what: string, actual: Tensor, reference: Tensor, dt: HalfDType, k: number): void {
  assert.equal(actual.dtype, dt, `${what}: dtype`);
  assert.deepEqual(actual.shape, reference.shape, `${what}: shape`);
  const a = actual.dataSync();
  const r = rounded(reference.dataSync(), dt);
  let meanAbs = 0;
  for (const v of r) meanAbs += Math.abs(v) / r.length;
  for (let i = 0; i < r.length; i++) {
    const tol = k * UNIT[dt] * (Math.abs(r[i]) + meanAbs);
    assert.ok(Math.abs(a[i] - r[i]) <= tol, `${what} [${dt}] at ${i}: got ${a[i]}, float32 reference rounded ${r[i]} (tolerance ${tol})`);
  }
}

interface Compare {
  /** Which inputs get gradients (default: every float one). */
  grads?: boolean[];
  /** Tolerance of the output, in units of the half's precision (default 4). */
  k?: number;
  /** Tolerance of the gradients (default 8: the backward pass rounds its intermediates too). */
  kGrad?: number;
}

/**
 * Runs `fn` on half copies of the float32 `inputs` (int and bool inputs pass through) and on float32
 * copies of those half values, then compares outputs and input gradients (upstream gradient: random,
 * rounded to the half).
 */
function compareWithFloat32(dt: HalfDType, inputs: Tensor[], fn: (...xs: Tensor[]) => Tensor, opts: Compare = {}): void {
  const isFloat = (t: Tensor): boolean => t.dtype === "float32";
  const wantGrad = inputs.map((t, i) => opts.grads?.[i] ?? isFloat(t));
  const halves = inputs.map((t, i) => (isFloat(t) ? cast(t, dt).requiresGrad_(wantGrad[i]) : t));
  const floats = halves.map((t, i) => (isFloat(inputs[i]) ? cast(t.detach(), "float32").requiresGrad_(wantGrad[i]) : t));
  const yh = fn(...halves);
  const yf = fn(...floats);
  assertNear("output", yh, yf, dt, opts.k ?? 4);
  if (!wantGrad.some((w) => w)) return;
  const g = cast(randn32(yf.shape), dt);
  yh.backward(g);
  yf.backward(cast(g, "float32"));
  halves.forEach((h, i) => {
    if (!wantGrad[i]) return;
    const gf = floats[i].grad;
    assert.ok(h.grad && gf, `input ${i} received no gradient`);
    assertNear(`gradient of input ${i}`, h.grad, gf, dt, opts.kGrad ?? 8);
  });
}

/** Registers one test per half dtype (and host backend). */
function halfTest(name: string, fn: (dt: HalfDType) => void): void {
  for (const dt of HALVES) backendTest(`${name} (${dt})`, () => fn(dt));
}

halfTest("softmax and logSoftmax, last and middle dim", (dt) => {
  compareWithFloat32(dt, [randn32([3, 5])], (x) => softmax(x));
  compareWithFloat32(dt, [randn32([2, 4, 3])], (x) => softmax(x, 1));
  compareWithFloat32(dt, [randn32([3, 5])], (x) => logSoftmax(x));
  compareWithFloat32(dt, [randn32([2, 4, 3])], (x) => logSoftmax(x, 1));
});

halfTest("layerNorm with weight and bias", (dt) => {
  compareWithFloat32(dt, [randn32([4, 6]), randn32([6]), randn32([6])], (x, w, b) => layerNorm(x, 6, w, b), { kGrad: 16 });
  compareWithFloat32(dt, [randn32([2, 3, 4])], (x) => layerNorm(x, [3, 4]), { kGrad: 16 });
});

halfTest("batchNorm in training and eval mode, batchNormStats", (dt) => {
  compareWithFloat32(dt, [randn32([4, 3, 5]), randn32([3]), randn32([3])], (x, w, b) => batchNorm(x, null, null, w, b, true), { kGrad: 16 });
  const rm = randn32([3], 0.1);
  const rv = cast(cast(randn32([3]).abs().add(0.5), dt), "float32");
  compareWithFloat32(dt, [randn32([2, 3, 2]), randn32([3]), randn32([3]), rm, rv], (x, w, b, m, v) => batchNorm(x, m, v, w, b, false), {
    grads: [true, true, true, false, false],
  });
  compareWithFloat32(dt, [randn32([5, 2, 3])], (x) => batchNormStats(x).mean);
  compareWithFloat32(dt, [randn32([5, 2, 3])], (x) => batchNormStats(x).var, { kGrad: 16 });
});

halfTest("batchNorm running stats in the input's dtype are updated", (dt) => {
  const x = randn32([6, 2]);
  const rmH = cast(randn32([2], 0.1), dt);
  const rvH = cast(tensor([1, 2]), dt);
  const rmF = cast(rmH, "float32");
  const rvF = cast(rvH, "float32");
  batchNorm(cast(x, dt), rmH, rvH, null, null, true);
  batchNorm(cast(cast(x, dt), "float32"), rmF, rvF, null, null, true);
  assertNear("runningMean", rmH, rmF, dt, 2);
  assertNear("runningVar", rvH, rvF, dt, 2);
});

halfTest("batchNorm takes float32 parameters with a half input (PyTorch's mixed mode)", (dt) => {
  const w = randn32([3]).requiresGrad_(true);
  const b = randn32([3]).requiresGrad_(true);
  const rm = randn32([3], 0.1);
  const rv = tensor([0.5, 1, 2]);
  const xh = cast(randn32([4, 3, 2]), dt).requiresGrad_(true);
  const xf = cast(xh.detach(), "float32").requiresGrad_(true);
  const [w2, b2, rm2, rv2] = [w, b, rm, rv].map((t) => cast(t.detach(), "float32").requiresGrad_(t.requiresGrad));
  const yh = batchNorm(xh, rm, rv, w, b, true);
  const yf = batchNorm(xf, rm2, rv2, w2, b2, true);
  assertNear("output", yh, yf, dt, 8);
  // the running stats stay float32 and are updated from float32 statistics of the same (rounded) input
  assert.equal(rm.dtype, "float32");
  const close = (a: Tensor, r: Tensor): void => a.dataSync().forEach((v, i) => assert.ok(Math.abs(v - r.dataSync()[i]) < 1e-5, `running stat ${v} vs ${r.dataSync()[i]}`));
  close(rm, rm2);
  close(rv, rv2);
  const g = cast(randn32(yf.shape), dt);
  yh.backward(g);
  yf.backward(cast(g, "float32"));
  assert.equal(w.grad?.dtype, "float32");
  assert.equal(b.grad?.dtype, "float32");
  assertNear("gradient of x", xh.grad as Tensor, xf.grad as Tensor, dt, 16);
  // float32 gradients of sums over half products: compare at the half's precision
  for (const [h, f] of [[w, w2], [b, b2]]) assertNear("parameter gradient", cast(h.grad as Tensor, dt), f.grad as Tensor, dt, 16);
  // eval mode mixes too, with gradients back to the float32 weight
  compareWithFloat32(dt, [randn32([2, 3, 2])], (x) => batchNorm(x, rm, rv, w, b, false), { k: 8 });
});

halfTest("conv1d, conv2d (stride, padding, groups, bias) and convTranspose2d", (dt) => {
  compareWithFloat32(dt, [randn32([2, 4, 5, 5]), randn32([6, 2, 3, 3]), randn32([6])], (x, w, b) => conv2d(x, w, b, { stride: 2, padding: 1, groups: 2 }), { k: 8, kGrad: 16 });
  compareWithFloat32(dt, [randn32([1, 3, 4, 4]), randn32([2, 3, 1, 1])], (x, w) => conv2d(x, w), { k: 8, kGrad: 16 });
  compareWithFloat32(dt, [randn32([2, 2, 7]), randn32([3, 2, 3]), randn32([3])], (x, w, b) => conv1d(x, w, b, { padding: "same" }), { k: 8, kGrad: 16 });
  compareWithFloat32(dt, [randn32([1, 2, 3, 3]), randn32([2, 3, 2, 2]), randn32([3])], (x, w, b) => convTranspose2d(x, w, b, { stride: 2 }), { k: 8, kGrad: 16 });
});

halfTest("max, average and adaptive average pooling", (dt) => {
  compareWithFloat32(dt, [randn32([2, 2, 5, 5])], (x) => maxPool2d(x, 2, 1, 1));
  compareWithFloat32(dt, [randn32([2, 2, 5, 5])], (x) => avgPool2d(x, 3, 2, 1));
  compareWithFloat32(dt, [randn32([2, 6])], (x) => avgPool1d(x, 2));
  compareWithFloat32(dt, [randn32([1, 2, 5, 7])], (x) => adaptiveAvgPool2d(x, [2, 3]));
});

halfTest("embedding returns the weight's dtype; indices stay int32", (dt) => {
  const idx = tensor([[0, 3], [3, 1]], { dtype: "int32" });
  compareWithFloat32(dt, [randn32([4, 3])], (w) => embedding(idx, w, 1), { k: 0, kGrad: 2 });
});

halfTest("dropout makes its mask in x's dtype (same seed, same mask)", (dt) => {
  compareWithFloat32(dt, [randn32([4, 8])], (x) => dropout(x, 0.25, true, new Generator(5)), { k: 2, kGrad: 2 });
});

halfTest("scaledDotProductAttention: plain, causal, masks, dropout", (dt) => {
  const qkv = (): Tensor[] => [randn32([2, 3, 4]), randn32([2, 5, 4]), randn32([2, 5, 3])];
  compareWithFloat32(dt, qkv(), (q, k, v) => scaledDotProductAttention(q, k, v), { k: 8, kGrad: 16 });
  compareWithFloat32(dt, [randn32([2, 4, 4]), randn32([2, 4, 4]), randn32([2, 4, 4])], (q, k, v) => scaledDotProductAttention(q, k, v, { isCausal: true }), { k: 8, kGrad: 16 });
  const bm = tensor([[true, false, true, true, true], [true, true, false, true, true], [true, true, true, true, false]]);
  compareWithFloat32(dt, qkv(), (q, k, v) => scaledDotProductAttention(q, k, v, { attnMask: bm }), { k: 8, kGrad: 16 });
  compareWithFloat32(dt, [...qkv(), randn32([3, 5])], (q, k, v, m) => scaledDotProductAttention(q, k, v, { attnMask: m }), { k: 8, kGrad: 16 });
  compareWithFloat32(dt, qkv(), (q, k, v) => scaledDotProductAttention(q, k, v, { dropoutP: 0.3, generator: new Generator(3) }), { k: 8, kGrad: 16 });
});

halfTest("causalSelfAttention on a packed qkv", (dt) => {
  compareWithFloat32(dt, [randn32([2, 4, 12])], (qkv) => causalSelfAttention(qkv, 2), { k: 8, kGrad: 16 });
});

halfTest("crossEntropy and nllLoss return the input's dtype", (dt) => {
  const t = tensor([0, 2, 1, 2], { dtype: "int32" });
  compareWithFloat32(dt, [randn32([4, 3])], (x) => crossEntropy(x, t));
  compareWithFloat32(dt, [randn32([4, 3])], (x) => crossEntropy(x, t, { reduction: "none" }));
  const tIgnored = tensor([0, -100, 1, 2], { dtype: "int32" });
  compareWithFloat32(dt, [randn32([4, 3]), randn32([3]).abs()], (x, w) => crossEntropy(x, tIgnored, { weight: w, labelSmoothing: 0.1 }), {
    grads: [true, false], k: 8, kGrad: 16,
  });
  const t3 = tensor([[0, 1], [2, 2]], { dtype: "int32" });
  compareWithFloat32(dt, [randn32([2, 3, 2])], (x) => crossEntropy(x, t3, { labelSmoothing: 0.2 }), { k: 8, kGrad: 16 });
  compareWithFloat32(dt, [randn32([4, 3])], (x) => nllLoss(x, t, { reduction: "sum" }));
});

halfTest("binaryCrossEntropyWithLogits and mseLoss return the input's dtype", (dt) => {
  const y = tensor([[1, 0, 1], [0, 0, 1]]);
  compareWithFloat32(dt, [randn32([2, 3]), y, randn32([3]).abs()], (x, t, pw) => binaryCrossEntropyWithLogits(x, t, { posWeight: pw }), {
    grads: [true, false, false], k: 8, kGrad: 16,
  });
  compareWithFloat32(dt, [randn32([3, 4]), randn32([3, 4])], (a, b) => mseLoss(a, b), { k: 8, kGrad: 16 });
});

backendTest("mismatched float dtypes give an error naming both", () => {
  const bf = (shape: number[]): Tensor => cast(randn32(shape), "bfloat16");
  const f16 = (shape: number[]): Tensor => cast(randn32(shape), "float16");
  assert.throws(() => conv2d(bf([1, 2, 4, 4]), randn32([3, 2, 2, 2])), /conv2d: expected input and weight to have the same dtype, got bfloat16 and float32/);
  assert.throws(() => conv2d(bf([1, 2, 4, 4]), bf([3, 2, 2, 2]), randn32([3])), /conv2d: expected input and bias to have the same dtype, got bfloat16 and float32/);
  assert.throws(() => layerNorm(bf([2, 3]), 3, randn32([3])), /layerNorm: expected input and weight to have the same dtype, got bfloat16 and float32/);
  assert.throws(() => scaledDotProductAttention(bf([2, 4]), f16([3, 4]), bf([3, 4])), /scaledDotProductAttention: expected q and k to have the same dtype, got bfloat16 and float16/);
  assert.throws(() => scaledDotProductAttention(bf([2, 4]), bf([3, 4]), bf([3, 4]), { attnMask: randn32([2, 3]) }), /attnMask must be bool or q's dtype bfloat16, got float32/);
  assert.throws(() => crossEntropy(bf([2, 3]), tensor([0, 1], { dtype: "int32" }), { weight: randn32([3]) }), /crossEntropy: expected input and weight to have the same dtype, got bfloat16 and float32/);
  // batchNorm: float32 parameters may go with a half input, but not another half, nor a mix among themselves
  assert.throws(() => batchNorm(bf([2, 3]), null, null, f16([3]), null, true), /batchNorm: expected weight, bias and running stats in the input's dtype bfloat16 or float32, got float16/);
  assert.throws(() => batchNorm(bf([2, 3]), null, null, bf([3]), randn32([3]), true), /batchNorm: expected weight and bias to have the same dtype, got bfloat16 and float32/);
  assert.throws(() => batchNorm(randn32([2, 3]), null, null, bf([3]), null, true), /batchNorm: expected weight, bias and running stats in the input's dtype float32, got bfloat16/);
  assert.throws(() => embedding(tensor([0], { dtype: "int32" }), tensor([[1, 2]], { dtype: "int32" })), /embedding: expects float32, bfloat16 or float16 tensors, got weight int32/);
});

backendTest("mseLoss and binaryCrossEntropyWithLogits promote mixed dtypes, as PyTorch", () => {
  const a = cast(randn32([3]), "bfloat16");
  const b = randn32([3]);
  const y = mseLoss(a, b);
  assert.equal(y.dtype, "float32");
  const ref = mseLoss(cast(a, "float32"), b);
  assert.ok(Math.abs(y.item() - ref.item()) <= 1e-6 * Math.abs(ref.item()));
  assert.equal(binaryCrossEntropyWithLogits(a, tensor([1, 0, 1])).dtype, "float32");
});

backendTest("the float32 path keeps float32 outputs and gradients", () => {
  const x = randn32([2, 3, 4]).requiresGrad_(true);
  const y = layerNorm(softmax(x), 4);
  assert.equal(y.dtype, "float32");
  y.backward(randn32([2, 3, 4]));
  assert.equal(x.grad?.dtype, "float32");
  const dt: DType = crossEntropy(randn32([2, 3]), tensor([0, 1], { dtype: "int32" })).dtype;
  assert.equal(dt, "float32");
});
