import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { loadPenguins, trainTabular } from "../../examples/tabular-mlp.js";
import { asyncBackendTest } from "../train/helpers.js";

// scikit-learn on the same split: test/fixtures/make-tabular-baseline.py
const baseline = JSON.parse(readFileSync(new URL("../fixtures/tabular-baseline.json", import.meta.url), "utf8")) as {
  nTrain: number; nVal: number; nTest: number; mlpMeanTestAccuracy: number; logisticRegressionTestAccuracy: number;
};

asyncBackendTest("the tabular example splits the penguins as the baseline script does", async () => {
  const { train, val, test, features } = loadPenguins();
  assert.deepEqual([train.x.shape[0], val.x.shape[0], test.x.shape[0]], [baseline.nTrain, baseline.nVal, baseline.nTest]);
  assert.equal(features, 7);
  // standardised with the training rows' statistics: mean 0, population std 1 per column
  const x = train.x.dataSync();
  for (let j = 0; j < features; j++) {
    let s = 0, ss = 0;
    for (let i = 0; i < baseline.nTrain; i++) s += x[i * features + j];
    for (let i = 0; i < baseline.nTrain; i++) ss += (x[i * features + j] - s / baseline.nTrain) ** 2;
    assert.ok(Math.abs(s / baseline.nTrain) < 1e-5 && Math.abs(ss / baseline.nTrain - 1) < 1e-4, `column ${j}`);
  }
});

// The Keras example must really learn: real data, held-out rows, scikit-learn's same-architecture MLP as the bar.
asyncBackendTest("the tabular example matches scikit-learn's MLP on held-out penguins", async () => {
  const r = await trainTabular({ quick: true, seed: 0 });
  assert.ok(r.testAccuracy >= baseline.mlpMeanTestAccuracy - 0.01, `test accuracy ${r.testAccuracy} vs baseline ${baseline.mlpMeanTestAccuracy}`);
  assert.ok(r.testAccuracy >= 0.85, `test accuracy ${r.testAccuracy}`);
  assert.ok(r.testAuroc >= 0.9, `test AUROC ${r.testAuroc}`);
  assert.ok(r.history.at(-1)!.loss < r.history[0].loss / 2, "training loss fell");
});
