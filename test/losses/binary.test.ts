import assert from "node:assert/strict";
import { log, manualSeed, rand, randn, sigmoid, sub, tensor } from "../../src/index.js";
import { binaryCrossEntropy, binaryCrossEntropyWithLogits } from "../../src/losses/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose, gradcheck } from "../helpers/gradcheck.js";

backendTest("binaryCrossEntropy matches hand-worked values, clamps its logs at -100 and keeps gradients finite", () => {
  assertClose(binaryCrossEntropy(tensor([0.5]), tensor([1])), [Math.log(2)], 1e-6);
  assertClose(binaryCrossEntropy(tensor([0.25, 0.75]), tensor([0, 0]), { reduction: "none" }), [-Math.log(0.75), -Math.log(0.25)], 1e-6);
  // confident and wrong: log 0 = −inf is clamped to −100; confident and right costs 0
  assertClose(binaryCrossEntropy(tensor([0, 1, 0, 1]), tensor([1, 0, 0, 1]), { reduction: "none" }), [100, 100, 0, 0]);
  // PyTorch's input gradient (x − y)/max(x(1 − x), 1e-12) stays finite at 0 and 1
  const x = tensor([0, 1]).requiresGrad_();
  binaryCrossEntropy(x, tensor([1, 0]), { reduction: "sum" }).backward();
  assertClose(x.grad!, [-1e12, 1e12], 1e-6);
  // weight rescales each element; "mean" still divides by the element count
  assertClose(binaryCrossEntropy(tensor([0.5, 0.5]), tensor([1, 0]), { weight: tensor([1, 3]) }), [2 * Math.log(2)], 1e-6);
});

backendTest("binaryCrossEntropy of sigmoid(x) equals binaryCrossEntropyWithLogits of x", () => {
  manualSeed(3);
  const x = randn([3, 5]);
  const y = rand([3, 5]);
  const w = rand([5]).add(0.5);
  for (const reduction of ["none", "mean", "sum"] as const) {
    assertClose(binaryCrossEntropy(sigmoid(x), y, { weight: w, reduction }), binaryCrossEntropyWithLogits(x, y, { weight: w, reduction }), 1e-5, 1e-6);
  }
});

backendTest("binaryCrossEntropy gradchecks input and target, with weights, every reduction", () => {
  manualSeed(5);
  for (const reduction of ["none", "mean", "sum"] as const) {
    const p = rand([3, 4]).mul(0.8).add(0.1); // ±eps stays inside (0, 1)
    gradcheck((x, y) => binaryCrossEntropy(x, y, { reduction }), [p, rand([3, 4])]);
    gradcheck((x, y) => binaryCrossEntropy(x, y, { reduction, weight: tensor([0.5, 1, 2, 1.5]) }), [p, rand([3, 4])]);
  }
  // the target gradient is log(1 − x) − log(x) = −logit(x)
  const y = tensor([0.3, 0.6]).requiresGrad_();
  const p = tensor([0.2, 0.9]);
  binaryCrossEntropy(p, y, { reduction: "sum" }).backward();
  assertClose(y.grad!, sub(log(sub(1, p)), log(p)), 1e-6);
});

backendTest("binaryCrossEntropyWithLogits gradchecks logits, targets, weight and a spatial posWeight", () => {
  manualSeed(6);
  for (const reduction of ["none", "mean", "sum"] as const) {
    gradcheck((x, y) => binaryCrossEntropyWithLogits(x, y, { reduction }), [randn([3, 4]).mul(3), rand([3, 4])]);
    gradcheck(
      (x, y, w, pw) => binaryCrossEntropyWithLogits(x, y, { weight: w, posWeight: pw, reduction }),
      [randn([2, 3, 4]), rand([2, 3, 4]), rand([3, 1]).add(0.5), rand([4]).add(0.5)],
    );
  }
  // stays exact far out in the tails
  assertClose(binaryCrossEntropyWithLogits(tensor([200, -200]), tensor([0, 1]), { reduction: "none" }), [200, 200], 1e-6);
});

backendTest("binary losses name the loss and the shapes on bad input", () => {
  assert.throws(() => binaryCrossEntropy(tensor([0.5, 2]), tensor([1, 0])), /binaryCrossEntropy: input must hold probabilities in \[0, 1\], got values in \[0.5, 2\] \(for logits use binaryCrossEntropyWithLogits\)/);
  assert.throws(() => binaryCrossEntropy(tensor([-0.1]), tensor([1])), /binaryCrossEntropy: input must hold probabilities/);
  assert.throws(() => binaryCrossEntropy(rand([2, 3]), rand([3, 2])), /binaryCrossEntropy: input \[2,3\] and target \[3,2\] must have the same shape/);
  assert.throws(() => binaryCrossEntropy(rand([2, 3]), rand([2, 3]), { weight: rand([2]) }), /binaryCrossEntropy: weight \[2\] does not broadcast to input \[2,3\]/);
  assert.throws(() => binaryCrossEntropyWithLogits(randn([3]), randn([4])), /binaryCrossEntropyWithLogits: targets \[4\] must have the shape of logits \[3\]/);
  assert.throws(() => binaryCrossEntropyWithLogits(randn([2, 3]), rand([2, 3]), { posWeight: rand([2]) }), /binaryCrossEntropyWithLogits: posWeight \[2\] does not broadcast to input \[2,3\]/);
  assert.throws(() => binaryCrossEntropyWithLogits(randn([2]), tensor([1, 0], { dtype: "int32" })), /binaryCrossEntropyWithLogits: target must be floating point \(float32, bfloat16 or float16\), got int32/);
});
