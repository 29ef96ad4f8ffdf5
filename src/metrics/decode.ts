// Turning model outputs into predicted class labels: [N, C] scores by argmax, [N] scores by a threshold,
// integer [N] values as labels already.
import { asLabels, asVector, fmtShape, isMatrix, type HostArray } from "./input.js";

/** How class predictions are read from model outputs. */
export interface PredictionOptions {
  /**
   * Cut-off for [N] / [N, 1] binary scores: a sample is predicted positive (label 1) when its
   * probability is > threshold. Default 0.5. Setting it forces thresholding even for 0/1 values.
   */
  threshold?: number;
  /**
   * The [N] / [N, 1] scores are logits: they go through a sigmoid before the threshold. Without this
   * flag, float scores outside [0, 1] are an error, since thresholding logits at 0.5 is a silent bug.
   * [N, C] scores need no flag: the argmax of logits and of probabilities is the same.
   */
  fromLogits?: boolean;
}

/** Index of the largest value in each row of an [N, C] matrix; ties go to the first, as torch.argmax. */
export function argmaxRows(data: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    let bestValue = data[i * cols];
    for (let j = 1; j < cols; j++) {
      const v = data[i * cols + j];
      if (v > bestValue || (Number.isNaN(bestValue) && !Number.isNaN(v))) {
        best = j;
        bestValue = v;
      }
    }
    out[i] = best;
  }
  return out;
}

/** The logistic function, written so exp never overflows. */
export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/**
 * Predicted labels from `pred`: [N, C] → argmax column; [N] / [N, 1] integer-typed or integer-valued
 * (and no explicit threshold) → the values themselves; [N] / [N, 1] probabilities → 1 where > threshold.
 */
export function predictedLabels(pred: HostArray, what: string, opts: PredictionOptions = {}): Float64Array {
  if (isMatrix(pred)) return argmaxRows(pred.data, pred.shape[0], pred.shape[1]);
  if (pred.shape.length > 2) throw new Error(`${what} must have shape [N], [N, 1] or [N, C], got ${fmtShape(pred.shape)}`);
  const threshold = opts.threshold ?? 0.5;
  if (!Number.isFinite(threshold)) throw new Error(`${what}: threshold must be a finite number, got ${threshold}`);
  const values = asVector(pred, what);
  if (pred.integerTyped && !opts.fromLogits) return asLabels(pred, what);
  if (opts.fromLogits) return values.map((v) => (sigmoid(v) > threshold ? 1 : 0));
  if (opts.threshold === undefined && values.every(Number.isInteger)) return values;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= 0 && v <= 1)) {
      throw new Error(
        `${what} holds ${v} at index ${i}: [N] scores must be probabilities in [0, 1] (pass logits through a sigmoid or set fromLogits: true) or integer class labels`,
      );
    }
  }
  return values.map((v) => (v > threshold ? 1 : 0));
}
