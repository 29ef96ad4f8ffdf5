import assert from "node:assert/strict";
import { cast, manualSeed, oneHot, randn, softmax, tensor, type Tensor } from "../../src/index.js";
import { crossEntropy, nllLoss } from "../../src/losses/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose, gradcheck } from "../helpers/gradcheck.js";

const idx = (v: number[] | number[][] | number[][][]): Tensor => tensor(v, { dtype: "int32" });
const probs = (shape: number[], dim = 1): Tensor => softmax(randn(shape).mul(2), dim);

backendTest("crossEntropy with probability targets matches the hand-worked value", () => {
  // logits [0, ln 3] → p = [1/4, 3/4]; target [0.2, 0.8]
  const x = tensor([[0, Math.log(3)]]);
  const want = -(0.2 * Math.log(0.25) + 0.8 * Math.log(0.75));
  assertClose(crossEntropy(x, tensor([[0.2, 0.8]])), [want], 1e-6);
  // label smoothing ε mixes the target with the uniform ε/C: ε = 0.5 turns [0.2, 0.8] into [0.35, 0.65]
  const eps = 0.5;
  const t = [0.2 * (1 - eps) + eps / 2, 0.8 * (1 - eps) + eps / 2];
  assertClose(crossEntropy(x, tensor([[0.2, 0.8]]), { labelSmoothing: eps }), [-(t[0] * Math.log(0.25) + t[1] * Math.log(0.75))], 1e-6);
});

backendTest("one-hot probability targets agree with class indices, except the weighted mean's divisor", () => {
  manualSeed(21);
  const x = randn([5, 4]);
  const t = idx([0, 3, 1, 1, 2]);
  const p = cast(oneHot(t, 4), "float32");
  for (const reduction of ["none", "mean", "sum"] as const) {
    assertClose(crossEntropy(x, p, { reduction }), crossEntropy(x, t, { reduction }), 1e-5, 1e-6, reduction);
    assertClose(crossEntropy(x, p, { reduction, labelSmoothing: 0.2 }), crossEntropy(x, t, { reduction, labelSmoothing: 0.2 }), 1e-5, 1e-6, `${reduction} smoothed`);
  }
  // weighted: class indices divide by Σ w[target] (= 0.5+2+1+1+3), probabilities by N = 5, as in PyTorch
  const w = tensor([0.5, 1, 3, 2]);
  const summed = crossEntropy(x, t, { weight: w, reduction: "sum" }).item();
  assertClose(crossEntropy(x, t, { weight: w }), [summed / 7.5], 1e-5);
  assertClose(crossEntropy(x, p, { weight: w }), [summed / 5], 1e-5);
});

backendTest("crossEntropy and nllLoss gradcheck: class indices, probabilities, weights, smoothing, ignoreIndex, spatial", () => {
  manualSeed(22);
  const w3 = tensor([0.5, 2, 1.5]);
  for (const reduction of ["none", "mean", "sum"] as const) {
    gradcheck((x) => crossEntropy(x, idx([[[0, 2], [1, -100]], [[2, 2], [0, 1]]]), { weight: w3, labelSmoothing: 0.1, reduction }), [randn([2, 3, 2, 2])]);
    gradcheck((x) => crossEntropy(x, idx([2, 0, 1]), { ignoreIndex: 0, reduction }), [randn([3, 3])]);
    // probability targets: gradients flow to the logits and to the target
    gradcheck((x, p) => crossEntropy(x, p, { reduction }), [randn([3, 4]), probs([3, 4])]);
    gradcheck((x, p) => crossEntropy(x, p, { weight: w3, labelSmoothing: 0.2, reduction }), [randn([2, 3, 2]), probs([2, 3, 2])]);
    gradcheck((x) => nllLoss(x, idx([[0, 2], [1, 1]]), { weight: w3, ignoreIndex: 1, reduction }), [randn([2, 3, 2])]);
  }
  gradcheck((x, p) => crossEntropy(x, p), [randn([5]), probs([5], 0)]);
  gradcheck((x) => crossEntropy(x, tensor(2, { dtype: "int32" }), { labelSmoothing: 0.3 }), [randn([4])]);
});

backendTest("an out-of-range class index is named with its position and C", () => {
  assert.throws(() => crossEntropy(randn([3, 4]), idx([0, 7, 1])), /crossEntropy: .*out of range.*; first bad: target\[1\] = 7 with C = 4/);
  assert.throws(() => crossEntropy(randn([3, 4]), idx([0, 1, 4])), /first bad: target\[2\] = 4 with C = 4/);
  assert.throws(() => crossEntropy(randn([3, 4]), idx([-5, 1, 2])), /first bad: target\[0\] = -5 with C = 4/);
  // the ignore index itself is fine anywhere; another negative is not
  assert.throws(() => crossEntropy(randn([2, 4, 3]), idx([[0, -100, 1], [2, 9, 3]])), /crossEntropy: .*first bad: target\[1,1\] = 9 with C = 4/);
  assert.throws(() => nllLoss(randn([2, 3]), idx([3, 0]), { ignoreIndex: 0 }), /nllLoss: .*first bad: target\[0\] = 3 with C = 3/);
  assert.doesNotThrow(() => crossEntropy(randn([2, 3]), idx([5, 1]), { ignoreIndex: 5 }));
});

backendTest("crossEntropy and nllLoss name both shapes and the problem on bad arguments", () => {
  assert.throws(() => crossEntropy(randn([3, 4]), idx([0, 1])), /crossEntropy: input \[3,4\] needs target \[3\], got \[2\] \(int32 class indices; float32 probabilities would be \[3,4\]\)/);
  assert.throws(() => crossEntropy(randn([3, 4]), probs([3, 5])), /crossEntropy: input \[3,4\] needs probability target \[3,4\] \(or int32 class indices \[3\]\), got \[3,5\]/);
  assert.throws(() => crossEntropy(randn([3, 4]), tensor([0, 1, 2])), /crossEntropy: target must hold int32 class indices, got float32 \[3\]/);
  assert.throws(() => crossEntropy(randn([3, 4]), tensor([true, false, true])), /crossEntropy: target must be int32 class indices or float32 probabilities, got bool/);
  assert.throws(() => crossEntropy(randn([3, 4]), probs([3, 4]), { ignoreIndex: 0 }), /crossEntropy: ignoreIndex applies only to int32 class-index targets/);
  assert.doesNotThrow(() => crossEntropy(randn([3, 4]), probs([3, 4]), { ignoreIndex: -100 }));
  assert.throws(() => crossEntropy(randn([3, 4]), idx([0, 1, 2]), { weight: tensor([1, 2]) }), /crossEntropy: weight must be \[4\] \(one per class of input \[3,4\]\), got \[2\]/);
  assert.throws(() => crossEntropy(randn([3, 4]), probs([3, 4]), { labelSmoothing: 1.5 }), /crossEntropy: labelSmoothing must be in \[0, 1\], got 1.5/);
  assert.throws(() => crossEntropy(randn([]), idx([])), /crossEntropy: input must be \[N, C, ...\] or \[C\], got a scalar \[\]/);
  assert.throws(() => nllLoss(randn([3, 4]), probs([3, 4])), /nllLoss: target must hold int32 class indices, got float32 \[3,4\]/);
  assert.throws(() => nllLoss(randn([2, 3, 5]), idx([[0, 1, 2]])), /nllLoss: input \[2,3,5\] needs target \[2,5\], got \[1,3\]/);
});
