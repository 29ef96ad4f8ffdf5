import assert from "node:assert/strict";
import { logSoftmax, manualSeed, rand, randn, sigmoid, softmax, tensor, type Tensor } from "../../src/index.js";
import { crossEntropy, getLoss, huberLoss, lossNames, mseLoss, type LossName } from "../../src/losses/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose } from "../helpers/gradcheck.js";

backendTest("getLoss returns the named loss with its options bound", () => {
  manualSeed(51);
  const x = randn([4, 3]);
  const y = randn([4, 3]);
  assertClose(getLoss("mse")(x, y), mseLoss(x, y));
  assertClose(getLoss("huber", { delta: 0.5, reduction: "sum" })(x, y), huberLoss(x, y, { delta: 0.5, reduction: "sum" }));
  const t = tensor([0, 2, 1, 1], { dtype: "int32" });
  const smoothed = getLoss("crossEntropy", { labelSmoothing: 0.2 })(x, t);
  assertClose(smoothed, crossEntropy(x, t, { labelSmoothing: 0.2 }));
  assert.notEqual(smoothed.item(), crossEntropy(x, t).item());
  // a name from a config file (a plain string) works the same way
  const fromConfig: string = "l1";
  assertClose(getLoss(fromConfig)(tensor([1, 2]), tensor([0, 0])), [1.5]);
});

backendTest("every name in lossNames gives a differentiable loss", () => {
  manualSeed(52);
  const logits = randn([4, 3]);
  const samples: Record<LossName, () => [Tensor, Tensor]> = {
    mse: () => [randn([4, 3]), randn([4, 3])],
    l1: () => [randn([4, 3]), randn([4, 3])],
    smoothL1: () => [randn([4, 3]), randn([4, 3])],
    huber: () => [randn([4, 3]), randn([4, 3])],
    bce: () => [sigmoid(logits), rand([4, 3])],
    bceWithLogits: () => [randn([4, 3]), rand([4, 3])],
    crossEntropy: () => [randn([4, 3]), tensor([0, 2, 1, 1], { dtype: "int32" })],
    nll: () => [logSoftmax(randn([4, 3]), 1), tensor([0, 2, 1, 1], { dtype: "int32" })],
    kl: () => [logSoftmax(randn([4, 3]), 1), softmax(randn([4, 3]), 1)],
    hingeEmbedding: () => [randn([4, 3]), tensor([1, -1, 1, -1, 1, 1, -1, -1, 1, -1, 1, 1], { shape: [4, 3] })],
  };
  assert.deepEqual([...lossNames].sort(), Object.keys(samples).sort());
  for (const name of lossNames) {
    const [pred, target] = samples[name]();
    const p = pred.detach().requiresGrad_();
    const l = getLoss(name)(p, target);
    assert.deepEqual([...l.shape], [], `${name}: default reduction is a scalar`);
    assert.ok(Number.isFinite(l.item()), `${name}: finite loss`);
    l.backward();
    assert.ok(p.grad, `${name}: gradient reaches the prediction`);
    assert.deepEqual([...getLoss(name, { reduction: "none" })(pred, target).shape].length > 0, true, `${name}: "none" keeps per-element losses`);
  }
});

backendTest("getLoss rejects unknown names and unknown options, listing what is valid", () => {
  assert.throws(() => getLoss("mae"), /getLoss: unknown loss "mae"; valid names: mse, l1, smoothL1, huber, bce, bceWithLogits, crossEntropy, nll, kl, hingeEmbedding/);
  assert.throws(() => getLoss("toString"), /getLoss: unknown loss "toString"/);
  assert.throws(() => getLoss("huber", { beta: 1 } as never), /getLoss: "huber" has no option "beta"; its options: reduction, delta/);
  assert.throws(() => getLoss("crossEntropy", { label_smoothing: 0.1 } as never), /"crossEntropy" has no option "label_smoothing"; its options: reduction, weight, ignoreIndex, labelSmoothing/);
  // option values are checked by the loss itself, naming it
  assert.throws(() => getLoss("huber", { delta: -1 })(randn([2]), randn([2])), /huberLoss: delta must be a finite number > 0, got -1/);
});
