// The streaming metric contract: accumulate over batches with update(), read with compute(), start
// over with reset(). Each metric keeps sufficient statistics, so compute() after several updates equals
// the functional metric on the concatenated batches.
import { checkSameLength, readInput, type HostArray, type MetricInput } from "./input.js";

/**
 * A stateful metric for training loops. Note the argument order: update(preds, targets) as in
 * torchmetrics, while the functional metrics take (yTrue, yPred) as in scikit-learn.
 */
export interface Metric<P = MetricInput, T = MetricInput> {
  /** A short name for logs and progress bars, e.g. "accuracy". */
  readonly name: string;
  /** Adds a batch of predictions and targets. */
  update(preds: P, targets: T): void;
  /** The metric over everything added since the last reset(); throws when nothing was added. */
  compute(): number;
  /** Forgets every batch. */
  reset(): void;
}

/** Options every streaming metric takes. */
export interface MetricOptions {
  /** Overrides the metric's default name. */
  name?: string;
}

/** Reads a (preds, targets) batch, checking that both hold the same number of samples. */
export function readBatch(metric: string, preds: MetricInput, targets: MetricInput): { hp: HostArray; ht: HostArray } {
  const fn = `${metric}.update`;
  const hp = readInput(preds, `${fn}: preds`);
  const ht = readInput(targets, `${fn}: targets`);
  checkSameLength(fn, "preds", hp, "targets", ht);
  return { hp, ht };
}

/** The error compute() throws before any sample was added. */
export function nothingSeen(metric: string): Error {
  return new Error(`${metric}.compute: no samples were added since the last reset(); call update() first`);
}

/**
 * Running (weighted) mean of values, e.g. the training loss: update(loss) per batch, or
 * update(loss, batchSize) to weight batches by their size. Tensors and arrays add each element.
 */
export class Mean implements Metric<number | MetricInput, number> {
  readonly name: string;
  private sum = 0;
  private weight = 0;

  constructor(opts: MetricOptions = {}) {
    this.name = opts.name ?? "mean";
  }

  update(value: number | MetricInput, weight = 1): void {
    if (typeof weight !== "number" || !(weight >= 0) || !Number.isFinite(weight)) throw new Error(`Mean.update: weight must be a finite number >= 0, got ${weight}`);
    const values = typeof value === "number" ? [value] : readInput(value, "Mean.update: value").data;
    // a NaN loss is kept: the mean turns NaN, which is what happened
    for (const v of values) {
      this.sum += v * weight;
      this.weight += weight;
    }
  }

  compute(): number {
    if (this.weight === 0) throw nothingSeen("Mean");
    return this.sum / this.weight;
  }

  reset(): void {
    this.sum = 0;
    this.weight = 0;
  }
}
