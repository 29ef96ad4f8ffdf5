// The held-out evaluation of a trained model as a RunEvaluation: scalar metrics, confusion matrix and
// (binary) ROC and precision-recall curves, from true labels and the probabilities the model serves.
import {
  accuracy, averagePrecisionScore, confusionMatrix, f1Score, meanAbsoluteError, meanSquaredError, precision, precisionRecallCurve, r2Score,
  recall, rocAucScore, rocCurve,
} from "../metrics/index.js";
import type { RunEvaluation } from "./evaluation.js";

/** What a model predicts: a yes/no class, one of several classes, or a number. */
export type Task = RunEvaluation["task"];

/** Scores to evaluate: P(class 1) per row (binary), class probabilities per row (multiclass), or values (regression). */
export type Scores = number[] | number[][];

/** The most points a stored curve keeps: enough to draw, small enough for a JSON artifact. */
export const MAX_CURVE_POINTS = 200;

/** Keeps at most `max` evenly spaced points of parallel arrays, always the first and the last. */
export function downsample(arrays: number[][], max = MAX_CURVE_POINTS): number[][] {
  const n = arrays[0]?.length ?? 0;
  if (n <= max) return arrays.map((a) => a.slice());
  const idx = Array.from({ length: max }, (_, k) => Math.round((k * (n - 1)) / (max - 1)));
  return arrays.map((a) => idx.map((i) => a[i]));
}

/** The class a probability row predicts, the way the server reads it (binary: p >= 0.5 is class 1). */
export function predictedClasses(task: Task, scores: Scores): number[] {
  if (task === "binary") return (scores as number[]).map((p) => (p >= 0.5 ? 1 : 0));
  return (scores as number[][]).map((row) => row.reduce((best, p, k) => (p > row[best] ? k : best), 0));
}

/**
 * Evaluates held-out predictions. `yTrue` holds class ids (0..C-1, in `classes` order) or target
 * values; `scores` is what {@link Scores} describes for the task.
 */
export function evaluatePredictions(task: Task, yTrue: readonly number[], scores: Scores, classes: readonly string[] = [], split = "test"): RunEvaluation {
  if (yTrue.length === 0) throw new Error("evaluatePredictions: the held-out split has no rows");
  if (scores.length !== yTrue.length) throw new Error(`evaluatePredictions: ${scores.length} scores for ${yTrue.length} targets`);
  const t = yTrue.slice();
  if (task === "regression") {
    const v = scores as number[];
    const metrics: Record<string, number> = { mse: meanSquaredError(t, v), rmse: Math.sqrt(meanSquaredError(t, v)), mae: meanAbsoluteError(t, v) };
    if (t.length > 1) metrics.r2 = r2Score(t, v);
    return { split, task, metrics };
  }
  const pred = predictedClasses(task, scores);
  const labels = classes.map((_, k) => k);
  const metrics: Record<string, number> = { accuracy: accuracy(t, pred) };
  const evaluation: RunEvaluation = { split, task, metrics, classes: classes.slice(), confusionMatrix: confusionMatrix(t, pred, { labels }) };
  const bothClasses = new Set(t).size > 1;
  if (task === "binary") {
    const p = scores as number[];
    Object.assign(metrics, { precision: precision(t, pred), recall: recall(t, pred), f1: f1Score(t, pred) });
    if (bothClasses) {
      const roc = rocCurve(t, p);
      const pr = precisionRecallCurve(t, p);
      metrics.rocAuc = rocAucScore(t, p);
      metrics.averagePrecision = averagePrecisionScore(t, p);
      const [fpr, tpr] = downsample([roc.fpr, roc.tpr]);
      const [rec, prec] = downsample([pr.recall, pr.precision]);
      evaluation.roc = { fpr, tpr, auc: metrics.rocAuc };
      evaluation.pr = { recall: rec, precision: prec, averagePrecision: metrics.averagePrecision };
    }
  } else {
    Object.assign(metrics, {
      precision: precision(t, pred, { average: "macro", labels }),
      recall: recall(t, pred, { average: "macro", labels }),
      f1: f1Score(t, pred, { average: "macro", labels }),
    });
    // one-vs-rest AUC needs every class present in the held-out rows
    if (new Set(t).size === classes.length) metrics.rocAuc = rocAucScore(t, scores as number[][], { average: "macro", multiClass: "ovr", labels });
  }
  return evaluation;
}
