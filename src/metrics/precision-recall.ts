// Precision, recall and F-beta from confusion counts, with scikit-learn's averaging, posLabel and
// zeroDivision rules (sklearn 1.2's precision_recall_fscore_support).
import { checkLabelList, countPairs, type ConfusionCounts } from "./confusion.js";
import type { PredictionOptions } from "./decode.js";
import type { MetricInput } from "./input.js";

/**
 * How per-class scores are combined: "binary" reports the class `posLabel` only (the targets may hold
 * at most two labels); "micro" pools the counts of every class; "macro" is the unweighted mean over
 * classes; "weighted" is the mean weighted by each class's support.
 */
export type Average = "binary" | "micro" | "macro" | "weighted";

/** Options shared by precision, recall, f1Score and fbetaScore. */
export interface AverageOptions extends PredictionOptions {
  /** Default "binary", as scikit-learn. */
  average?: Average;
  /** The positive class when average is "binary". Default 1. */
  posLabel?: number;
  /** Classes to score (and average over) when average is not "binary". Default: sorted union of yTrue and yPred. */
  labels?: readonly number[];
  /** Value of a ratio whose denominator is 0 (no predicted or no true samples of a class). Default 0. */
  zeroDivision?: 0 | 1;
}

/** Per-class precision, recall, F-beta and support, in the order of `labels`. */
export interface PerClassScores {
  labels: number[];
  precision: number[];
  recall: number[];
  fScore: number[];
  /** Number of true samples of each class. */
  support: number[];
}

/** One averaged precision, recall and F-beta. */
export interface AveragedScores {
  precision: number;
  recall: number;
  fScore: number;
}

function checkZeroDivision(fn: string, z: number): void {
  if (z !== 0 && z !== 1) throw new Error(`${fn}: zeroDivision must be 0 or 1, got ${z}`);
}

function checkBeta(fn: string, beta: number): void {
  if (typeof beta !== "number" || !(beta >= 0)) throw new Error(`${fn}: beta must be >= 0, got ${beta}`);
}

function ratio(num: number, den: number, zeroDivision: number): number {
  return den === 0 ? zeroDivision : num / den;
}

function fbetaOf(p: number, r: number, beta: number): number {
  if (beta === Infinity) return r;
  const b2 = beta * beta;
  const den = b2 * p + r;
  return den === 0 ? 0 : ((1 + b2) * p * r) / den;
}

function scoresOf(tp: number[], predSum: number[], trueSum: number[], beta: number, zd: number): { p: number[]; r: number[]; f: number[] } {
  const p = tp.map((t, i) => ratio(t, predSum[i], zd));
  const r = tp.map((t, i) => ratio(t, trueSum[i], zd));
  return { p, r, f: p.map((pi, i) => fbetaOf(pi, r[i], beta)) };
}

/** The labels scored under `average`, validated as scikit-learn's _check_set_wise_labels does. */
function labelsFor(fn: string, counts: ConfusionCounts, average: Average, opts: AverageOptions): number[] {
  const present = counts.labels();
  if (average === "binary") {
    if (present.length > 2) {
      throw new Error(`${fn}: the targets are multiclass (labels ${JSON.stringify(present)}) but average is "binary"; choose "micro", "macro" or "weighted"`);
    }
    const pos = opts.posLabel ?? 1;
    if (present.length === 2 && !present.includes(pos)) {
      throw new Error(`${fn}: posLabel=${pos} is not a valid label; it should be one of ${JSON.stringify(present)}`);
    }
    return [pos];
  }
  if (!["micro", "macro", "weighted"].includes(average)) {
    throw new Error(`${fn}: average must be "binary", "micro", "macro" or "weighted", got ${JSON.stringify(average)}`);
  }
  if (opts.labels) {
    checkLabelList(fn, opts.labels);
    if (opts.labels.length === 0) throw new Error(`${fn}: labels must not be empty`);
    return [...opts.labels];
  }
  return present;
}

/** Averaged precision, recall and F-beta of accumulated counts (shared with the streaming metrics). */
export function averagedFromCounts(fn: string, counts: ConfusionCounts, beta: number, opts: AverageOptions = {}): AveragedScores {
  checkBeta(fn, beta);
  const zd = opts.zeroDivision ?? 0;
  checkZeroDivision(fn, zd);
  const average = opts.average ?? "binary";
  const labels = labelsFor(fn, counts, average, opts);
  let { tp, predSum, trueSum } = counts.sums(labels);
  if (average === "micro") {
    const total = (a: number[]): number[] => [a.reduce((x, y) => x + y, 0)];
    [tp, predSum, trueSum] = [total(tp), total(predSum), total(trueSum)];
  }
  const { p, r, f } = scoresOf(tp, predSum, trueSum, beta, zd);
  if (average === "weighted") {
    const weightTotal = trueSum.reduce((a, b) => a + b, 0);
    if (weightTotal === 0) {
      // No true samples of any scored class: scikit-learn's special case.
      const noPredictions = predSum.every((v) => v === 0);
      return noPredictions ? { precision: zd, recall: zd, fScore: zd } : { precision: 0, recall: zd, fScore: 0 };
    }
    const wmean = (xs: number[]): number => xs.reduce((s, x, i) => s + x * trueSum[i], 0) / weightTotal;
    return { precision: wmean(p), recall: wmean(r), fScore: wmean(f) };
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { precision: mean(p), recall: mean(r), fScore: mean(f) };
}

/** Per-class scores of accumulated counts (shared with classificationReport). */
export function perClassFromCounts(fn: string, counts: ConfusionCounts, beta: number, labels: readonly number[] | undefined, zeroDivision: 0 | 1 = 0): PerClassScores {
  checkBeta(fn, beta);
  checkZeroDivision(fn, zeroDivision);
  if (labels) checkLabelList(fn, labels);
  const ls = labels ? [...labels] : counts.labels();
  const { tp, predSum, trueSum } = counts.sums(ls);
  const { p, r, f } = scoresOf(tp, predSum, trueSum, beta, zeroDivision);
  return { labels: ls, precision: p, recall: r, fScore: f, support: trueSum };
}

/**
 * Precision, recall, F-beta and support of every class (scikit-learn's precision_recall_fscore_support
 * with average=None). yPred may be labels, [N] probabilities or [N, C] scores.
 */
export function precisionRecallFscoreSupport(
  yTrue: MetricInput,
  yPred: MetricInput,
  opts: PredictionOptions & { beta?: number; labels?: readonly number[]; zeroDivision?: 0 | 1 } = {},
): PerClassScores {
  const fn = "precisionRecallFscoreSupport";
  return perClassFromCounts(fn, countPairs(fn, yTrue, yPred, opts), opts.beta ?? 1, opts.labels, opts.zeroDivision);
}

/** Precision tp / (tp + fp), averaged as `opts.average` says (default "binary" with posLabel 1). */
export function precision(yTrue: MetricInput, yPred: MetricInput, opts: AverageOptions = {}): number {
  return averagedFromCounts("precision", countPairs("precision", yTrue, yPred, opts), 1, opts).precision;
}

/** Recall tp / (tp + fn), averaged as `opts.average` says (default "binary" with posLabel 1). */
export function recall(yTrue: MetricInput, yPred: MetricInput, opts: AverageOptions = {}): number {
  return averagedFromCounts("recall", countPairs("recall", yTrue, yPred, opts), 1, opts).recall;
}

/** F1 = 2·P·R / (P + R), averaged as `opts.average` says (default "binary" with posLabel 1). */
export function f1Score(yTrue: MetricInput, yPred: MetricInput, opts: AverageOptions = {}): number {
  return averagedFromCounts("f1Score", countPairs("f1Score", yTrue, yPred, opts), 1, opts).fScore;
}

/** F-beta = (1 + β²)·P·R / (β²·P + R): recall counts β times as much as precision. */
export function fbetaScore(yTrue: MetricInput, yPred: MetricInput, beta: number, opts: AverageOptions = {}): number {
  return averagedFromCounts("fbetaScore", countPairs("fbetaScore", yTrue, yPred, opts), beta, opts).fScore;
}
