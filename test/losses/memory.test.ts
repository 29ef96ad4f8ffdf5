// Every loss frees its temporaries: with grad off, disposing the output returns the live count to
// where it was; with grad on, a step run in a scope leaves only the leaves' gradients behind.
import assert from "node:assert/strict";
import { liveTensors, logSoftmax, manualSeed, noGrad, rand, randn, scope, sigmoid, softmax, tensor, type Tensor } from "../../src/index.js";
import {
  binaryCrossEntropy, binaryCrossEntropyWithLogits, cosineEmbeddingLoss, crossEntropy, hingeEmbeddingLoss, huberLoss, klDiv, l1Loss,
  marginRankingLoss, mseLoss, nllLoss, smoothL1Loss, tripletMarginLoss,
} from "../../src/losses/index.js";
import { backendTest } from "../helpers/backends.js";

backendTest("losses leave no live temporaries, with grad off and on", () => {
  manualSeed(61);
  const [a, b] = [randn([4, 3]), randn([4, 3])];
  const [p, y] = [sigmoid(randn([4, 3])), rand([4, 3])];
  const probs = softmax(randn([4, 3]), 1);
  const lp = logSoftmax(randn([4, 3]), 1);
  const [t, ts] = [tensor([0, 2, -100, 1], { dtype: "int32" }), tensor([[0, 2], [1, 1]], { dtype: "int32" })];
  const [xs, w3, pm, pm4] = [randn([2, 3, 2]), rand([3]), tensor([1, -1, 1, -1]), tensor([1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1], { shape: [4, 3] })];
  // [name, the input that gets a gradient, the loss of it]
  const losses: [string, Tensor, (x: Tensor) => Tensor][] = [
    ["mseLoss", a, (x) => mseLoss(x, b)],
    ["l1Loss", a, (x) => l1Loss(x, b, { reduction: "sum" })],
    ["smoothL1Loss", a, (x) => smoothL1Loss(x, b, { beta: 0.5 })],
    ["huberLoss", a, (x) => huberLoss(x, b, { reduction: "none" })],
    ["binaryCrossEntropy", p, (x) => binaryCrossEntropy(x, y, { weight: w3 })],
    ["binaryCrossEntropyWithLogits", a, (x) => binaryCrossEntropyWithLogits(x, y, { posWeight: w3 })],
    ["crossEntropy indices", a, (x) => crossEntropy(x, t, { weight: w3, labelSmoothing: 0.1 })],
    ["crossEntropy probabilities", a, (x) => crossEntropy(x, probs, { weight: w3, labelSmoothing: 0.1 })],
    ["crossEntropy spatial", xs, (x) => crossEntropy(x, ts)],
    ["nllLoss", lp, (x) => nllLoss(x, t)],
    ["klDiv", lp, (x) => klDiv(x, probs, { reduction: "batchmean" })],
    ["klDiv logTarget", lp, (x) => klDiv(x, lp, { logTarget: true })],
    ["cosineEmbeddingLoss", a, (x) => cosineEmbeddingLoss(x, b, pm)],
    ["tripletMarginLoss", a, (x) => tripletMarginLoss(x, a, b, { swap: true, p: 3 })],
    ["marginRankingLoss", a, (x) => marginRankingLoss(x, b, pm4)],
    ["hingeEmbeddingLoss", a, (x) => hingeEmbeddingLoss(x, pm4)],
  ];
  noGrad(() => {
    for (const [name, input, f] of losses) {
      const before = liveTensors();
      f(input).dispose();
      assert.equal(liveTensors() - before, 0, `${name} leaked ${liveTensors() - before} tensors with grad off`);
    }
  });
  for (const [name, input, f] of losses) {
    const x = input.detach().requiresGrad_();
    const before = liveTensors();
    scope(() => {
      const l = f(x);
      (l.ndim ? l.sum() : l).backward();
    });
    assert.ok(x.grad, `${name}: no gradient`);
    x.grad.dispose();
    assert.equal(liveTensors() - before, 0, `${name} leaked ${liveTensors() - before} tensors in a scoped step`);
  }
});
