import assert from "node:assert/strict";
import { test } from "node:test";
import { add, linear, liveTensors, matmul, mul, randn, scope, sum, tensor, zeros, manualSeed, backward } from "../../src/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose, gradcheck } from "../helpers/gradcheck.js";

backendTest("add broadcasts and its gradient sums back", () => {
  const a = tensor([[1, 2, 3], [4, 5, 6]]);
  const b = tensor([10, 20, 30]);
  assert.deepEqual(add(a, b).toArray(), [[11, 22, 33], [14, 25, 36]]);
  gradcheck((x, y) => mul(x, y), [randn([2, 3]), randn([3])]);
});

backendTest("matmul matches a hand-computed product and gradchecks (2-D, batched, 1-D)", () => {
  const a = tensor([[1, 2], [3, 4]]);
  const b = tensor([[5, 6], [7, 8]]);
  assert.deepEqual(matmul(a, b).toArray(), [[19, 22], [43, 50]]);
  gradcheck(matmul, [randn([3, 4]), randn([4, 2])]);
  gradcheck(matmul, [randn([2, 3, 4]), randn([2, 4, 5])]);
  gradcheck(matmul, [randn([2, 3, 4]), randn([4, 5])]);
  gradcheck(matmul, [randn([4]), randn([2, 4, 3])]);
  gradcheck(matmul, [randn([3, 4]), randn([4])]);
  assert.throws(() => matmul(zeros([32, 100]), zeros([64, 10])), /matmul: \[32,100\] x \[64,10\]: inner dims 100 != 64/);
});

backendTest("linear = x·Wᵀ + b, with gradients", () => {
  const x = tensor([[1, 2]]);
  const w = tensor([[1, 0], [0, 1], [1, 1]]);
  const b = tensor([0.5, -0.5, 0]);
  assertClose(linear(x, w, b), [1.5, 1.5, 3]);
  gradcheck(linear, [randn([4, 3]), randn([5, 3]), randn([5])]);
});

test("scope disposes intermediates and keeps what is returned", () => {
  const before = liveTensors();
  const kept = scope(() => {
    const a = randn([3]);
    const b = a.mul(2);
    return b.add(1);
  });
  assert.equal(liveTensors(), before + 1);
  kept.dispose();
  assert.equal(liveTensors(), before);
});

test("the same seed gives the same numbers", () => {
  manualSeed(42);
  const a = randn([5]).dataSync();
  manualSeed(42);
  const b = randn([5]).dataSync();
  assert.deepEqual(a, b);
});

test("gradients accumulate across backward calls and the graph is freed after one", () => {
  const x = tensor([1, 2, 3]).requiresGrad_();
  const y = sum(mul(x, x));
  y.backward(undefined, { retainGraph: true });
  y.backward();
  assert.deepEqual(x.grad?.toArray(), [4, 8, 12]);
  assert.throws(() => backward(y), /already freed/);
});
