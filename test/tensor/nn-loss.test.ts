import assert from "node:assert/strict";
import { binaryCrossEntropyWithLogits, crossEntropy, mseLoss, nllLoss, rand, randn, tensor, zeros } from "../../src/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose, gradcheck } from "../helpers/gradcheck.js";

const idx = (v: number[] | number[][]): ReturnType<typeof tensor> => tensor(v, { dtype: "int32" });

backendTest("crossEntropy matches hand-worked values", () => {
  // uniform logits: loss = ln C
  assertClose(crossEntropy(zeros([3, 4]), idx([0, 1, 3])), [Math.log(4)], 1e-6);
  // logits [0, ln 3]: p(target 1) = 3/4
  const l = tensor([[0, Math.log(3)]]);
  assertClose(crossEntropy(l, idx([1])), [-Math.log(0.75)], 1e-6);
  assertClose(crossEntropy(l, idx([0]), { reduction: "none" }), [-Math.log(0.25)], 1e-6);
  // ignored rows drop out of the mean; gradient is softmax − onehot over the kept rows
  const x = tensor([[0, Math.log(3)], [5, 1]]).requiresGrad_();
  const loss = crossEntropy(x, idx([1, -100]));
  assertClose(loss, [-Math.log(0.75)], 1e-6);
  loss.backward();
  assertClose(x.grad!, [0.25, -0.25, 0, 0], 1e-6, 1e-7);
  // label smoothing ε: target distribution (1−ε)·onehot + ε/C
  const eps = 0.2;
  assertClose(crossEntropy(l, idx([1]), { labelSmoothing: eps }), [-(0.9 * Math.log(0.75) + 0.1 * Math.log(0.25))], 1e-6);
  // unbatched
  assertClose(crossEntropy(tensor([0, Math.log(3)]), tensor(1, { dtype: "int32" })), [-Math.log(0.75)], 1e-6);
});

backendTest("crossEntropy and nllLoss gradcheck (weights, ignoreIndex, smoothing, spatial, reductions)", () => {
  const w = tensor([0.5, 1, 2, 1.5]);
  gradcheck((x) => crossEntropy(x, idx([1, 0, 3, 2])), [randn([4, 4])]);
  gradcheck((x) => crossEntropy(x, idx([1, -100, 3, 2]), { weight: w, labelSmoothing: 0.1 }), [randn([4, 4])]);
  gradcheck((x) => crossEntropy(x, idx([1, 0, 3, 2]), { labelSmoothing: 0.3, reduction: "sum" }), [randn([4, 4])]);
  gradcheck((x) => crossEntropy(x, idx([[0, 2, 3], [1, 1, 2]]), { reduction: "none", ignoreIndex: 2 }), [randn([2, 4, 3])]);
  gradcheck((x) => crossEntropy(x, idx([[0, 3], [2, 1]]), { weight: w, labelSmoothing: 0.2 }), [randn([2, 4, 2])]);
  gradcheck((x) => nllLoss(x, idx([1, -100, 3, 2]), { weight: w }), [randn([4, 4])]);
  gradcheck((x) => nllLoss(x, idx([[0, 3], [2, 1]]), { reduction: "none" }), [randn([2, 4, 2])]);
  assertClose(nllLoss(tensor([[-1, -2], [-3, -4]]), idx([1, 0])), [2.5]);
});

backendTest("binaryCrossEntropyWithLogits is stable and gradchecks logits, targets, weight and posWeight", () => {
  // max(x,0) − x·y + log1p(exp(−|x|)) at extreme logits stays finite and exact
  assertClose(binaryCrossEntropyWithLogits(tensor([100, -100]), tensor([0, 1]), { reduction: "none" }), [100, 100], 1e-6);
  assertClose(binaryCrossEntropyWithLogits(tensor([0]), tensor([1])), [Math.log(2)], 1e-6);
  // posWeight multiplies the positive term: p·softplus(−x)
  assertClose(binaryCrossEntropyWithLogits(tensor([0]), tensor([1]), { posWeight: tensor([3]) }), [3 * Math.log(2)], 1e-6);
  gradcheck((x, y) => binaryCrossEntropyWithLogits(x, y), [randn([3, 4]), rand([3, 4])]);
  gradcheck((x, y, w, p) => binaryCrossEntropyWithLogits(x, y, { weight: w, posWeight: p, reduction: "sum" }), [randn([3, 4]), rand([3, 4]), rand([3, 4]), rand([4]).add(0.5)]);
  // the gradient at exactly x = 0 is σ(0) − y
  const x = tensor([0]).requiresGrad_();
  binaryCrossEntropyWithLogits(x, tensor([0.25])).backward();
  assertClose(x.grad!, [0.25], 1e-6);
});

backendTest("mseLoss matches hand-worked values and gradchecks", () => {
  assertClose(mseLoss(tensor([1, 2, 3]), tensor([1, 0, 0])), [13 / 3], 1e-6);
  assertClose(mseLoss(tensor([1, 2, 3]), tensor([1, 0, 0]), "sum"), [13]);
  assert.deepEqual(mseLoss(tensor([1, 2]), tensor([0, 0]), "none").toArray(), [1, 4]);
  gradcheck((a, b) => mseLoss(a, b), [randn([3, 4]), randn([3, 4])]);
});

backendTest("losses reject bad targets with the op name", () => {
  assert.throws(() => crossEntropy(randn([3, 4]), idx([0, 4, 1])), /crossEntropy: target for 4 classes \(ignoreIndex -100\) out of range: values span \[0, 4\]/);
  assert.throws(() => crossEntropy(randn([3, 4]), idx([0, -1, 1])), /crossEntropy: target .* out of range/);
  assert.throws(() => crossEntropy(randn([3, 4]), idx([0, 1])), /crossEntropy: input \[3,4\] needs target \[3\], got \[2\]/);
  assert.throws(() => crossEntropy(randn([3, 4]), tensor([0, 1, 2])), /crossEntropy: target must hold int32 class indices, got float32/);
  assert.throws(() => crossEntropy(randn([3, 4]), idx([0, 1, 2]), { weight: tensor([1, 2]) }), /crossEntropy: weight must be \[4\]/);
  assert.throws(() => crossEntropy(randn([3, 4]), idx([0, 1, 2]), { reduction: "avg" as "mean" }), /crossEntropy: reduction must be/);
  assert.throws(() => nllLoss(randn([2, 3, 5]), idx([[0, 1, 2, 0, 1], [0, 0, 0, 0, 3]])), /nllLoss: target .* out of range/);
  assert.throws(() => binaryCrossEntropyWithLogits(randn([3]), randn([4])), /binaryCrossEntropyWithLogits: targets \[4\] must have the shape of logits \[3\]/);
});
