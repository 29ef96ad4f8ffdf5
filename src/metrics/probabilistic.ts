// Metrics of predicted probabilities: log loss (cross-entropy) and perplexity.
import { Tensor } from "../tensor/index.js";
import { checkLabelList } from "./confusion.js";
import { sigmoid } from "./decode.js";
import { asLabels, checkFinite, checkSameLength, fmtShape, readInput, uniqueSorted, type HostArray, type MetricInput } from "./input.js";

/** Machine epsilon of float32: scikit-learn's eps="auto" clips float32 probabilities with it. */
export const FLOAT32_EPS = 2 ** -23;
/** Machine epsilon of float64, the clip for every other input. */
export const FLOAT64_EPS = 2 ** -52;

/** Options of {@link logLoss}. */
export interface LogLossOptions {
  /** Probabilities are clipped to [eps, 1 - eps]. Default: machine epsilon of the input (float32 for float32 tensors/arrays, else float64). */
  eps?: number;
  /** false: return the summed loss instead of the mean. Default true. */
  normalize?: boolean;
  /** The sorted classes of yPred's columns. Default: the sorted labels of yTrue. */
  labels?: readonly number[];
  /** yPred holds logits: softmax over [N, C] or sigmoid of [N] before the loss. Default false. */
  fromLogits?: boolean;
}

/**
 * Probabilities of one sample per row as [N, C]: an [N] / [N, 1] input is P(second class) and becomes
 * [1 - p, p]; logits go through softmax/sigmoid first.
 */
export function probabilityRows(h: HostArray, what: string, fromLogits: boolean): { data: Float64Array; cols: number } {
  if (h.shape.length > 2) throw new Error(`${what} must be [N] probabilities or [N, C] probabilities, got ${fmtShape(h.shape)}`);
  checkFinite(h.data, what);
  const n = h.shape[0];
  const c = h.shape.length === 2 ? h.shape[1] : 1;
  if (c === 1) {
    const out = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const p = fromLogits ? sigmoid(h.data[i]) : h.data[i];
      out[2 * i] = 1 - p;
      out[2 * i + 1] = p;
    }
    return { data: out, cols: 2 };
  }
  return { data: fromLogits ? softmaxRows(h.data, n, c) : h.data, cols: c };
}

/** Row-wise softmax in float64, shifted by the row max so exp cannot overflow. */
export function softmaxRows(data: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, data[i * cols + j]);
    let s = 0;
    for (let j = 0; j < cols; j++) s += out[i * cols + j] = Math.exp(data[i * cols + j] - m);
    for (let j = 0; j < cols; j++) out[i * cols + j] /= s;
  }
  return out;
}

/**
 * −log of the clipped, renormalised probability of class `cls` in row i (scikit-learn clips to
 * [eps, 1 − eps] and then divides each row by its sum).
 */
export function clippedNll(rows: Float64Array, cols: number, i: number, cls: number, eps: number): number {
  let s = 0;
  for (let j = 0; j < cols; j++) s += Math.min(Math.max(rows[i * cols + j], eps), 1 - eps);
  return -Math.log(Math.min(Math.max(rows[i * cols + cls], eps), 1 - eps) / s);
}

/** Mean negative log-likelihood of the true classes, in nats (scikit-learn's log_loss). */
export function logLoss(yTrue: MetricInput, yPred: MetricInput, opts: LogLossOptions = {}): number {
  const fn = "logLoss";
  const ht = readInput(yTrue, `${fn}: yTrue`);
  const hp = readInput(yPred, `${fn}: yPred`);
  const n = checkSameLength(fn, "yTrue", ht, "yPred", hp);
  const t = asLabels(ht, `${fn}: yTrue`);
  const eps = opts.eps ?? (hp.float32 ? FLOAT32_EPS : FLOAT64_EPS);
  if (!(eps >= 0 && eps < 0.5)) throw new Error(`${fn}: eps must be in [0, 0.5), got ${eps}`);
  let classes: number[];
  if (opts.labels) {
    checkLabelList(fn, opts.labels);
    classes = uniqueSorted(opts.labels);
    if (classes.length < 2) throw new Error(`${fn}: labels must hold at least two labels, got ${JSON.stringify(opts.labels)}`);
  } else {
    classes = uniqueSorted(t);
    if (classes.length < 2) {
      throw new Error(`${fn}: yTrue contains only one label (${classes[0]}); pass the true labels explicitly through the labels option`);
    }
  }
  const { data, cols } = probabilityRows(hp, `${fn}: yPred`, opts.fromLogits ?? false);
  if (cols !== classes.length) {
    throw new Error(`${fn}: yPred has ${cols} classes but ${opts.labels ? "labels has" : "yTrue has"} ${classes.length} (${JSON.stringify(classes)})${opts.labels ? "" : "; pass labels"}`);
  }
  const code = new Map(classes.map((c, j) => [c, j]));
  let total = 0;
  for (let i = 0; i < n; i++) {
    const cls = code.get(t[i]);
    if (cls === undefined) throw new Error(`${fn}: yTrue contains label ${t[i]}, which is not in labels`);
    total += clippedNll(data, cols, i, cls, eps);
  }
  if (opts.normalize === false) return total;
  return total / n;
}

/**
 * Perplexity exp(H) of a mean cross-entropy H in nats (e.g. the value of `crossEntropy(logits,
 * targets)` over tokens); for a running value over batches use the {@link Perplexity} metric.
 */
export function perplexity(meanCrossEntropy: number | Tensor): number {
  const h = meanCrossEntropy instanceof Tensor ? meanCrossEntropy.item() : meanCrossEntropy;
  if (typeof h !== "number" || Number.isNaN(h) || h < 0) throw new Error(`perplexity: meanCrossEntropy must be a cross-entropy >= 0 in nats, got ${h}`);
  return Math.exp(h);
}
