// Regression metrics against scikit-learn and by hand.
import assert from "node:assert/strict";
import { test } from "node:test";
import { tensor } from "../../src/index.js";
import { meanAbsoluteError, meanSquaredError, r2Score, rootMeanSquaredError } from "../../src/metrics/index.js";
import { backendTest } from "../helpers/backends.js";
import { close, fx } from "./fixture.js";

test("MSE, RMSE, MAE and R² match scikit-learn for one and three outputs", () => {
  const r = fx.regression;
  close(meanSquaredError(r.yTrue, r.yPred), r.mse, "mse");
  close(rootMeanSquaredError(r.yTrue, r.yPred), r.rmse, "rmse");
  close(meanAbsoluteError(r.yTrue, r.yPred), r.mae, "mae");
  close(r2Score(r.yTrue, r.yPred), r.r2, "r2");
  close(meanSquaredError(r.y2True, r.y2Pred), r.mse2, "mse [N, 3]");
  close(rootMeanSquaredError(r.y2True, r.y2Pred), r.rmse2, "rmse [N, 3]: root per output, then mean");
  close(meanAbsoluteError(r.y2True, r.y2Pred), r.mae2, "mae [N, 3]");
  close(r2Score(r.y2True, r.y2Pred), r.r22, "r2 [N, 3]");
  close(r2Score(r.y2True, r.y2Pred, { multioutput: "varianceWeighted" }), r.r22VarianceWeighted, "r2 variance weighted");
  const constant = new Array<number>(r.yTrue.length).fill(1.5);
  close(r2Score(constant, constant), r.r2ConstantExact, "constant target predicted exactly");
  close(r2Score(constant, r.yPred), r.r2ConstantMissed, "constant target missed");
});

backendTest("regression metrics by hand, on tensors and [N, 1] columns", () => {
  const y = tensor([1, 2, 3, 4]);
  const p = tensor([2, 2, 1, 4], { shape: [4, 1] });
  assert.equal(meanSquaredError(y, p), (1 + 0 + 4 + 0) / 4);
  assert.equal(rootMeanSquaredError(y, p), Math.sqrt(5 / 4));
  assert.equal(meanAbsoluteError(y, p), 3 / 4);
  // SS_res = 5, SS_tot = 2.25 + 0.25 + 0.25 + 2.25 = 5
  assert.equal(r2Score(y, p), 0);
  assert.equal(r2Score([1, 2, 3], [1, 2, 3]), 1);
});

test("regression errors name the problem", () => {
  assert.throws(() => meanSquaredError([1, 2, 3], [1, 2]), /meanSquaredError: yTrue has 3 samples but yPred has 2/);
  assert.throws(() => meanSquaredError([[1, 2], [3, 4]], [[1, 2, 3], [4, 5, 6]]), /yTrue has 2 outputs \(\[2, 2\]\) but yPred has 3 \(\[2, 3\]\)/);
  assert.throws(() => meanAbsoluteError([1, NaN], [1, 2]), /yTrue contains NaN at index 1/);
  assert.throws(() => r2Score([1], [1]), /R² is not defined with fewer than two samples, got 1/);
  assert.throws(() => meanSquaredError([], []), /meanSquaredError: no samples/);
  assert.throws(() => r2Score([1, 2], [1, 2], { multioutput: "raw" as "uniformAverage" }), /multioutput must be "uniformAverage" or "varianceWeighted"/);
});
