// Accuracy and top-k accuracy.
import { readLabelPairs } from "./confusion.js";
import type { PredictionOptions } from "./decode.js";
import { asLabels, asVector, checkSameLength, fmtShape, readInput, uniqueSorted, type MetricInput } from "./input.js";

/** Options of {@link accuracy}. */
export interface AccuracyOptions extends PredictionOptions {
  /** false: return the number of correct samples instead of the fraction. Default true. */
  normalize?: boolean;
}

/**
 * Fraction of samples whose predicted label equals the target (scikit-learn's accuracy_score).
 * yPred may be labels, [N] probabilities (thresholded) or [N, C] scores (argmax).
 */
export function accuracy(yTrue: MetricInput, yPred: MetricInput, opts: AccuracyOptions = {}): number {
  const { t, p } = readLabelPairs("accuracy", yTrue, yPred, opts);
  let correct = 0;
  for (let i = 0; i < t.length; i++) if (t[i] === p[i]) correct++;
  if (opts.normalize === false) return correct;
  if (t.length === 0) throw new Error("accuracy: no samples");
  return correct / t.length;
}

/**
 * Whether the score of column `target` is among the k best of its row. The rank follows scikit-learn
 * (a stable ascending sort, reversed): among equal scores the higher column index ranks first.
 */
export function inTopK(row: ArrayLike<number>, offset: number, cols: number, target: number, k: number): boolean {
  const s = row[offset + target];
  let better = 0;
  for (let j = 0; j < cols; j++) {
    const v = row[offset + j];
    if (v > s || (v === s && j > target)) better++;
  }
  return better < k;
}

/** Options of {@link topKAccuracy}. */
export interface TopKOptions {
  /** Sorted class labels, one per column of yScore. Default: the sorted labels of yTrue when there are C of them, else column indices 0..C-1. */
  labels?: readonly number[];
  /** false: return the number of hits instead of the fraction. Default true. */
  normalize?: boolean;
}

/**
 * Fraction of samples whose true class is among the k highest scores (scikit-learn's
 * top_k_accuracy_score). yScore is [N, C]; for binary targets an [N] score is also accepted
 * (k = 1 thresholds it at 0.5 when it lies in [0, 1], else at 0; k ≥ 2 is always a hit).
 */
export function topKAccuracy(yTrue: MetricInput, yScore: MetricInput, k = 2, opts: TopKOptions = {}): number {
  const fn = "topKAccuracy";
  if (!Number.isInteger(k) || k < 1) throw new Error(`${fn}: k must be a positive integer, got ${k}`);
  const ht = readInput(yTrue, `${fn}: yTrue`);
  const hs = readInput(yScore, `${fn}: yScore`);
  const n = checkSameLength(fn, "yTrue", ht, "yScore", hs);
  const t = asLabels(ht, `${fn}: yTrue`);
  const cols = hs.shape.length === 2 ? hs.shape[1] : 1;
  if (hs.shape.length > 2) throw new Error(`${fn}: yScore must be [N, C] (or [N] for binary targets), got ${fmtShape(hs.shape)}`);
  const classes = classesFor(fn, t, cols === 1 ? 2 : cols, opts.labels);
  const code = new Map(classes.map((c, i) => [c, i]));
  let hits = 0;
  if (cols === 1) {
    const s = asVector(hs, `${fn}: yScore`);
    const threshold = s.every((v) => v >= 0 && v <= 1) ? 0.5 : 0;
    for (let i = 0; i < n; i++) if (k >= 2 || (s[i] > threshold ? 1 : 0) === code.get(t[i])) hits++;
  } else {
    for (let i = 0; i < n; i++) if (inTopK(hs.data, i * cols, cols, code.get(t[i]) as number, k)) hits++;
  }
  if (opts.normalize === false) return hits;
  if (n === 0) throw new Error(`${fn}: no samples`);
  return hits / n;
}

/** The class of each score column, validated against the targets. */
function classesFor(fn: string, t: Float64Array, nColumns: number, labels: readonly number[] | undefined): number[] {
  if (labels) {
    for (let i = 1; i < labels.length; i++) if (!(labels[i] > labels[i - 1])) throw new Error(`${fn}: labels must be distinct and sorted ascending, got ${JSON.stringify(labels)}`);
    if (labels.length !== nColumns) throw new Error(`${fn}: ${labels.length} labels given but yScore has ${nColumns} classes`);
    const known = new Set(labels);
    const stray = t.find((v) => !known.has(v));
    if (stray !== undefined) throw new Error(`${fn}: yTrue contains label ${stray}, which is not in labels`);
    return [...labels];
  }
  const present = uniqueSorted(t);
  if (present.length === nColumns) return present;
  // Fewer classes seen than columns: read the targets as column indices (PyTorch's convention).
  const stray = t.find((v) => v < 0 || v >= nColumns);
  if (stray !== undefined) {
    throw new Error(`${fn}: yTrue has ${present.length} classes but yScore has ${nColumns} columns, and label ${stray} is not a column index; pass labels`);
  }
  return Array.from({ length: nColumns }, (_, i) => i);
}
