import assert from "node:assert/strict";
import { log, logSoftmax, manualSeed, randn, softmax, tensor } from "../../src/index.js";
import { klDiv } from "../../src/losses/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose, gradcheck } from "../helpers/gradcheck.js";

backendTest("klDiv matches hand-worked values for every reduction and logTarget", () => {
  // KL(p ‖ q) for p = [1/2, 1/2], q = [1/4, 3/4], per row; two identical rows
  const q = tensor([[0.25, 0.75], [0.25, 0.75]]);
  const p = tensor([[0.5, 0.5], [0.5, 0.5]]);
  const row = 0.5 * Math.log(2) + 0.5 * Math.log(2 / 3);
  const lq = log(q);
  assertClose(klDiv(lq, p, { reduction: "sum" }), [2 * row], 1e-6);
  assertClose(klDiv(lq, p, { reduction: "batchmean" }), [row], 1e-6);
  assertClose(klDiv(lq, p), [row / 2], 1e-6); // "mean" divides by the element count
  assertClose(klDiv(lq, p, { reduction: "none" }), [0.5 * Math.log(2), 0.5 * Math.log(2 / 3), 0.5 * Math.log(2), 0.5 * Math.log(2 / 3)], 1e-6);
  assertClose(klDiv(lq, log(p), { reduction: "batchmean", logTarget: true }), [row], 1e-6);
  // KL(p ‖ p) = 0
  assertClose(klDiv(log(p), p, { reduction: "sum" }), [0], 0, 1e-7);
});

backendTest("klDiv: a zero target contributes 0 and gives 0 gradients (PyTorch 1.13 gives NaN for the target)", () => {
  const x = tensor([-1, -2]).requiresGrad_();
  const p = tensor([0, 1]).requiresGrad_();
  const l = klDiv(x, p, { reduction: "sum" });
  assertClose(l, [2], 1e-6); // 0 + 1·(log 1 − (−2))
  l.backward();
  assertClose(x.grad!, [0, -1]);
  assertClose(p.grad!, [0, 3], 1e-6); // log p + 1 − x where p > 0
});

backendTest("klDiv gradchecks input and target, every reduction, with and without logTarget", () => {
  manualSeed(31);
  for (const reduction of ["none", "mean", "sum", "batchmean"] as const) {
    gradcheck((x, p) => klDiv(x, p, { reduction }), [logSoftmax(randn([3, 4]), 1), softmax(randn([3, 4]), 1)]);
    gradcheck((x, lp) => klDiv(x, lp, { reduction, logTarget: true }), [logSoftmax(randn([2, 5]), 1), logSoftmax(randn([2, 5]), 1)]);
  }
});

backendTest("klDiv rejects bad shapes and options by name", () => {
  assert.throws(() => klDiv(randn([2, 3]), randn([3, 2])), /klDiv: input \(log-probabilities\) \[2,3\] and target \[3,2\] must have the same shape/);
  assert.throws(() => klDiv(randn([2]), randn([2]), { reduction: "avg" as "mean" }), /klDiv: reduction must be "mean", "sum", "none", "batchmean", got "avg"/);
});
