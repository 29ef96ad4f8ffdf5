import assert from "node:assert/strict";
import { logSoftmax, randn, softmax, tensor } from "../../src/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose, gradcheck } from "../helpers/gradcheck.js";

backendTest("softmax and logSoftmax match hand-worked values", () => {
  const x = tensor([[0, Math.log(2)], [1, 1]]);
  assertClose(softmax(x), [1 / 3, 2 / 3, 0.5, 0.5], 1e-6, 1e-7);
  assertClose(logSoftmax(x), [Math.log(1 / 3), Math.log(2 / 3), Math.log(0.5), Math.log(0.5)], 1e-6, 1e-6);
  // along dim 0 the columns are normalised
  assertClose(x.softmax(0), [1 / (1 + Math.E), 2 / (2 + Math.E), Math.E / (1 + Math.E), Math.E / (2 + Math.E)], 1e-6, 1e-7);
  // large logits stay finite
  assertClose(softmax(tensor([1000, 1000])), [0.5, 0.5]);
  // a fully masked row gives NaN, as in PyTorch
  assert.ok(Number.isNaN(softmax(tensor([-Infinity, -Infinity])).dataSync()[0]));
});

backendTest("softmax and logSoftmax gradcheck along every dim", () => {
  for (const dim of [0, 1, 2, -1]) {
    gradcheck((x) => softmax(x, dim), [randn([2, 3, 4])]);
    gradcheck((x) => logSoftmax(x, dim), [randn([2, 3, 4])]);
  }
  gradcheck((x) => x.logSoftmax(), [randn([5])]);
});

backendTest("softmax rejects a bad dim and integer input", () => {
  assert.throws(() => softmax(randn([2, 3]), 2), /softmax: dim 2 out of range/);
  assert.throws(() => softmax(tensor([1, 2], { dtype: "int32" })), /softmax: expects float32/);
});
