// classificationReport: the text byte for byte and the numbers against scikit-learn.
import assert from "node:assert/strict";
import { test } from "node:test";
import { classificationReport } from "../../src/metrics/index.js";
import { pyFixed } from "../../src/metrics/report.js";
import { close, fx } from "./fixture.js";

test("report text equals scikit-learn's, byte for byte", () => {
  const b = fx.binary;
  const m = fx.multiclass;
  assert.equal(classificationReport(b.yTrue, b.yPred).text, b.report);
  assert.equal(classificationReport(b.yTrue, b.yPred, { targetNames: ["ham", "spam"], digits: 4 }).text, b.reportNames);
  assert.equal(classificationReport(m.yTrue, m.yPred).text, m.report);
  assert.equal(classificationReport(m.yTrue, m.yPred, { digits: 4 }).text, m.reportDigits4);
  assert.equal(classificationReport(m.yTrue, m.yPred, { zeroDivision: 1 }).text, m.reportZeroDivision1);
  assert.equal(classificationReport(m.yTrue, m.yPred, { labels: [2, 0] }).text, m.reportLabels, "a labels subset reports micro avg, not accuracy");
  assert.equal(classificationReport(fx.oddLabels.yTrue, fx.oddLabels.yPred).text, fx.oddLabels.report);
});

test("report numbers equal scikit-learn's output_dict", () => {
  const m = fx.multiclass;
  const r = classificationReport(m.yTrue, m.yPred);
  const want = m.reportDict;
  const row = (key: string): Record<string, number> => want[key] as Record<string, number>;
  r.classes.forEach((c) => {
    const w = row(String(c.label));
    close([c.precision, c.recall, c.f1Score, c.support], [w.precision, w.recall, w["f1-score"], w.support], `class ${c.label}`);
  });
  close(r.accuracy ?? NaN, want.accuracy as number, "accuracy");
  for (const [key, got] of [["macro avg", r.macroAvg], ["weighted avg", r.weightedAvg]] as const) {
    const w = row(key);
    close([got.precision, got.recall, got.f1Score, got.support], [w.precision, w.recall, w["f1-score"], w.support], key);
  }
  assert.equal(r.microAvg, undefined);
  const subset = classificationReport(m.yTrue, m.yPred, { labels: [2, 0] });
  assert.equal(subset.accuracy, undefined);
  assert.ok(subset.microAvg);
});

test("pyFixed rounds exact ties to even as Python's format does, everything else as toFixed", () => {
  assert.equal(pyFixed(0.125, 2), "0.12");
  assert.equal(pyFixed(0.375, 2), "0.38");
  assert.equal(pyFixed(0.135, 2), "0.14"); // 0.135 is stored slightly above the tie
  assert.equal(pyFixed(-0.125, 2), "-0.12");
  assert.equal(pyFixed(2.5, 0), "2");
  assert.equal(pyFixed(3.5, 0), "4");
  assert.equal(pyFixed(0.25, 1), "0.2");
  assert.equal(pyFixed(NaN, 2), "nan");
});

test("report errors", () => {
  assert.throws(() => classificationReport([0, 1, 2], [0, 1, 1], { targetNames: ["a", "b"] }), /3 classes but 2 targetNames; pass labels/);
  assert.throws(() => classificationReport([0, 1], [0, 1, 1]), /classificationReport: yTrue has 2 samples but yPred has 3/);
  assert.throws(() => classificationReport([0, 1], [0, 1], { digits: -1 }), /digits must be an integer/);
});
