// precision / recall / F-beta against scikit-learn (test/fixtures/metrics.json) and a hand-worked case.
import assert from "node:assert/strict";
import { test } from "node:test";
import { tensor } from "../../src/index.js";
import { f1Score, fbetaScore, precision, precisionRecallFscoreSupport, recall, type Average, type AverageOptions } from "../../src/metrics/index.js";
import { close, fx, type PrfFixture } from "./fixture.js";

const AVERAGES: Average[] = ["binary", "micro", "macro", "weighted"];

/** Checks every average of one fixture entry (computed by sklearn with the same extra options). */
function checkAll(name: string, yTrue: number[], yPred: number[], want: Record<string, PrfFixture>, extra: AverageOptions = {}): void {
  for (const average of AVERAGES) {
    const w = want[average];
    const opts = { ...extra, average };
    if (w.error) {
      assert.throws(() => precision(yTrue, yPred, opts), /multiclass .*average is "binary"/, `${name} ${average}`);
      continue;
    }
    close(precision(yTrue, yPred, opts), w.precision, `${name} precision ${average}`);
    close(recall(yTrue, yPred, opts), w.recall, `${name} recall ${average}`);
    close(f1Score(yTrue, yPred, opts), w.f1, `${name} f1 ${average}`);
    close(fbetaScore(yTrue, yPred, 0.5, opts), w["fbeta0.5"], `${name} f0.5 ${average}`);
    close(fbetaScore(yTrue, yPred, 2, opts), w["fbeta2.0"], `${name} f2 ${average}`);
  }
  const per = want.None;
  const got = precisionRecallFscoreSupport(yTrue, yPred, { labels: extra.labels, zeroDivision: extra.zeroDivision });
  close(got.precision, per.precision, `${name} per-class precision`);
  close(got.recall, per.recall, `${name} per-class recall`);
  close(got.fScore, per.f1, `${name} per-class f1`);
  assert.deepEqual(got.support, per.support, `${name} support`);
  close(precisionRecallFscoreSupport(yTrue, yPred, { beta: 2, labels: extra.labels, zeroDivision: extra.zeroDivision }).fScore, per["fbeta2.0"], `${name} per-class f2`);
}

test("binary precision/recall/F-beta match scikit-learn, for posLabel 1 and 0", () => {
  const b = fx.binary;
  checkAll("binary", b.yTrue, b.yPred, b.prf);
  checkAll("binary posLabel 0", b.yTrue, b.yPred, b.prfPosLabel0, { posLabel: 0 });
});

test("multiclass (class 3 never predicted) matches scikit-learn for zeroDivision 0 and 1 and a labels subset", () => {
  const m = fx.multiclass;
  checkAll("multiclass", m.yTrue, m.yPred, m.prf);
  checkAll("multiclass zeroDivision=1", m.yTrue, m.yPred, m.prfZeroDivision1, { zeroDivision: 1 });
  checkAll("multiclass labels [2, 0]", m.yTrue, m.yPred, m.prfLabels, { labels: [2, 0] });
  // the class never predicted has precision 0/0: zeroDivision decides it
  assert.equal(precisionRecallFscoreSupport(m.yTrue, m.yPred).precision[3], 0);
  assert.equal(precisionRecallFscoreSupport(m.yTrue, m.yPred, { zeroDivision: 1 }).precision[3], 1);
});

test("labels that are not 0..C-1 match scikit-learn", () => {
  const o = fx.oddLabels;
  checkAll("labels {1,4,7}", o.yTrue, o.yPred, o.prf);
});

test("hand-worked 2x2 case: tp=3, fp=2, fn=1, tn=2", () => {
  const yTrue = [1, 1, 1, 0, 0, 0, 1, 0];
  const yPred = [1, 0, 1, 0, 1, 1, 1, 0];
  assert.equal(precision(yTrue, yPred), 3 / 5);
  assert.equal(recall(yTrue, yPred), 3 / 4);
  close(f1Score(yTrue, yPred), (2 * 0.6 * 0.75) / (0.6 + 0.75), "f1");
  // class 0: tp=2, predicted 3, true 4
  close(precision(yTrue, yPred, { posLabel: 0 }), 2 / 3, "precision of class 0");
  close(precision(yTrue, yPred, { average: "macro" }), (3 / 5 + 2 / 3) / 2, "macro precision");
  close(precision(yTrue, yPred, { average: "micro" }), 5 / 8, "micro precision = accuracy");
  close(recall(yTrue, yPred, { average: "weighted" }), (4 * 0.5 + 4 * 0.75) / 8, "weighted recall");
  // beta = 0 is precision, beta = Infinity is recall
  close(fbetaScore(yTrue, yPred, 0), 3 / 5, "F0");
  close(fbetaScore(yTrue, yPred, Infinity), 3 / 4, "F∞");
});

test("predictions may be tensors, probabilities, [N, C] scores or logits", () => {
  const yTrue = tensor([1, 1, 1, 0, 0, 0, 1, 0], { dtype: "int32" });
  const probs = [0.9, 0.2, 0.7, 0.1, 0.6, 0.55, 0.8, 0.4];
  assert.equal(precision(yTrue, probs), 3 / 5);
  assert.equal(precision(yTrue, tensor(probs, { shape: [8, 1] })), 3 / 5);
  const logits = probs.map((p) => Math.log(p / (1 - p)));
  assert.equal(precision(yTrue, logits, { fromLogits: true }), 3 / 5);
  const scores = probs.map((p) => [1 - p, p]);
  assert.equal(recall(yTrue, scores), 3 / 4);
  // a higher threshold removes the 0.55 and 0.6 false positives and the 0.7 true positive
  assert.equal(precision(yTrue, probs, { threshold: 0.75 }), 1);
  assert.equal(recall(yTrue, probs, { threshold: 0.75 }), 2 / 4);
});

test("bad arguments are named", () => {
  assert.throws(() => precision([0, 1, 2], [0, 1]), /precision: yTrue has 3 samples but yPred has 2/);
  assert.throws(() => precision([0, 1], [0, 1], { posLabel: 2 }), /posLabel=2 is not a valid label; it should be one of \[0,1\]/);
  assert.throws(() => f1Score([0, 1, 2], [0, 1, 2]), /multiclass .*"micro", "macro" or "weighted"/);
  assert.throws(() => fbetaScore([0, 1], [0, 1], -1), /beta must be >= 0, got -1/);
  assert.throws(() => precision([0, 1], [0, 1], { zeroDivision: 2 as 0 }), /zeroDivision must be 0 or 1/);
  assert.throws(() => precision([0, 1], [0.5, 3.5]), /yPred holds 3.5 at index 1/);
  assert.throws(() => precision([0, 1.5], [0, 1]), /yTrue must hold integer class labels, got 1.5 at index 1/);
  assert.throws(() => precision([0, 1], [0, 1], { average: "samples" as "macro" }), /average must be/);
});
