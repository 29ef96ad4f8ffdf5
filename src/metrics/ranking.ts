// Threshold-free metrics of scores: ROC and precision-recall curves, ROC AUC and average precision,
// following scikit-learn 1.2's conventions (drop_intermediate, the first ROC threshold = max score + 1).
import { asLabels, checkFinite, checkSameLength, fmtShape, readInput, uniqueSorted, type HostArray, type MetricInput } from "./input.js";

/** A ROC curve: false and true positive rates at decreasing thresholds. */
export interface RocCurve {
  fpr: number[];
  tpr: number[];
  /** Decreasing; the first is max(score) + 1 (scikit-learn ≤ 1.2; 1.3+ uses Infinity), so the curve starts at (0, 0). */
  thresholds: number[];
}

/** A precision-recall curve: precision and recall at increasing thresholds, ending at (recall 0, precision 1). */
export interface PrecisionRecallCurve {
  precision: number[];
  recall: number[];
  /** Increasing; one fewer than precision and recall. */
  thresholds: number[];
}

/** Options of {@link rocCurve} and {@link precisionRecallCurve}. */
export interface CurveOptions {
  /** The positive class. Needed unless the targets lie in {0, 1} or {-1, 1}, where it is 1. */
  posLabel?: number;
}

/** Options of {@link rocCurve}. */
export interface RocCurveOptions extends CurveOptions {
  /** Drop thresholds that lie on a straight segment of the curve (the area is unchanged). Default true. */
  dropIntermediate?: boolean;
}

interface ClfCurve {
  fps: number[];
  tps: number[];
  thresholds: number[];
}

/**
 * False and true positive counts at each distinct score, scores taken in decreasing order
 * (scikit-learn's _binary_clf_curve). `positive[i]` is 1 for a positive sample.
 */
function binaryClfCurve(positive: Uint8Array, scores: Float64Array): ClfCurve {
  const n = scores.length;
  const order = new Uint32Array(n).map((_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const out: ClfCurve = { fps: [], tps: [], thresholds: [] };
  let tp = 0;
  for (let i = 0; i < n; i++) {
    tp += positive[order[i]];
    // a threshold closes after the last sample of each distinct score
    if (i === n - 1 || scores[order[i + 1]] !== scores[order[i]]) {
      out.tps.push(tp);
      out.fps.push(i + 1 - tp);
      out.thresholds.push(scores[order[i]]);
    }
  }
  return out;
}

/** The positive label implied by the targets when none is given (scikit-learn's _check_pos_label_consistency). */
function resolvePosLabel(fn: string, t: Float64Array, posLabel: number | undefined): number {
  if (posLabel !== undefined) return posLabel;
  const classes = uniqueSorted(t);
  if (classes.every((c) => c === 0 || c === 1) || classes.every((c) => c === -1 || c === 1)) return 1;
  throw new Error(`${fn}: yTrue takes values in {${classes.join(", ")}} and posLabel is not given: make yTrue take values in {0, 1} or {-1, 1} or pass posLabel`);
}

/** Targets and one score per sample for a binary curve. */
function readBinary(fn: string, yTrue: MetricInput, yScore: MetricInput, posLabel: number | undefined): { positive: Uint8Array; scores: Float64Array } {
  const ht = readInput(yTrue, `${fn}: yTrue`);
  const hs = readInput(yScore, `${fn}: yScore`);
  checkSameLength(fn, "yTrue", ht, "yScore", hs);
  const t = asLabels(ht, `${fn}: yTrue`);
  const classes = uniqueSorted(t);
  if (classes.length > 2 && posLabel === undefined) {
    throw new Error(`${fn}: yTrue holds ${classes.length} classes; a curve needs binary targets or an explicit posLabel`);
  }
  const pos = resolvePosLabel(fn, t, posLabel);
  const scores = binaryScoreColumn(fn, hs, classes, pos);
  return { positive: Uint8Array.from(t, (v) => (v === pos ? 1 : 0)), scores };
}

/**
 * One score per sample: an [N] / [N, 1] input as is, or the positive class's column of [N, 2] scores
 * (columns in sorted label order, {0, 1} when the targets show fewer than two labels).
 */
function binaryScoreColumn(fn: string, hs: HostArray, classes: readonly number[], positive: number): Float64Array {
  let scores: Float64Array;
  if (hs.shape.length === 1 || (hs.shape.length === 2 && hs.shape[1] === 1)) scores = hs.data;
  else if (hs.shape.length === 2 && hs.shape[1] === 2) {
    const cols = classes.length === 2 ? classes : [0, 1];
    const c = cols.indexOf(positive);
    if (c < 0) throw new Error(`${fn}: posLabel ${positive} is not one of the two classes ${JSON.stringify(cols)} of the [N, 2] scores`);
    scores = Float64Array.from({ length: hs.shape[0] }, (_, i) => hs.data[i * 2 + c]);
  } else {
    throw new Error(`${fn}: yScore must be [N] (or [N, 2]) scores for binary targets, got ${fmtShape(hs.shape)}`);
  }
  checkFinite(scores, `${fn}: yScore`);
  return scores;
}

/** ROC curve points of a binary problem (scikit-learn's roc_curve). Rates are NaN when a class is absent. */
export function rocCurve(yTrue: MetricInput, yScore: MetricInput, opts: RocCurveOptions = {}): RocCurve {
  const { positive, scores } = readBinary("rocCurve", yTrue, yScore, opts.posLabel);
  if (scores.length === 0) throw new Error("rocCurve: no samples");
  return rocFromCurve(binaryClfCurve(positive, scores), opts.dropIntermediate ?? true);
}

function rocFromCurve(c: ClfCurve, dropIntermediate: boolean): RocCurve {
  let { fps, tps, thresholds } = c;
  if (dropIntermediate && fps.length > 2) {
    // keep the corners: points where the second difference of fps or tps is non-zero, and both ends
    const keep: number[] = [0];
    for (let i = 1; i < fps.length - 1; i++) {
      if (fps[i + 1] - 2 * fps[i] + fps[i - 1] !== 0 || tps[i + 1] - 2 * tps[i] + tps[i - 1] !== 0) keep.push(i);
    }
    keep.push(fps.length - 1);
    [fps, tps, thresholds] = [keep.map((i) => fps[i]), keep.map((i) => tps[i]), keep.map((i) => thresholds[i])];
  }
  const fpTotal = fps[fps.length - 1];
  const tpTotal = tps[tps.length - 1];
  return {
    fpr: [0, ...fps].map((v) => (fpTotal > 0 ? v / fpTotal : NaN)),
    tpr: [0, ...tps].map((v) => (tpTotal > 0 ? v / tpTotal : NaN)),
    thresholds: [thresholds[0] + 1, ...thresholds],
  };
}

/** Area under a curve by the trapezoidal rule; x must be monotonic (either direction), as scikit-learn's auc. */
export function auc(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new Error(`auc: x has ${x.length} points but y has ${y.length}`);
  if (x.length < 2) throw new Error(`auc: at least 2 points are needed to compute the area under a curve, got ${x.length}`);
  let increasing = true;
  let decreasing = true;
  for (let i = 1; i < x.length; i++) {
    if (x[i] < x[i - 1]) increasing = false;
    if (x[i] > x[i - 1]) decreasing = false;
  }
  if (!increasing && !decreasing) throw new Error("auc: x is neither increasing nor decreasing");
  let area = 0;
  for (let i = 1; i < x.length; i++) area += ((x[i] - x[i - 1]) * (y[i] + y[i - 1])) / 2;
  return increasing ? area : -area;
}

/** ROC AUC of 0/1 targets; throws unless both classes occur. */
function binaryRocAuc(fn: string, positive: Uint8Array, scores: Float64Array): number {
  let pos = 0;
  for (const p of positive) pos += p;
  if (pos === 0 || pos === positive.length) {
    throw new Error(`${fn}: only one class present in yTrue; ROC AUC is not defined in that case`);
  }
  const roc = rocFromCurve(binaryClfCurve(positive, scores), true);
  return auc(roc.fpr, roc.tpr);
}

/** How per-class scores of a multiclass problem are combined (one-vs-rest; "micro" pools every (sample, class) pair). */
export type ScoreAverage = "macro" | "weighted" | "micro";

/** Options of {@link rocAucScore}. */
export interface RocAucOptions {
  /** Multiclass only. Default "macro". "micro" is for one-vs-rest only. */
  average?: ScoreAverage;
  /** Multiclass only: one-vs-rest ("ovr", default) or one-vs-one ("ovo", Hand & Till). */
  multiClass?: "ovr" | "ovo";
  /** Multiclass only: the sorted class of each score column. Default: the sorted labels of yTrue. */
  labels?: readonly number[];
}

/**
 * Area under the ROC curve (scikit-learn's roc_auc_score). Binary targets take [N] scores of the
 * larger label (or [N, 2] scores); multiclass targets take [N, C] probabilities (rows summing to 1,
 * e.g. softmax output) and are scored one-vs-rest or one-vs-one.
 */
export function rocAucScore(yTrue: MetricInput, yScore: MetricInput, opts: RocAucOptions = {}): number {
  const fn = "rocAucScore";
  const ht = readInput(yTrue, `${fn}: yTrue`);
  const hs = readInput(yScore, `${fn}: yScore`);
  checkSameLength(fn, "yTrue", ht, "yScore", hs);
  return rocAucOfHost(fn, asLabels(ht, `${fn}: yTrue`), hs, opts);
}

/** ROC AUC of labels `t` and host scores (shared with the streaming AUROC metric). */
export function rocAucOfHost(fn: string, t: Float64Array, hs: HostArray, opts: RocAucOptions = {}): number {
  const classes = uniqueSorted(t);
  const columns = hs.shape.length === 2 ? hs.shape[1] : 1;
  if (classes.length <= 2 && columns <= 2) {
    if (classes.length < 2) throw new Error(`${fn}: only one class present in yTrue; ROC AUC is not defined in that case`);
    const scores = binaryScoreColumn(fn, hs, classes, classes[1]);
    return binaryRocAuc(fn, Uint8Array.from(t, (v) => (v === classes[1] ? 1 : 0)), scores);
  }
  if (hs.shape.length !== 2) throw new Error(`${fn}: yTrue has ${classes.length} classes, so yScore must be [N, C] probabilities, got ${fmtShape(hs.shape)}`);
  checkFinite(hs.data, `${fn}: yScore`);
  checkRowsSumToOne(fn, hs);
  const columnClasses = columnLabels(fn, t, classes, columns, opts.labels);
  const average = opts.average ?? "macro";
  const multiClass = opts.multiClass ?? "ovr";
  if (multiClass === "ovo") {
    if (average === "micro") throw new Error(`${fn}: average "micro" is not defined for multiClass "ovo"; use "macro" or "weighted"`);
    return ovoRocAuc(fn, t, hs, columnClasses, average);
  }
  if (multiClass !== "ovr") throw new Error(`${fn}: multiClass must be "ovr" or "ovo", got ${JSON.stringify(multiClass)}`);
  return oneVsRest(fn, t, hs, columnClasses, average, (p, s) => binaryRocAuc(fn, p, s));
}

function checkRowsSumToOne(fn: string, hs: HostArray): void {
  const [n, c] = hs.shape;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < c; j++) s += hs.data[i * c + j];
    // numpy.allclose(1, s): |s - 1| <= atol + rtol·|s|, with a float32-friendly rtol
    if (!(Math.abs(s - 1) <= 1e-8 + 1e-5 * Math.abs(s))) {
      throw new Error(`${fn}: multiclass scores must be probabilities summing to 1 over classes (apply softmax), but row ${i} sums to ${s}`);
    }
  }
}

/** The class of each score column, checked against yTrue. */
function columnLabels(fn: string, t: Float64Array, classes: number[], columns: number, labels: readonly number[] | undefined): number[] {
  if (!labels) {
    if (classes.length !== columns) throw new Error(`${fn}: yTrue has ${classes.length} classes but yScore has ${columns} columns; pass labels`);
    return classes;
  }
  for (let i = 1; i < labels.length; i++) if (!(labels[i] > labels[i - 1])) throw new Error(`${fn}: labels must be distinct and sorted ascending, got ${JSON.stringify(labels)}`);
  if (labels.length !== columns) throw new Error(`${fn}: ${labels.length} labels given but yScore has ${columns} columns`);
  const known = new Set(labels);
  const stray = t.find((v) => !known.has(v));
  if (stray !== undefined) throw new Error(`${fn}: yTrue contains label ${stray}, which is not in labels`);
  return [...labels];
}

function column(hs: HostArray, j: number, rows?: readonly number[]): Float64Array {
  const c = hs.shape[1];
  const idx = rows ?? Array.from({ length: hs.shape[0] }, (_, i) => i);
  return Float64Array.from(idx, (i) => hs.data[i * c + j]);
}

type BinaryScore = (positive: Uint8Array, scores: Float64Array) => number;

/** One-vs-rest: a binary score per class column, then averaged (scikit-learn's _average_binary_score). */
function oneVsRest(fn: string, t: Float64Array, hs: HostArray, classes: readonly number[], average: ScoreAverage, score: BinaryScore): number {
  const [n, c] = hs.shape;
  if (average === "micro") {
    const positive = new Uint8Array(n * c);
    for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) positive[i * c + j] = t[i] === classes[j] ? 1 : 0;
    return score(positive, hs.data);
  }
  if (average !== "macro" && average !== "weighted") throw new Error(`${fn}: average must be "macro", "weighted" or "micro", got ${JSON.stringify(average)}`);
  let total = 0;
  let weightTotal = 0;
  classes.forEach((cls, j) => {
    const positive = Uint8Array.from(t, (v) => (v === cls ? 1 : 0));
    const support = positive.reduce((a, b) => a + b, 0);
    const w = average === "weighted" ? support : 1;
    if (w === 0) return; // a class with no weight adds nothing (and may be undefined on its own)
    total += w * score(positive, column(hs, j));
    weightTotal += w;
  });
  return weightTotal === 0 ? 0 : total / weightTotal;
}

/** One-vs-one AUC (Hand & Till): the mean over class pairs of the two one-sided AUCs. */
function ovoRocAuc(fn: string, t: Float64Array, hs: HostArray, classes: readonly number[], average: "macro" | "weighted"): number {
  if (average !== "macro" && average !== "weighted") throw new Error(`${fn}: average must be "macro" or "weighted" for "ovo", got ${JSON.stringify(average)}`);
  const present = classes.filter((cls) => t.includes(cls));
  let total = 0;
  let weightTotal = 0;
  for (let a = 0; a < present.length; a++) {
    for (let b = a + 1; b < present.length; b++) {
      const rows: number[] = [];
      t.forEach((v, i) => {
        if (v === present[a] || v === present[b]) rows.push(i);
      });
      const isA = Uint8Array.from(rows, (i) => (t[i] === present[a] ? 1 : 0));
      const isB = Uint8Array.from(isA, (v) => 1 - v);
      const pairScore = (binaryRocAuc(fn, isA, column(hs, classes.indexOf(present[a]), rows)) + binaryRocAuc(fn, isB, column(hs, classes.indexOf(present[b]), rows))) / 2;
      const w = average === "weighted" ? rows.length / t.length : 1;
      total += w * pairScore;
      weightTotal += w;
    }
  }
  return total / weightTotal;
}

/** Precision and recall at every distinct score threshold (scikit-learn 1.2's precision_recall_curve). */
export function precisionRecallCurve(yTrue: MetricInput, yScore: MetricInput, opts: CurveOptions = {}): PrecisionRecallCurve {
  const { positive, scores } = readBinary("precisionRecallCurve", yTrue, yScore, opts.posLabel);
  if (scores.length === 0) throw new Error("precisionRecallCurve: no samples");
  return prFromCurve(binaryClfCurve(positive, scores));
}

function prFromCurve(c: ClfCurve): PrecisionRecallCurve {
  const tpTotal = c.tps[c.tps.length - 1];
  const precision = c.tps.map((tp, i) => (tp + c.fps[i] === 0 ? 0 : tp / (tp + c.fps[i])));
  // no positives at all: recall is 1 at every threshold, as scikit-learn sets it
  const recall = c.tps.map((tp) => (tpTotal === 0 ? 1 : tp / tpTotal));
  return { precision: [...precision.reverse(), 1], recall: [...recall.reverse(), 0], thresholds: [...c.thresholds].reverse() };
}

/** Average precision Σ (Rₙ − Rₙ₋₁)·Pₙ of 0/1 targets: the step-wise area under the PR curve. */
function binaryAveragePrecision(positive: Uint8Array, scores: Float64Array): number {
  const pr = prFromCurve(binaryClfCurve(positive, scores));
  let s = 0;
  for (let i = 0; i + 1 < pr.recall.length; i++) s -= (pr.recall[i + 1] - pr.recall[i]) * pr.precision[i];
  return s;
}

/** Options of {@link averagePrecisionScore}. */
export interface AveragePrecisionOptions {
  /** Binary only: the positive class. Default 1. */
  posLabel?: number;
  /** Multiclass only (one-vs-rest over [N, C] scores). Default "macro". */
  average?: ScoreAverage;
}

/**
 * Average precision (scikit-learn's average_precision_score): binary targets with [N] scores of
 * posLabel, or multiclass targets with [N, C] scores averaged one-vs-rest.
 */
export function averagePrecisionScore(yTrue: MetricInput, yScore: MetricInput, opts: AveragePrecisionOptions = {}): number {
  const fn = "averagePrecisionScore";
  const ht = readInput(yTrue, `${fn}: yTrue`);
  const hs = readInput(yScore, `${fn}: yScore`);
  checkSameLength(fn, "yTrue", ht, "yScore", hs);
  const t = asLabels(ht, `${fn}: yTrue`);
  const classes = uniqueSorted(t);
  const columns = hs.shape.length === 2 ? hs.shape[1] : 1;
  if (t.length === 0) throw new Error(`${fn}: no samples`);
  if (classes.length <= 2 && columns <= 2) {
    const pos = opts.posLabel ?? 1;
    if (classes.length === 2 && !classes.includes(pos)) throw new Error(`${fn}: posLabel=${pos} is not a valid label; it should be one of ${JSON.stringify(classes)}`);
    const scores = binaryScoreColumn(fn, hs, classes, pos);
    return binaryAveragePrecision(Uint8Array.from(t, (v) => (v === pos ? 1 : 0)), scores);
  }
  if (hs.shape.length !== 2) throw new Error(`${fn}: yTrue has ${classes.length} classes, so yScore must be [N, C] scores, got ${fmtShape(hs.shape)}`);
  if (opts.posLabel !== undefined && opts.posLabel !== 1) throw new Error(`${fn}: posLabel applies to binary targets only; yTrue has ${classes.length} classes`);
  checkFinite(hs.data, `${fn}: yScore`);
  const columnClasses = columnLabels(fn, t, classes, columns, undefined);
  return oneVsRest(fn, t, hs, columnClasses, opts.average ?? "macro", binaryAveragePrecision);
}
