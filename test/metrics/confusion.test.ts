// confusionMatrix against scikit-learn and by hand.
import assert from "node:assert/strict";
import { test } from "node:test";
import { confusionMatrix } from "../../src/metrics/index.js";
import { close, fx } from "./fixture.js";

test("confusion matrices match scikit-learn, with labels and every normalization", () => {
  assert.deepEqual(confusionMatrix(fx.binary.yTrue, fx.binary.yPred), fx.binary.confusion);
  const m = fx.multiclass;
  assert.deepEqual(confusionMatrix(m.yTrue, m.yPred), m.confusion);
  assert.deepEqual(confusionMatrix(m.yTrue, m.yPred, { labels: [2, 0] }), m.confusionLabels);
  for (const normalize of ["true", "pred", "all"] as const) {
    close(confusionMatrix(m.yTrue, m.yPred, { normalize }), m.confusionNormalized[normalize], `normalize ${normalize}`);
  }
  assert.deepEqual(confusionMatrix(fx.oddLabels.yTrue, fx.oddLabels.yPred), fx.oddLabels.confusion);
});

test("hand-worked 2x2 confusion matrix: rows are true labels, columns predictions", () => {
  const yTrue = [1, 1, 1, 0, 0, 0, 1, 0];
  const yPred = [1, 0, 1, 0, 1, 1, 1, 0];
  // tn = 2 (idx 3, 7), fp = 2 (idx 4, 5), fn = 1 (idx 1), tp = 3 (idx 0, 2, 6)
  assert.deepEqual(confusionMatrix(yTrue, yPred), [[2, 2], [1, 3]]);
  assert.deepEqual(confusionMatrix(yTrue, yPred, { labels: [1, 0] }), [[3, 1], [2, 2]]);
  assert.deepEqual(confusionMatrix(yTrue, yPred, { normalize: "true" }), [[0.5, 0.5], [0.25, 0.75]]);
  // a class only predicted still gets a row of zeros
  assert.deepEqual(confusionMatrix([0, 0], [0, 2]), [[1, 1], [0, 0]]);
});

test("confusionMatrix errors", () => {
  assert.throws(() => confusionMatrix([0, 1], [0, 1, 1]), /confusionMatrix: yTrue has 2 samples but yPred has 3/);
  assert.throws(() => confusionMatrix([0, 1], [0, 1], { labels: [5, 6] }), /at least one label specified must be in yTrue/);
  assert.throws(() => confusionMatrix([0, 1], [0, 1], { labels: [0, 0] }), /labels must be distinct/);
  assert.throws(() => confusionMatrix([0, 1], [0, 1], { normalize: "rows" as "true" }), /normalize must be "true", "pred", "all"/);
});
