import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { leastSquares, loadBoston, runRegression } from "../../examples/regression.js";
import { loadModelDir } from "../../src/io/index.js";
import { asyncBackendTest } from "../train/helpers.js";

// scikit-learn's LinearRegression on the same split: test/fixtures/zoo-regression.py
const sk = JSON.parse(await readFile(new URL("../fixtures/zoo-regression.json", import.meta.url), "utf8")) as {
  nTrain: number; nTest: number; intercept: number; coef: number[]; testR2: number; testRmse: number;
};

asyncBackendTest("the closed-form solve matches scikit-learn's LinearRegression coefficient by coefficient", async () => {
  const { train, test } = await loadBoston();
  assert.deepEqual([train.y.length, test.y.length], [sk.nTrain, sk.nTest]);
  const w = leastSquares(train.x, train.y);
  assert.ok(Math.abs(w[0] - sk.intercept) < 1e-6, `intercept ${w[0]} vs ${sk.intercept}`);
  sk.coef.forEach((c, j) => assert.ok(Math.abs(w[j + 1] - c) < 1e-6, `coef ${j}: ${w[j + 1]} vs ${c}`));
  assert.throws(() => leastSquares([[1, 1], [2, 2], [3, 3]], [1, 2, 3]), /collinear/);
});

asyncBackendTest("regression example (quick): SGD learns to scikit-learn's test R² and writes model and plots", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ingot-regression-"));
  try {
    const r = await runRegression({ quick: true, seed: 0, outDir: dir });
    assert.ok(Math.abs(r.closedForm.testR2 - sk.testR2) < 1e-6, `closed form R² ${r.closedForm.testR2} vs ${sk.testR2}`);
    assert.ok(Math.abs(r.closedForm.testRmse - sk.testRmse) < 1e-5);
    // SGD lands near the least-squares optimum: predicting the mean would give R² ≈ 0
    assert.ok(r.sgd.testR2 > sk.testR2 - 0.01 && r.sgd.testR2 > 0.65, `SGD test R² ${r.sgd.testR2}`);
    assert.ok(r.sgd.testRmse < sk.testRmse * 1.02, `SGD RMSE ${r.sgd.testRmse}`);
    // SGD converges to the least-squares coefficients (standardised features, medv units)
    assert.ok(r.maxCoefGap < 0.15, `largest coefficient gap ${r.maxCoefGap}`);
    assert.ok(r.sgd.lastLoss < r.sgd.firstLoss / 4, `loss ${r.sgd.firstLoss} → ${r.sgd.lastLoss}`);
    const loaded = await loadModelDir(join(dir, "model"));
    assert.equal((loaded.config.architecture as { type: string }).type, "Sequential");
    for (const f of ["predicted-vs-actual.svg", "predicted-vs-actual.png", "sgd-loss.svg", "sgd-loss.png"]) assert.ok((await stat(join(dir, f))).size > 500, f);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
