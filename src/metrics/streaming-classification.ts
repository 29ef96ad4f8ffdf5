// Streaming classification metrics. preds are [N, C] scores (argmax), [N] / [N, 1] probabilities
// (thresholded; logits need fromLogits: true) or integer labels; targets are integer labels.
import { inTopK } from "./accuracy.js";
import { ConfusionCounts, confusionFromCounts } from "./confusion.js";
import { predictedLabels, type PredictionOptions } from "./decode.js";
import { asLabels, checkFinite, fmtShape, isMatrix, type MetricInput } from "./input.js";
import { averagedFromCounts, type AverageOptions } from "./precision-recall.js";
import { rocAucOfHost, type RocAucOptions } from "./ranking.js";
import { nothingSeen, readBatch, type Metric, type MetricOptions } from "./streaming.js";

/** Fraction of correct predictions over every batch. */
export class Accuracy implements Metric {
  readonly name: string;
  private correct = 0;
  private total = 0;

  constructor(private readonly opts: PredictionOptions & MetricOptions = {}) {
    this.name = opts.name ?? "accuracy";
  }

  update(preds: MetricInput, targets: MetricInput): void {
    const { hp, ht } = readBatch("Accuracy", preds, targets);
    const p = predictedLabels(hp, "Accuracy.update: preds", this.opts);
    const t = asLabels(ht, "Accuracy.update: targets");
    for (let i = 0; i < t.length; i++) if (t[i] === p[i]) this.correct++;
    this.total += t.length;
  }

  compute(): number {
    if (this.total === 0) throw nothingSeen("Accuracy");
    return this.correct / this.total;
  }

  reset(): void {
    this.correct = this.total = 0;
  }
}

/**
 * Fraction of samples whose target column is among the k highest of [N, C] scores. Targets are column
 * indices; ties rank the higher column first, as scikit-learn's top_k_accuracy_score.
 */
export class TopKAccuracy implements Metric {
  readonly name: string;
  private hits = 0;
  private total = 0;

  constructor(readonly k: number, opts: MetricOptions = {}) {
    if (!Number.isInteger(k) || k < 1) throw new Error(`TopKAccuracy: k must be a positive integer, got ${k}`);
    this.name = opts.name ?? `top${k}Accuracy`;
  }

  update(preds: MetricInput, targets: MetricInput): void {
    const fn = "TopKAccuracy.update";
    const { hp, ht } = readBatch("TopKAccuracy", preds, targets);
    if (hp.shape.length !== 2) throw new Error(`${fn}: preds must be [N, C] scores, got ${fmtShape(hp.shape)}`);
    const t = asLabels(ht, `${fn}: targets`);
    const cols = hp.shape[1];
    for (let i = 0; i < t.length; i++) {
      if (t[i] < 0 || t[i] >= cols) throw new Error(`${fn}: target ${t[i]} at index ${i} is not a column of preds ${fmtShape(hp.shape)}`);
      if (inTopK(hp.data, i * cols, cols, t[i], this.k)) this.hits++;
    }
    this.total += t.length;
  }

  compute(): number {
    if (this.total === 0) throw nothingSeen("TopKAccuracy");
    return this.hits / this.total;
  }

  reset(): void {
    this.hits = this.total = 0;
  }
}

/** Options of the confusion-matrix metrics: averaging as the functional ones, plus how preds are read. */
export type ConfusionMetricOptions = AverageOptions & MetricOptions;

/** A metric computed from an accumulated confusion matrix (labels are discovered as they appear). */
abstract class ConfusionMetric implements Metric {
  readonly name: string;
  protected readonly counts = new ConfusionCounts();

  protected constructor(
    private readonly className: string,
    defaultName: string,
    protected readonly opts: ConfusionMetricOptions,
  ) {
    this.name = opts.name ?? defaultName;
  }

  update(preds: MetricInput, targets: MetricInput): void {
    const { hp, ht } = readBatch(this.className, preds, targets);
    const p = predictedLabels(hp, `${this.className}.update: preds`, this.opts);
    this.counts.add(asLabels(ht, `${this.className}.update: targets`), p);
  }

  /** The accumulated confusion matrix (rows true, columns predicted) over `labels` (default: every label seen). */
  confusionMatrix(labels?: readonly number[]): number[][] {
    return confusionFromCounts(`${this.className}.confusionMatrix`, this.counts, { labels });
  }

  protected scores(beta: number): { precision: number; recall: number; fScore: number } {
    if (this.counts.count === 0) throw nothingSeen(this.className);
    return averagedFromCounts(`${this.className}.compute`, this.counts, beta, this.opts);
  }

  abstract compute(): number;

  reset(): void {
    this.counts.clear();
  }
}

/** Precision over every batch, averaged as the functional `precision` (default "binary", posLabel 1). */
export class Precision extends ConfusionMetric {
  constructor(opts: ConfusionMetricOptions = {}) {
    super("Precision", "precision", opts);
  }

  compute(): number {
    return this.scores(1).precision;
  }
}

/** Recall over every batch, averaged as the functional `recall` (default "binary", posLabel 1). */
export class Recall extends ConfusionMetric {
  constructor(opts: ConfusionMetricOptions = {}) {
    super("Recall", "recall", opts);
  }

  compute(): number {
    return this.scores(1).recall;
  }
}

/** F1 over every batch, averaged as the functional `f1Score` (default "binary", posLabel 1). */
export class F1Score extends ConfusionMetric {
  constructor(opts: ConfusionMetricOptions = {}) {
    super("F1Score", "f1", opts);
  }

  compute(): number {
    return this.scores(1).fScore;
  }
}

/** F-beta over every batch, averaged as the functional `fbetaScore`. */
export class FBetaScore extends ConfusionMetric {
  constructor(readonly beta: number, opts: ConfusionMetricOptions = {}) {
    super("FBetaScore", `f${beta}`, opts);
  }

  compute(): number {
    return this.scores(this.beta).fScore;
  }
}

/**
 * Exact ROC AUC over every batch: keeps all scores and targets (memory grows with the samples seen)
 * and computes rocAucScore on them. preds are [N] scores for binary targets or [N, C] probabilities.
 */
export class AUROC implements Metric {
  readonly name: string;
  private targets: Float64Array[] = [];
  private scores: Float64Array[] = [];
  private columns = 0;
  private total = 0;

  constructor(private readonly opts: RocAucOptions & MetricOptions = {}) {
    this.name = opts.name ?? "auroc";
  }

  update(preds: MetricInput, targets: MetricInput): void {
    const fn = "AUROC.update";
    const { hp, ht } = readBatch("AUROC", preds, targets);
    if (hp.shape.length > 2) throw new Error(`${fn}: preds must be [N] or [N, C] scores, got ${fmtShape(hp.shape)}`);
    const cols = isMatrix(hp) ? hp.shape[1] : 1;
    if (this.total > 0 && cols !== this.columns) throw new Error(`${fn}: preds have ${cols} columns but earlier batches had ${this.columns}`);
    checkFinite(hp.data, `${fn}: preds`);
    // readInput always gives fresh arrays, so they can be kept without copying
    this.targets.push(asLabels(ht, `${fn}: targets`));
    this.scores.push(hp.data);
    this.columns = cols;
    this.total += ht.shape[0];
  }

  compute(): number {
    if (this.total === 0) throw nothingSeen("AUROC");
    const t = concat(this.targets, this.total);
    const s = concat(this.scores, this.total * this.columns);
    const shape = this.columns === 1 ? [this.total] : [this.total, this.columns];
    return rocAucOfHost("AUROC.compute", t, { data: s, shape, float32: false, integerTyped: false }, this.opts);
  }

  reset(): void {
    this.targets = [];
    this.scores = [];
    this.columns = this.total = 0;
  }
}

function concat(chunks: readonly Float64Array[], length: number): Float64Array {
  const out = new Float64Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
