import assert from "node:assert/strict";
import { manualSeed, randn, tensor } from "../../src/index.js";
import { cosineEmbeddingLoss, hingeEmbeddingLoss, marginRankingLoss, tripletMarginLoss } from "../../src/losses/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose, gradcheck } from "../helpers/gradcheck.js";

backendTest("cosineEmbeddingLoss matches hand-worked values", () => {
  // cos([1,0],[1,1]) = 1/√2 and cos([1,0],[0,1]) = 0
  const x1 = tensor([[1, 0], [1, 0], [1, 0]]);
  const x2 = tensor([[1, 1], [1, 1], [0, 1]]);
  const c = Math.SQRT1_2;
  assertClose(cosineEmbeddingLoss(x1, x2, tensor([1, -1, -1]), { reduction: "none" }), [1 - c, c, 0], 1e-6);
  assertClose(cosineEmbeddingLoss(x1, x2, tensor([1, -1, -1], { dtype: "int32" }), { margin: -0.5, reduction: "none" }), [1 - c, c + 0.5, 0.5], 1e-6);
  assertClose(cosineEmbeddingLoss(x1, x2, tensor([1, 1, 1]), { reduction: "sum" }), [3 - 2 * c], 1e-6);
  assertClose(cosineEmbeddingLoss(tensor([2, 0]), tensor([0, 3]), tensor(1)), [1], 1e-6);
});

backendTest("tripletMarginLoss matches hand-worked values, p-norms and the distance swap", () => {
  const a = tensor([[0, 0]]);
  // d(a, p) = 5, d(a, n) = 1 → max(0, 1 + 5 − 1)
  assertClose(tripletMarginLoss(a, tensor([[3, 4]]), tensor([[0, 1]]), { eps: 0 }), [5], 1e-6);
  assertClose(tripletMarginLoss(a, tensor([[3, 4]]), tensor([[0, 1]]), { eps: 0, p: 1 }), [7], 1e-6);
  // d(a, p) = 1, d(a, n) = 2, d(p, n) = 1: the swap picks the closer 1
  assertClose(tripletMarginLoss(a, tensor([[1, 0]]), tensor([[2, 0]]), { eps: 0 }), [0], 1e-6);
  assertClose(tripletMarginLoss(a, tensor([[1, 0]]), tensor([[2, 0]]), { eps: 0, swap: true }), [1], 1e-6);
  // eps is added to the difference before the norm: ‖[−1+ε, ε]‖ vs ‖[−2+ε, ε]‖
  const e = 0.1;
  assertClose(tripletMarginLoss(a, tensor([[1, 0]]), tensor([[2, 0]]), { eps: e, margin: 2 }), [2 + Math.hypot(-1 + e, e) - Math.hypot(-2 + e, e)], 1e-6);
});

backendTest("marginRankingLoss and hingeEmbeddingLoss match hand-worked values", () => {
  assertClose(marginRankingLoss(tensor([1, 2, 0]), tensor([2, 1, 0]), tensor([1, 1, -1]), { reduction: "none" }), [1, 0, 0]);
  assertClose(marginRankingLoss(tensor([1, 2, 0]), tensor([2, 1, 0]), tensor([1, 1, -1]), { margin: 0.5, reduction: "none" }), [1.5, 0, 0.5]);
  assertClose(hingeEmbeddingLoss(tensor([0.5, 0.5, 3]), tensor([1, -1, -1]), { reduction: "none" }), [0.5, 0.5, 0]);
  assertClose(hingeEmbeddingLoss(tensor([0.5, 0.5, 3]), tensor([1, -1, -1]), { margin: 4 }), [(0.5 + 3.5 + 1) / 3], 1e-6);
});

backendTest("embedding losses gradcheck, every reduction (inputs kept away from the hinges)", () => {
  manualSeed(41);
  const y5 = tensor([1, -1, 1, -1, -1]);
  for (const reduction of ["none", "mean", "sum"] as const) {
    // margin −1.5 keeps cos − margin > 0, so every dissimilar pair is on the active side of the hinge
    gradcheck((a, b) => cosineEmbeddingLoss(a, b, y5, { margin: -1.5, reduction }), [randn([5, 3]), randn([5, 3])]);
    // margin 20 keeps every triplet active; the distance itself is smooth away from 0
    gradcheck((a, p, n) => tripletMarginLoss(a, p, n, { margin: 20, reduction }), [randn([4, 3]), randn([4, 3]), randn([4, 3])]);
    gradcheck((a, p, n) => tripletMarginLoss(a, p, n, { margin: 20, p: 3, reduction }), [randn([4, 3]), randn([4, 3]), randn([4, 3])]);
    gradcheck((a, b, y) => marginRankingLoss(a, b, y, { margin: 10, reduction }), [randn([6]), randn([6]), tensor([1, -1, 1, 1, -1, -1])]);
    // x in {−1.7, 0.4, 2.3, …} against margin 1: away from margin − x = 0
    gradcheck((x) => hingeEmbeddingLoss(x, tensor([-1, -1, 1, -1, 1, -1]), { reduction }), [tensor([-1.7, 0.4, 2.3, 3.1, -0.6, 0.2])]);
  }
  gradcheck((a, p, n) => tripletMarginLoss(a, p, n, { margin: 20, swap: true }), [randn([5]), randn([5]), randn([5])]);
  gradcheck((a, b) => cosineEmbeddingLoss(a, b, tensor(1)), [randn([4]), randn([4])]);
});

backendTest("embedding losses name the loss and the shapes on bad input", () => {
  assert.throws(() => cosineEmbeddingLoss(randn([3, 4]), randn([3, 5]), tensor([1, 1, 1])), /cosineEmbeddingLoss: x1 \[3,4\] and x2 \[3,5\] must have the same shape/);
  assert.throws(() => cosineEmbeddingLoss(randn([3, 4]), randn([3, 4]), tensor([1, 1])), /cosineEmbeddingLoss: target must be \[3\] \(one ±1 label each\), got \[2\]/);
  assert.throws(() => cosineEmbeddingLoss(randn([2, 3, 4]), randn([2, 3, 4]), tensor([1, 1])), /cosineEmbeddingLoss: x1 and x2 must be \[N, D\] or \[D\], got \[2,3,4\]/);
  assert.throws(() => tripletMarginLoss(randn([4, 3]), randn([4, 3]), randn([4, 2])), /tripletMarginLoss: anchor \[4,3\] and negative \[4,2\] must have the same shape/);
  assert.throws(() => tripletMarginLoss(randn([4, 3]), randn([4, 3]), randn([4, 3]), { p: 0 }), /tripletMarginLoss: p must be a finite number > 0, got 0/);
  assert.throws(() => marginRankingLoss(randn([3]), randn([3]), tensor([true, false, true])), /marginRankingLoss: target must hold ±1 labels as float32 or int32, got bool/);
  assert.throws(() => hingeEmbeddingLoss(randn([3]), tensor([1, -1])), /hingeEmbeddingLoss: target must be \[3\] \(one ±1 label each\), got \[2\]/);
  assert.throws(() => hingeEmbeddingLoss(randn([3]), tensor([1, -1, 1]), { margin: NaN }), /hingeEmbeddingLoss: margin must be a finite number, got NaN/);
});
