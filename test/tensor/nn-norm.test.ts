import assert from "node:assert/strict";
import { batchNorm, batchNormStats, layerNorm, noGrad, ones, randn, tensor, zeros } from "../../src/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose, gradcheck } from "../helpers/gradcheck.js";

backendTest("layerNorm normalises the trailing dims (hand-worked)", () => {
  const x = tensor([[1, 2, 3], [2, 2, 2]]);
  const s = Math.sqrt(1.5);
  // a constant row normalises to 0 (eps keeps it finite)
  assertClose(layerNorm(x, 3), [-s, 0, s, 0, 0, 0], 1e-4, 1e-5);
  const y = layerNorm(x, [3], tensor([1, 2, 3]), tensor([0, 1, 0]));
  assertClose(y.dataSync().slice(0, 3), [-s, 1, 3 * s], 1e-4, 1e-5);
});

backendTest("layerNorm gradchecks x, weight and bias", () => {
  gradcheck((x, w, b) => layerNorm(x, [3, 4], w, b), [randn([2, 3, 4]), randn([3, 4]), randn([3, 4])]);
  gradcheck((x) => layerNorm(x, 5), [randn([3, 5])]);
  gradcheck((x, w) => layerNorm(x, 4, w), [randn([2, 4]), randn([4])]);
});

backendTest("batchNormStats gives per-channel mean and biased variance, with gradients", () => {
  // x [2, 2, 2]: channel 0 holds 1,2,5,6; channel 1 holds 3,4,7,8
  const x = tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
  const { mean, var: v } = batchNormStats(x);
  assertClose(mean, [3.5, 5.5]);
  assertClose(v, [4.25, 4.25], 1e-5);
  gradcheck((t) => batchNormStats(t).mean, [randn([3, 2, 4])]);
  gradcheck((t) => batchNormStats(t).var, [randn([3, 2, 4])]);
  gradcheck((t) => batchNormStats(t).var, [randn([4, 3])]);
});

backendTest("batchNorm training: batch statistics, in-place running stats (unbiased var)", () => {
  const x = tensor([[1, 10], [3, 20]]); // [N=2, C=2]
  const rm = zeros([2]);
  const rv = ones([2]);
  const y = batchNorm(x, rm, rv, null, null, true, 0.1, 0);
  assertClose(y, [-1, -1, 1, 1], 1e-5, 1e-5);
  assertClose(rm, [0.2, 1.5], 1e-6);
  // unbiased var of [1,3] = 2 and of [10,20] = 50
  assertClose(rv, [0.9 + 0.1 * 2, 0.9 + 0.1 * 50], 1e-5);
  assert.throws(() => batchNorm(randn([1, 3]), null, null, null, null, true), /batchNorm: expected more than 1 value per channel/);
});

backendTest("batchNorm gradchecks in training and eval mode", () => {
  gradcheck((x, w, b) => batchNorm(x, null, null, w, b, true), [randn([3, 2, 4]), randn([2]), randn([2])]);
  gradcheck((x, w, b) => batchNorm(x, null, null, w, b, true), [randn([2, 3, 2, 2]), randn([3]), randn([3])]);
  gradcheck((x) => batchNorm(x, null, null, null, null, true), [randn([5, 3])]);
  const rm = randn([3]);
  const rv = noGrad(() => randn([3]).abs().add(0.5));
  gradcheck((x, w, b) => batchNorm(x, rm, rv, w, b, false), [randn([2, 3, 2]), randn([3]), randn([3])]);
  gradcheck((x) => batchNorm(x, rm, rv, null, null, false), [randn([2, 3])]);
});

backendTest("norm ops reject bad shapes with the op name", () => {
  assert.throws(() => layerNorm(randn([2, 3]), [4]), /layerNorm: normalizedShape \[4\] does not match the trailing dims of input \[2,3\]/);
  assert.throws(() => layerNorm(randn([2, 3]), 3, randn([4])), /layerNorm: weight \[4\] must have shape normalizedShape \[3\]/);
  assert.throws(() => batchNorm(randn([2, 3]), zeros([4]), ones([4])), /batchNorm: runningMean \[4\] must be \[3\]/);
  assert.throws(() => batchNorm(randn([3]), null, null), /batchNorm: expects input \[N, C, \*\], got \[3\]/);
  assert.throws(() => batchNorm(randn([2, 3]), null, null, null, null, false), /batchNorm: eval mode needs runningMean/);
});
