// Streaming metrics: several batches must give the functional value on the concatenation, which the
// other tests check against scikit-learn.
import assert from "node:assert/strict";
import { test } from "node:test";
import { tensor } from "../../src/index.js";
import {
  Accuracy, AUROC, F1Score, FBetaScore, LogLoss, Mean, MeanAbsoluteError, MeanSquaredError, Perplexity, Precision, R2Score, Recall, TopKAccuracy,
  accuracy, r2Score, type Metric, type MetricInput,
} from "../../src/metrics/index.js";
import { backendTest } from "../helpers/backends.js";
import { close, fx } from "./fixture.js";

/** Cuts `xs` into consecutive batches of the given sizes (the last takes the rest). */
function batches<T>(xs: readonly T[], sizes: number[]): T[][] {
  const out: T[][] = [];
  let at = 0;
  for (const s of sizes) {
    out.push(xs.slice(at, at + s));
    at += s;
  }
  out.push(xs.slice(at));
  return out;
}

const SIZES = [7, 1, 13];

type Rows = readonly number[] | readonly (readonly number[])[];

/** Feeds paired batches (cut at SIZES) to a metric and returns compute(). */
function stream(metric: Metric, preds: Rows, targets: Rows): number {
  const ps = batches<unknown>(preds, SIZES);
  const ts = batches<unknown>(targets, SIZES);
  ps.forEach((p, i) => metric.update(p as MetricInput, ts[i] as MetricInput));
  return metric.compute();
}

test("classification metrics over batches equal scikit-learn on the whole set", () => {
  const b = fx.binary;
  const m = fx.multiclass;
  close(stream(new Accuracy(), b.yScore, b.yTrue), b.accuracy, "Accuracy of thresholded probabilities");
  close(stream(new Accuracy(), m.yScore, m.yTrue), m.accuracyArgmax, "Accuracy of argmax");
  for (const k of [1, 2, 3]) close(stream(new TopKAccuracy(k), m.yScore, m.yTrue), m.topK[String(k)], `TopKAccuracy(${k})`);
  close(stream(new Precision(), b.yPred, b.yTrue), b.prf.binary.precision, "binary Precision");
  close(stream(new Recall({ posLabel: 0 }), b.yPred, b.yTrue), b.prfPosLabel0.binary.recall, "Recall of class 0");
  for (const average of ["micro", "macro", "weighted"] as const) {
    close(stream(new Precision({ average }), m.yPred, m.yTrue), m.prf[average].precision, `Precision ${average}`);
    close(stream(new Recall({ average }), m.yPred, m.yTrue), m.prf[average].recall, `Recall ${average}`);
    close(stream(new F1Score({ average }), m.yPred, m.yTrue), m.prf[average].f1, `F1Score ${average}`);
    close(stream(new FBetaScore(2, { average, zeroDivision: 1 }), m.yPred, m.yTrue), m.prfZeroDivision1[average]["fbeta2.0"], `FBetaScore(2) ${average}`);
  }
  close(stream(new AUROC(), b.yScore, b.yTrue), b.rocAuc, "binary AUROC");
  close(stream(new AUROC(), m.yScore, m.yTrue), m.rocAuc.ovr_macro, "multiclass AUROC");
  close(stream(new AUROC({ multiClass: "ovo", average: "weighted" }), m.yScore, m.yTrue), m.rocAuc.ovo_weighted, "AUROC ovo weighted");
  close(stream(new LogLoss(), m.yScore, m.yTrue), m.logLoss, "LogLoss multiclass");
  close(stream(new LogLoss(), b.yScore, b.yTrue), b.logLoss, "LogLoss binary, exact 0/1 probabilities clipped");
});

test("regression metrics over batches equal scikit-learn on the whole set", () => {
  const r = fx.regression;
  close(stream(new MeanSquaredError(), r.yPred, r.yTrue), r.mse, "MSE");
  close(stream(new MeanSquaredError({ squared: false }), r.y2Pred, r.y2True), r.rmse2, "RMSE [N, 3]");
  close(stream(new MeanAbsoluteError(), r.y2Pred, r.y2True), r.mae2, "MAE [N, 3]");
  close(stream(new R2Score(), r.yPred, r.yTrue), r.r2, "R2");
  close(stream(new R2Score(), r.y2Pred, r.y2True), r.r22, "R2 [N, 3]");
  close(stream(new R2Score({ multioutput: "varianceWeighted" }), r.y2Pred, r.y2True), r.r22VarianceWeighted, "R2 variance weighted");
});

test("streaming R² stays accurate on targets with a large offset", () => {
  // Σy² − (Σy)²/n would lose every digit of the variance here; the pairwise merge keeps them
  const yTrue = Array.from({ length: 40 }, (_, i) => 1e9 + ((i * 7) % 11) / 8);
  const yPred = yTrue.map((y, i) => y + ((i % 3) - 1) / 16);
  close(stream(new R2Score(), yPred, yTrue), r2Score(yTrue, yPred), "offset R2", 1e-9);
});

backendTest("streaming metrics read tensor batches; Perplexity equals PyTorch's", () => {
  const p = fx.perplexity;
  const [b, t, c] = p.shape;
  const metric = new Perplexity();
  for (let i = 0; i < b; i++) {
    metric.update(tensor(p.logits.slice(i * t * c, (i + 1) * t * c), { shape: [1, t, c] }), tensor(p.targets.slice(i * t, (i + 1) * t), { shape: [1, t], dtype: "int32" }));
  }
  close(metric.compute(), p.perplexity, "Perplexity over two batches (padding ignored)", 1e-5);
  const acc = new Accuracy();
  acc.update(tensor([[0.1, 0.9], [0.8, 0.2]]), tensor([1, 1], { dtype: "int32" }));
  acc.update(tensor([1, 0], { shape: [2, 1], dtype: "int32" }), [1, 1]);
  assert.equal(acc.compute(), 0.5, "argmax of [2, 2] scores, then [2, 1] integer labels");
  assert.throws(() => acc.update(tensor([2.5, -1.5]), [1, 0]), /holds 2.5 at index 0: .*set fromLogits: true/);
  const logits = new Accuracy({ fromLogits: true });
  logits.update(tensor([3, -2, 0.5]), [1, 0, 0]);
  assert.equal(logits.compute(), 2 / 3);
});

test("Mean weights values; reset forgets; compute before update throws", () => {
  const mean = new Mean();
  mean.update(2);
  mean.update(tensor([4, 6]), 2);
  assert.equal(mean.compute(), (2 + 8 + 12) / 5);
  mean.reset();
  assert.throws(() => mean.compute(), /Mean.compute: no samples were added since the last reset\(\)/);
  mean.update([1, 3]);
  assert.equal(mean.compute(), 2);
  const acc = new Accuracy();
  assert.throws(() => acc.compute(), /Accuracy.compute: no samples were added/);
  acc.update([1, 0], [1, 1]);
  assert.equal(acc.compute(), 0.5);
  acc.reset();
  acc.update([1], [1]);
  assert.equal(acc.compute(), 1, "reset dropped the first batch");
  assert.equal(new TopKAccuracy(5).name, "top5Accuracy");
  assert.equal(new MeanSquaredError({ squared: false }).name, "rmse");
  assert.equal(new Precision({ name: "val/precision" }).name, "val/precision");
  assert.equal(accuracy([1, 0], [1, 1]), 0.5);
});

test("the confusion metrics expose the accumulated confusion matrix", () => {
  const f1 = new F1Score({ average: "macro" });
  f1.update([0, 1], [0, 0]);
  f1.update([2, 1], [2, 1]);
  assert.deepEqual(f1.confusionMatrix(), [[1, 1, 0], [0, 1, 0], [0, 0, 1]]);
});

test("streaming errors name the metric and the problem", () => {
  assert.throws(() => new Accuracy().update([1, 0, 1], [1, 0]), /Accuracy.update: preds has 3 samples but targets has 2/);
  assert.throws(() => new TopKAccuracy(2).update([0.1, 0.9], [0, 1]), /TopKAccuracy.update: preds must be \[N, C\] scores, got \[2\]/);
  assert.throws(() => new TopKAccuracy(2).update([[0.1, 0.9]], [2]), /target 2 at index 0 is not a column of preds \[1, 2\]/);
  const auroc = new AUROC();
  auroc.update([0.1, 0.9], [0, 1]);
  assert.throws(() => auroc.update([[0.5, 0.5]], [0]), /preds have 2 columns but earlier batches had 1/);
  const single = new AUROC();
  single.update([0.1, 0.9], [1, 1]);
  assert.throws(() => single.compute(), /only one class present in yTrue; ROC AUC is not defined/);
  const r2 = new R2Score();
  r2.update([1, 2], [1, 2]);
  assert.throws(() => r2.update([[1, 2]], [[1, 2]]), /R2Score.update: this batch has 2 outputs but earlier batches had 1/);
  assert.throws(() => new Precision().compute(), /Precision.compute: no samples were added/);
  const multi = new Precision();
  multi.update([0, 1, 2], [0, 1, 2]);
  assert.throws(() => multi.compute(), /Precision.compute: the targets are multiclass/);
  assert.throws(() => new LogLoss().update([[0.5, 0.5]], [2]), /LogLoss.update: target 2 at index 0 is not a class of preds \[1, 2\]/);
  assert.throws(() => new Perplexity().update([[1, 2, 3]], [[0]]), /preds must be logits \[\.\.\., C\] and targets their shape minus C/);
  assert.throws(() => new Perplexity().update([[1, 2, 3]], [3]), /target 3 at index 0 is not a class index in \[0, 3\)/);
});
