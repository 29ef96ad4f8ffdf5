import assert from "node:assert/strict";
import { manualSeed, randn, tensor, type Tensor } from "../../src/index.js";
import { huberLoss, l1Loss, mseLoss, smoothL1Loss } from "../../src/losses/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose, gradcheck } from "../helpers/gradcheck.js";

/** A random target and an input that differs from it by exactly `d` (so kinks can be avoided). */
function offsetPair(d: number[], shape: number[]): [Tensor, Tensor] {
  const target = randn(shape);
  return [target.add(tensor(d, { shape })), target];
}

// differences well away from 0 and from ±0.5, ±1, ±2 (the kinks of l1, smoothL1 and huber below)
const D = [-2.6, -1.4, -0.8, -0.3, -0.1, 0.2, 0.7, 1.3, 1.7, 2.4, 0.05, -0.65];

backendTest("regression losses match hand-worked values", () => {
  const a = tensor([1, 2, 3]);
  const b = tensor([1, 0, 0]);
  assertClose(mseLoss(a, b), [13 / 3], 1e-6);
  assertClose(mseLoss(a, b, { reduction: "sum" }), [13]);
  assertClose(mseLoss(a, b, "sum"), [13]); // the engine's positional reduction still works
  assertClose(l1Loss(a, b), [5 / 3], 1e-6);
  assertClose(l1Loss(a, b, { reduction: "none" }), [0, 2, 3]);
  // d = [0.5, -2]: beta 1 → [0.5·0.25, 2 − 0.5]; beta 0.5 → [0.5 − 0.25, 2 − 0.25]; beta 0 is L1
  const x = tensor([0.5, -2]);
  const z = tensor([0, 0]);
  assertClose(smoothL1Loss(x, z, { reduction: "none" }), [0.125, 1.5]);
  assertClose(smoothL1Loss(x, z, { beta: 0.5, reduction: "none" }), [0.25, 1.75]);
  assertClose(smoothL1Loss(x, z, { beta: 0, reduction: "sum" }), [2.5]);
  // huber δ = 2: d = 0.5 → 0.5·0.25; d = −3 → 2·(3 − 1)
  assertClose(huberLoss(tensor([0.5, -3]), z, { delta: 2, reduction: "none" }), [0.125, 4]);
  // huber(δ) = δ·smoothL1(β = δ)
  const [p, t] = offsetPair(D, [3, 4]);
  assertClose(huberLoss(p, t, { delta: 0.5 }), smoothL1Loss(p, t, { beta: 0.5 }).mul(0.5), 1e-6);
});

backendTest("regression losses gradcheck for input and target, every reduction", () => {
  manualSeed(11);
  for (const reduction of ["none", "mean", "sum"] as const) {
    gradcheck((x, y) => mseLoss(x, y, { reduction }), offsetPair(D, [3, 4]));
    gradcheck((x, y) => l1Loss(x, y, { reduction }), offsetPair(D, [3, 4]));
    gradcheck((x, y) => smoothL1Loss(x, y, { reduction }), offsetPair(D, [3, 4]));
    gradcheck((x, y) => smoothL1Loss(x, y, { beta: 0.5, reduction }), offsetPair(D, [4, 3]));
    gradcheck((x, y) => huberLoss(x, y, { reduction }), offsetPair(D, [2, 6]));
    gradcheck((x, y) => huberLoss(x, y, { delta: 2, reduction }), offsetPair(D, [12]));
  }
  // L1's gradient at a tie is 0 (sign(0)), as in PyTorch
  const x = tensor([1, 2]).requiresGrad_();
  l1Loss(x, tensor([1, 0]), { reduction: "sum" }).backward();
  assertClose(x.grad!, [0, 1]);
});

backendTest("regression losses reject mismatched shapes, bad dtypes and bad parameters", () => {
  assert.throws(() => mseLoss(randn([3]), randn([3, 1])), /mseLoss: input \[3\] and target \[3,1\] must have the same shape/);
  assert.throws(() => l1Loss(randn([2, 3]), randn([3, 2])), /l1Loss: input \[2,3\] and target \[3,2\] must have the same shape/);
  assert.throws(() => huberLoss(randn([2]), tensor([1, 0], { dtype: "int32" })), /huberLoss: target must be floating point \(float32, bfloat16 or float16\), got int32 \[2\]/);
  assert.throws(() => huberLoss(randn([2]), randn([2]), { delta: 0 }), /huberLoss: delta must be a finite number > 0, got 0/);
  assert.throws(() => smoothL1Loss(randn([2]), randn([2]), { beta: -1 }), /smoothL1Loss: beta must be a finite number >= 0, got -1/);
  assert.throws(() => mseLoss(randn([2]), randn([2]), { reduction: "batchmean" as "mean" }), /mseLoss: reduction must be "mean", "sum", "none", got "batchmean"/);
});
