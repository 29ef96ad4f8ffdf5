// Streaming log loss and perplexity: running sums of the negative log-likelihood of the targets.
import { asLabels, checkFinite, fmtShape, readInput, type MetricInput } from "./input.js";
import { clippedNll, FLOAT32_EPS, FLOAT64_EPS, probabilityRows } from "./probabilistic.js";
import { nothingSeen, readBatch, type Metric, type MetricOptions } from "./streaming.js";

/** Options of {@link LogLoss}. */
export interface LogLossMetricOptions extends MetricOptions {
  /** Clip probabilities to [eps, 1 − eps]. Default: machine epsilon of each batch's dtype, as logLoss. */
  eps?: number;
  /** preds are logits (softmax over [N, C], sigmoid of [N]). Default false. */
  fromLogits?: boolean;
}

/**
 * Mean log loss over every batch. preds are [N, C] probabilities and targets column indices, or [N]
 * probabilities of class 1 and 0/1 targets. Equals logLoss on the concatenation when its classes are 0..C-1.
 */
export class LogLoss implements Metric {
  readonly name: string;
  private sum = 0;
  private count = 0;

  constructor(private readonly opts: LogLossMetricOptions = {}) {
    this.name = opts.name ?? "logLoss";
    if (opts.eps !== undefined && !(opts.eps >= 0 && opts.eps < 0.5)) throw new Error(`LogLoss: eps must be in [0, 0.5), got ${opts.eps}`);
  }

  update(preds: MetricInput, targets: MetricInput): void {
    const fn = "LogLoss.update";
    const { hp, ht } = readBatch("LogLoss", preds, targets);
    const t = asLabels(ht, `${fn}: targets`);
    const { data, cols } = probabilityRows(hp, `${fn}: preds`, this.opts.fromLogits ?? false);
    const eps = this.opts.eps ?? (hp.float32 ? FLOAT32_EPS : FLOAT64_EPS);
    let sum = 0;
    for (let i = 0; i < t.length; i++) {
      if (t[i] < 0 || t[i] >= cols) throw new Error(`${fn}: target ${t[i]} at index ${i} is not a class of preds ${fmtShape(hp.shape)}`);
      sum += clippedNll(data, cols, i, t[i], eps);
    }
    this.sum += sum;
    this.count += t.length;
  }

  compute(): number {
    if (this.count === 0) throw nothingSeen("LogLoss");
    return this.sum / this.count;
  }

  reset(): void {
    this.sum = this.count = 0;
  }
}

/** Options of {@link Perplexity}. */
export interface PerplexityOptions extends MetricOptions {
  /** Targets equal to this are padding and left out, as PyTorch's cross_entropy. Default -100. */
  ignoreIndex?: number;
}

/**
 * Perplexity exp(mean cross-entropy in nats) over every token of every batch. preds are logits
 * [..., C] (e.g. [B, T, vocab]); targets are token ids with preds' shape minus the last dim.
 * Tokens are weighted equally across batches (not batch means averaged).
 */
export class Perplexity implements Metric {
  readonly name: string;
  private nll = 0;
  private tokens = 0;
  private readonly ignoreIndex: number;

  constructor(opts: PerplexityOptions = {}) {
    this.name = opts.name ?? "perplexity";
    this.ignoreIndex = opts.ignoreIndex ?? -100;
  }

  update(preds: MetricInput, targets: MetricInput): void {
    const fn = "Perplexity.update";
    const hp = readInput(preds, `${fn}: preds`);
    const ht = readInput(targets, `${fn}: targets`);
    const lead = hp.shape.slice(0, -1);
    if (hp.shape.length < 2 || ht.shape.length !== lead.length || lead.some((d, i) => ht.shape[i] !== d)) {
      throw new Error(`${fn}: preds must be logits [..., C] and targets their shape minus C; got preds ${fmtShape(hp.shape)} and targets ${fmtShape(ht.shape)}`);
    }
    checkFinite(hp.data, `${fn}: preds`);
    const c = hp.shape[hp.shape.length - 1];
    const rows = ht.data.length;
    for (let i = 0; i < rows; i++) {
      const t = ht.data[i];
      if (t === this.ignoreIndex) continue;
      if (!Number.isInteger(t) || t < 0 || t >= c) throw new Error(`${fn}: target ${t} at index ${i} is not a class index in [0, ${c})`);
      this.nll -= logSoftmaxAt(hp.data, i, c, t);
      this.tokens++;
    }
  }

  compute(): number {
    if (this.tokens === 0) throw nothingSeen("Perplexity");
    return Math.exp(this.nll / this.tokens);
  }

  reset(): void {
    this.nll = this.tokens = 0;
  }
}

/** log softmax(x)[t] of row i, as x[t] − max − log Σ exp(x − max), so tiny probabilities keep their precision. */
function logSoftmaxAt(logits: Float64Array, i: number, c: number, t: number): number {
  let m = -Infinity;
  for (let j = 0; j < c; j++) m = Math.max(m, logits[i * c + j]);
  let s = 0;
  for (let j = 0; j < c; j++) s += Math.exp(logits[i * c + j] - m);
  return logits[i * c + t] - m - Math.log(s);
}
