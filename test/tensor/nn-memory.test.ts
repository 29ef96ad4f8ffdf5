// Every nn op frees its temporaries: with grad off, disposing the output returns the live count to
// where it was (no reliance on scopes or garbage collection).
import assert from "node:assert/strict";
import {
  adaptiveAvgPool2d, avgPool2d, batchNorm, batchNormStats, binaryCrossEntropyWithLogits, conv1d, conv2d, convTranspose2d, crossEntropy,
  dropout, embedding, Generator, layerNorm, liveTensors, logSoftmax, maxPool2d, mseLoss, nllLoss, noGrad, ones, rand, randn,
  scaledDotProductAttention, softmax, tensor, zeros, type Tensor,
} from "../../src/index.js";
import { backendTest } from "../helpers/backends.js";

backendTest("nn ops leave no live temporaries", () => {
  const x4 = randn([2, 4, 6, 6]);
  const w = randn([6, 2, 3, 3]);
  const b = randn([6]);
  const t = tensor([1, -100, 3, 0], { dtype: "int32" });
  const logits = randn([4, 5]);
  const rm = zeros([4]);
  const rv = ones([4]);
  const q = randn([2, 3, 4]);
  const [k5, v5, m35] = [randn([2, 5, 4]), randn([2, 5, 3]), randn([3, 5])];
  const [one4, zero4, one66, zero66] = [ones([4]), zeros([4]), ones([6, 6]), zeros([6, 6])];
  const [idx, emb, x3, w3, b4, wt, b6] = [tensor([0, 2], { dtype: "int32" }), randn([3, 4]), randn([2, 3, 8]), randn([4, 3, 3]), randn([4]), randn([4, 3, 3, 3]), randn([6])];
  const [cw, xs, ts, y45, pw] = [rand([5]), randn([2, 5, 2]), tensor([[0, 1], [4, -100]], { dtype: "int32" }), rand([4, 5]), rand([5])];
  const gen = new Generator(1);
  const ops: [string, () => Tensor | Tensor[]][] = [
    ["softmax", () => softmax(x4, 1)],
    ["logSoftmax", () => logSoftmax(x4)],
    ["layerNorm", () => layerNorm(x4, [6, 6], one66, zero66)],
    ["batchNorm train", () => batchNorm(x4, rm, rv, one4, zero4, true)],
    ["batchNorm eval", () => batchNorm(x4, rm, rv, one4, zero4, false)],
    ["batchNormStats", () => Object.values(batchNormStats(x4))],
    ["dropout", () => dropout(x4, 0.5, true, gen)],
    ["embedding", () => embedding(idx, emb)],
    ["conv2d", () => conv2d(x4, w, b, { groups: 2, padding: 1, stride: 2 })],
    ["conv1d", () => conv1d(x3, w3, b4)],
    ["convTranspose2d", () => convTranspose2d(x4, wt, b6, { groups: 2, stride: 2 })],
    ["maxPool2d", () => maxPool2d(x4, 2)],
    ["avgPool2d", () => avgPool2d(x4, 3, 2, 1)],
    ["adaptiveAvgPool2d", () => adaptiveAvgPool2d(x4, 4)],
    ["attention", () => scaledDotProductAttention(q, k5, v5, { attnMask: m35, dropoutP: 0.2, generator: gen })],
    ["attention causal", () => scaledDotProductAttention(q, q, q, { isCausal: true })],
    ["crossEntropy", () => crossEntropy(logits, t, { labelSmoothing: 0.1, weight: cw })],
    ["crossEntropy spatial", () => crossEntropy(xs, ts, { reduction: "none" })],
    ["nllLoss", () => nllLoss(logits, t)],
    ["bce", () => binaryCrossEntropyWithLogits(logits, y45, { posWeight: pw })],
    ["mse", () => mseLoss(logits, logits)],
  ];
  noGrad(() => {
    for (const [name, f] of ops) {
      const before = liveTensors();
      const out = f();
      for (const o of Array.isArray(out) ? out : [out]) o.dispose();
      assert.equal(liveTensors() - before, 0, `${name} leaked ${liveTensors() - before} tensors`);
    }
  });
});
