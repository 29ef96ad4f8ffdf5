// ROC / precision-recall curves, ROC AUC and average precision against scikit-learn and by hand.
import assert from "node:assert/strict";
import { test } from "node:test";
import { softmax, tensor } from "../../src/index.js";
import { auc, averagePrecisionScore, precisionRecallCurve, rocAucScore, rocCurve } from "../../src/metrics/index.js";
import { backendTest } from "../helpers/backends.js";
import { close, fx, type PrFixture, type RocFixture } from "./fixture.js";

function sameRoc(got: RocFixture, want: RocFixture, what: string): void {
  close(got.fpr, want.fpr, `${what} fpr`);
  close(got.tpr, want.tpr, `${what} tpr`);
  close(got.thresholds, want.thresholds, `${what} thresholds`);
}

function samePr(got: PrFixture, want: PrFixture, what: string): void {
  close(got.precision, want.precision, `${what} precision`);
  close(got.recall, want.recall, `${what} recall`);
  close(got.thresholds, want.thresholds, `${what} thresholds`);
}

test("ROC curves match scikit-learn: tied scores, drop_intermediate on and off, posLabel", () => {
  const b = fx.binary;
  sameRoc(rocCurve(b.yTrue, b.yScore), b.roc, "default");
  sameRoc(rocCurve(b.yTrue, b.yScore, { dropIntermediate: false }), b.rocAll, "all thresholds");
  sameRoc(rocCurve(b.yTrue, b.yScore, { posLabel: 0 }), b.rocPosLabel0, "posLabel 0");
  sameRoc(rocCurve(fx.oddLabels.yBinary, fx.oddLabels.sBinary), fx.oddLabels.rocBinary, "{-1, 1} targets");
  assert.ok(b.rocAll.fpr.length > b.roc.fpr.length, "the fixture has intermediate points to drop");
});

test("ROC AUC matches scikit-learn: binary, labels {2, 5}, multiclass ovr and ovo", () => {
  close(rocAucScore(fx.binary.yTrue, fx.binary.yScore), fx.binary.rocAuc, "binary");
  close(rocAucScore(fx.oddLabels.yBinary, fx.oddLabels.sBinary), fx.oddLabels.rocAucBinary, "{-1, 1}");
  close(rocAucScore(fx.oddLabels.y25, fx.oddLabels.s25), fx.oddLabels.rocAuc25, "{2, 5}: 5 is positive");
  const m = fx.multiclass;
  for (const [key, want] of Object.entries(m.rocAuc)) {
    const [multiClass, average] = key.split("_") as ["ovr" | "ovo", "macro" | "weighted" | "micro"];
    close(rocAucScore(m.yTrue, m.yScore, { multiClass, average }), want, `multiclass ${key}`);
  }
  // [N, 2] scores: the column of the larger label
  close(rocAucScore(fx.binary.yTrue, fx.binary.yScore.map((s) => [1 - s, s])), fx.binary.rocAuc, "[N, 2] scores");
});

test("precision-recall curves and average precision match scikit-learn", () => {
  const b = fx.binary;
  samePr(precisionRecallCurve(b.yTrue, b.yScore), b.pr, "default");
  samePr(precisionRecallCurve(b.yTrue, b.yScore, { posLabel: 0 }), b.prPosLabel0, "posLabel 0");
  close(averagePrecisionScore(b.yTrue, b.yScore), b.averagePrecision, "binary AP");
  close(averagePrecisionScore(b.yTrue, b.yScore.map((s) => 1 - s), { posLabel: 0 }), b.averagePrecisionPosLabel0, "AP of class 0");
  close(averagePrecisionScore(fx.oddLabels.y25, fx.oddLabels.s25, { posLabel: 5 }), fx.oddLabels.averagePrecision25PosLabel5, "AP {2, 5}");
  for (const [average, want] of Object.entries(fx.multiclass.averagePrecision)) {
    close(averagePrecisionScore(fx.multiclass.yTrue, fx.multiclass.yScore, { average: average as "macro" }), want, `multiclass AP ${average}`);
  }
});

test("hand-worked ROC: four samples, one tie across classes", () => {
  // scores 0.9 (pos), 0.6 (neg), 0.6 (pos), 0.1 (neg): thresholds 0.9, 0.6, 0.1
  const roc = rocCurve([1, 0, 1, 0], [0.9, 0.6, 0.6, 0.1], { dropIntermediate: false });
  assert.deepEqual(roc.thresholds, [1.9, 0.9, 0.6, 0.1]);
  assert.deepEqual(roc.tpr, [0, 0.5, 1, 1]);
  assert.deepEqual(roc.fpr, [0, 0, 0.5, 1]);
  // area: 0.5 * 0.75 (the tied step is a diagonal) + 0.5 * 1 = 0.875 = P(pos > neg) with ties counted half
  assert.equal(rocAucScore([1, 0, 1, 0], [0.9, 0.6, 0.6, 0.1]), 0.875);
  assert.equal(auc([0, 0.5, 1], [0, 1, 1]), 0.75);
  assert.equal(auc([1, 0.5, 0], [1, 1, 0]), 0.75, "decreasing x");
  // PR by hand: thresholds 0.1, 0.6, 0.9 → precision 2/4, 2/3, 1/1; recall 1, 1, 1/2
  const pr = precisionRecallCurve([1, 0, 1, 0], [0.9, 0.6, 0.6, 0.1]);
  assert.deepEqual(pr.thresholds, [0.1, 0.6, 0.9]);
  assert.deepEqual(pr.precision, [0.5, 2 / 3, 1, 1]);
  assert.deepEqual(pr.recall, [1, 1, 0.5, 0]);
  close(averagePrecisionScore([1, 0, 1, 0], [0.9, 0.6, 0.6, 0.1]), 0.5 * 1 + 0.5 * (2 / 3), "AP");
});

backendTest("ROC AUC of tensors: float32 scores, softmax probabilities", () => {
  const b = fx.binary;
  close(rocAucScore(tensor(b.yTrue, { dtype: "int32" }), tensor(b.yScore)), b.rocAuc, "binary tensors");
  // the fixture's probabilities are multiples of 1/64, exact in float32
  const m = fx.multiclass;
  close(rocAucScore(tensor(m.yTrue), tensor(m.yScore)), m.rocAuc.ovr_macro, "multiclass tensors");
  const logits = tensor([[2, 0, 1], [0, 3, 1], [1, 0, 2], [0.5, 0.2, 0.1]]);
  const y = [0, 1, 2, 0];
  assert.equal(rocAucScore(y, softmax(logits, 1)), 1);
  assert.throws(() => rocAucScore(y, logits), /must be probabilities summing to 1 over classes \(apply softmax\), but row 0 sums to 3/);
});

test("ranking errors name the problem", () => {
  assert.throws(() => rocAucScore([1, 1, 1], [0.2, 0.5, 0.9]), /rocAucScore: only one class present in yTrue; ROC AUC is not defined in that case/);
  assert.throws(() => rocAucScore([0, 1, 1], [0.2, 0.5]), /rocAucScore: yTrue has 3 samples but yScore has 2/);
  assert.throws(() => rocCurve([2, 5], [0.1, 0.9]), /yTrue takes values in \{2, 5\} and posLabel is not given/);
  assert.throws(() => rocCurve([0, 1], [0.1, NaN]), /yScore contains NaN at index 1/);
  assert.throws(() => rocAucScore([0, 1, 2], [0.1, 0.5, 0.9]), /yTrue has 3 classes, so yScore must be \[N, C\] probabilities/);
  assert.throws(() => rocAucScore([0, 1, 1], [[0.5, 0.5, 0], [0.2, 0.8, 0], [0.1, 0.9, 0]]), /yTrue has 2 classes but yScore has 3 columns; pass labels/);
  assert.throws(() => averagePrecisionScore([2, 5], [0.1, 0.9]), /posLabel=1 is not a valid label; it should be one of \[2,5\]/);
  assert.throws(() => auc([0, 1, 0.5], [0, 1, 1]), /x is neither increasing nor decreasing/);
});
