// Confusion counts: the sufficient statistics of every label-based classification metric. They are
// kept sparse (true label → predicted label → count) so labels need not be known in advance, which
// lets streaming metrics give exactly the functional value on the concatenated batches.
import { asLabels, checkSameLength, readInput, uniqueSorted, type MetricInput } from "./input.js";
import { predictedLabels, type PredictionOptions } from "./decode.js";

/** Sparse confusion counts over numeric labels. */
export class ConfusionCounts {
  private readonly byTrue = new Map<number, Map<number, number>>();
  private total = 0;

  /** Adds one count per (yTrue[i], yPred[i]) pair. */
  add(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): void {
    for (let i = 0; i < yTrue.length; i++) {
      let row = this.byTrue.get(yTrue[i]);
      if (!row) this.byTrue.set(yTrue[i], (row = new Map()));
      row.set(yPred[i], (row.get(yPred[i]) ?? 0) + 1);
    }
    this.total += yTrue.length;
  }

  /** Number of pairs added. */
  get count(): number {
    return this.total;
  }

  /** Number of samples whose true label is t and predicted label is p. */
  get(t: number, p: number): number {
    return this.byTrue.get(t)?.get(p) ?? 0;
  }

  /** Sorted distinct labels seen in either role (scikit-learn's unique_labels(y_true, y_pred)). */
  labels(): number[] {
    const all: number[] = [];
    for (const [t, row] of this.byTrue) {
      all.push(t);
      for (const p of row.keys()) all.push(p);
    }
    return uniqueSorted(all);
  }

  /** Distinct true labels seen. */
  trueLabels(): number[] {
    return uniqueSorted([...this.byTrue.keys()]);
  }

  /** Number of correctly predicted samples. */
  correct(): number {
    let c = 0;
    for (const [t, row] of this.byTrue) c += row.get(t) ?? 0;
    return c;
  }

  /** Per-label true positives, predicted counts and true counts (over all samples, like scikit-learn). */
  sums(labels: readonly number[]): { tp: number[]; predSum: number[]; trueSum: number[] } {
    const tp = labels.map((l) => this.get(l, l));
    const trueSum = labels.map((l) => {
      let s = 0;
      for (const c of this.byTrue.get(l)?.values() ?? []) s += c;
      return s;
    });
    const predSum = labels.map((l) => {
      let s = 0;
      for (const row of this.byTrue.values()) s += row.get(l) ?? 0;
      return s;
    });
    return { tp, predSum, trueSum };
  }

  /** Dense matrix, rows = true label, columns = predicted label, in the order of `labels`. */
  matrix(labels: readonly number[]): number[][] {
    return labels.map((t) => labels.map((p) => this.get(t, p)));
  }

  clear(): void {
    this.byTrue.clear();
    this.total = 0;
  }
}

/** Reads targets and predictions (labels, [N] probabilities or [N, C] scores) into label arrays. */
export function readLabelPairs(fn: string, yTrue: MetricInput, yPred: MetricInput, opts: PredictionOptions = {}): { t: Float64Array; p: Float64Array } {
  const ht = readInput(yTrue, `${fn}: yTrue`);
  const hp = readInput(yPred, `${fn}: yPred`);
  checkSameLength(fn, "yTrue", ht, "yPred", hp);
  return { t: asLabels(ht, `${fn}: yTrue`), p: predictedLabels(hp, `${fn}: yPred`, opts) };
}

/** Confusion counts of targets against predictions. */
export function countPairs(fn: string, yTrue: MetricInput, yPred: MetricInput, opts: PredictionOptions = {}): ConfusionCounts {
  const { t, p } = readLabelPairs(fn, yTrue, yPred, opts);
  const counts = new ConfusionCounts();
  counts.add(t, p);
  return counts;
}

/** Options of {@link confusionMatrix}. */
export interface ConfusionMatrixOptions extends PredictionOptions {
  /** Labels that index the rows and columns, in this order; samples with other labels are left out. Default: sorted union of yTrue and yPred. */
  labels?: readonly number[];
  /** Divide by row sums ("true"), column sums ("pred") or the total ("all"); empty rows/columns give 0. */
  normalize?: "true" | "pred" | "all";
}

/**
 * The confusion matrix C with C[i][j] = number of samples of true label labels[i] predicted as
 * labels[j], as scikit-learn's confusion_matrix. yPred may be labels, [N] probabilities or [N, C] scores.
 */
export function confusionMatrix(yTrue: MetricInput, yPred: MetricInput, opts: ConfusionMatrixOptions = {}): number[][] {
  const counts = countPairs("confusionMatrix", yTrue, yPred, opts);
  return confusionFromCounts("confusionMatrix", counts, opts);
}

/** The confusion matrix of accumulated counts (shared with streaming metrics). */
export function confusionFromCounts(fn: string, counts: ConfusionCounts, opts: Pick<ConfusionMatrixOptions, "labels" | "normalize"> = {}): number[][] {
  let labels = counts.labels();
  if (opts.labels) {
    checkLabelList(fn, opts.labels);
    if (opts.labels.length === 0) throw new Error(`${fn}: 'labels' should contain at least one label`);
    const trueLabels = new Set(counts.trueLabels());
    if (counts.count > 0 && !opts.labels.some((l) => trueLabels.has(l))) throw new Error(`${fn}: at least one label specified must be in yTrue`);
    labels = [...opts.labels];
  }
  const m = counts.matrix(labels);
  switch (opts.normalize) {
    case undefined:
      return m;
    case "true":
      return m.map((row) => divideAll(row, row.reduce((a, b) => a + b, 0)));
    case "pred": {
      const colSums = labels.map((_, j) => m.reduce((s, row) => s + row[j], 0));
      return m.map((row) => row.map((v, j) => (colSums[j] === 0 ? 0 : v / colSums[j])));
    }
    case "all": {
      const total = m.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
      return m.map((row) => divideAll(row, total));
    }
    default:
      throw new Error(`${fn}: normalize must be "true", "pred", "all" or undefined, got ${JSON.stringify(opts.normalize)}`);
  }
}

function divideAll(row: number[], by: number): number[] {
  return row.map((v) => (by === 0 ? 0 : v / by));
}

/** Throws unless `labels` is an array of distinct numbers. */
export function checkLabelList(fn: string, labels: readonly number[]): void {
  if (!Array.isArray(labels)) throw new TypeError(`${fn}: labels must be an array of numbers`);
  if (labels.some((l) => typeof l !== "number" || Number.isNaN(l))) throw new TypeError(`${fn}: labels must be numbers, got ${JSON.stringify(labels)}`);
  if (new Set(labels).size !== labels.length) throw new Error(`${fn}: labels must be distinct, got ${JSON.stringify(labels)}`);
}
