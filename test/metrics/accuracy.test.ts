// accuracy and top-k accuracy against scikit-learn and by hand.
import assert from "node:assert/strict";
import { test } from "node:test";
import { tensor } from "../../src/index.js";
import { accuracy, topKAccuracy } from "../../src/metrics/index.js";
import { backendTest } from "../helpers/backends.js";
import { close, fx } from "./fixture.js";

test("accuracy matches scikit-learn on binary and multiclass labels", () => {
  close(accuracy(fx.binary.yTrue, fx.binary.yPred), fx.binary.accuracy, "binary");
  close(accuracy(fx.binary.yTrue, fx.binary.yPred, { normalize: false }), fx.binary.accuracyCount, "binary count");
  close(accuracy(fx.multiclass.yTrue, fx.multiclass.yPred), fx.multiclass.accuracy, "multiclass");
  // [N, C] scores are read by argmax
  close(accuracy(fx.multiclass.yTrue, fx.multiclass.yScore), fx.multiclass.accuracyArgmax, "argmax of scores");
  // [N] probabilities are thresholded at 0.5 (strictly greater), which is how yPred was made
  close(accuracy(fx.binary.yTrue, fx.binary.yScore), fx.binary.accuracy, "thresholded probabilities");
});

test("top-k accuracy matches scikit-learn, ties included", () => {
  const m = fx.multiclass;
  for (const k of [1, 2, 3]) close(topKAccuracy(m.yTrue, m.yScore, k), m.topK[String(k)], `top-${k}`);
  close(topKAccuracy(fx.binary.yTrue, fx.binary.yScore, 1), fx.binary.topK1, "binary [N] scores, k=1");
  assert.equal(topKAccuracy(fx.binary.yTrue, fx.binary.yScore, 2), 1);
});

test("top-k by hand: a tie ranks the higher column first (scikit-learn's order)", () => {
  const scores = [
    [0.5, 0.5, 0.0], // tie between columns 0 and 1: column 1 ranks first
    [0.1, 0.3, 0.6],
    [0.2, 0.2, 0.6],
  ];
  // targets as column indices (only 2 distinct classes occur, fewer than the 3 columns)
  assert.equal(topKAccuracy([0, 2, 0], scores, 1), 1 / 3);
  assert.equal(topKAccuracy([1, 2, 0], scores, 1), 2 / 3);
  assert.equal(topKAccuracy([0, 1, 0], scores, 2), 2 / 3); // row 3: column 1 (tied, higher) beats column 0
  assert.equal(topKAccuracy([0, 1, 0], scores, 2, { normalize: false }), 2);
  // labels name the columns
  assert.equal(topKAccuracy([10, 30, 10], scores, 1, { labels: [10, 20, 30] }), 1 / 3);
});

backendTest("accuracy reads tensors of any dtype", () => {
  const yTrue = tensor([0, 1, 2, 1], { dtype: "int32" });
  const logits = tensor([[2, 1, 0], [0, 3, 1], [1, 0, 0.5], [0, 0, 4]]);
  assert.equal(accuracy(yTrue, logits), 0.5);
  assert.equal(accuracy(tensor([1, 0, 1, 1], { dtype: "bool" }), tensor([true, false, false, true])), 0.75);
  assert.equal(accuracy(yTrue, tensor([0, 1, 2, 2], { dtype: "int32" })), 0.75);
});

test("accuracy errors name the problem", () => {
  assert.throws(() => accuracy([0, 1, 1], [0, 1]), /accuracy: yTrue has 3 samples but yPred has 2/);
  assert.throws(() => accuracy([], []), /accuracy: no samples/);
  assert.throws(() => accuracy([0, 1], [-0.5, 2.5]), /\[N\] scores must be probabilities in \[0, 1\] \(pass logits through a sigmoid or set fromLogits: true\)/);
  assert.throws(() => accuracy([[0], [1]] as number[][], [[0, 1], [1, 0], [1, 0]]), /yTrue has 2 samples but yPred has 3/);
  assert.throws(() => accuracy([0, 1], [[0, 1], [1]]), /yPred: row 1 has 1 values, expected 2/);
  assert.throws(() => topKAccuracy([0, 1], [[0.1, 0.9], [0.2, 0.8]], 0), /k must be a positive integer/);
  assert.throws(() => topKAccuracy([0, 5], [[0.1, 0.9, 0], [0.2, 0.8, 0]], 1), /label 5 is not a column index; pass labels/);
  assert.throws(() => topKAccuracy([0, 1], [[0.1, 0.9, 0], [0.2, 0.8, 0]], 1, { labels: [0, 1] }), /2 labels given but yScore has 3 classes/);
});
