// Decoding filters on one row of next-token logits, in Hugging Face's order: the repetition penalty
// (a logits processor) first, then the warpers temperature → top-k → top-p, then a draw. They run on
// the host because they are per-row, data-dependent and cheap next to a forward pass.
import type { Generator } from "../tensor/random.js";

/** How the next token is chosen. The defaults decode greedily with no penalty. */
export interface SamplingOptions {
  /** 0 (the default) picks the most likely token; otherwise logits are divided by it before sampling. */
  temperature?: number;
  /** Sample among the k most likely tokens only (ties with the k-th are kept, as in Hugging Face). */
  topK?: number;
  /** Nucleus sampling: keep the smallest set of most likely tokens whose probability mass is ≥ topP. */
  topP?: number;
  /**
   * CTRL-style penalty (Keskar et al. 2019, Hugging Face's repetition_penalty) on every token already
   * in the sequence, prompt included: positive logits are divided by it, negative ones multiplied. 1 = off.
   */
  repetitionPenalty?: number;
}

/** Checks sampling options up front, naming the bad one. */
export function checkSamplingOptions(op: string, o: SamplingOptions): void {
  const { temperature, topK, topP, repetitionPenalty } = o;
  if (temperature !== undefined && !(Number.isFinite(temperature) && temperature >= 0)) throw new RangeError(`${op}: temperature must be a finite number ≥ 0, got ${temperature}`);
  if (topK !== undefined && !(Number.isInteger(topK) && topK >= 1)) throw new RangeError(`${op}: topK must be a positive integer, got ${topK}`);
  if (topP !== undefined && !(topP > 0 && topP <= 1)) throw new RangeError(`${op}: topP must be in (0, 1], got ${topP}`);
  if (repetitionPenalty !== undefined && !(Number.isFinite(repetitionPenalty) && repetitionPenalty > 0)) {
    throw new RangeError(`${op}: repetitionPenalty must be a finite number > 0, got ${repetitionPenalty}`);
  }
}

/** Divides the positive logits of every token in `seen` by `penalty` and multiplies the negative ones, in place. */
export function applyRepetitionPenalty(logits: Float32Array, seen: Iterable<number>, penalty: number): Float32Array {
  if (penalty === 1) return logits;
  for (const id of new Set(seen)) {
    const l = logits[id];
    logits[id] = l > 0 ? l / penalty : l * penalty;
  }
  return logits;
}

/** Divides every logit by `temperature` (> 0), in place. */
export function applyTemperature(logits: Float32Array, temperature: number): Float32Array {
  if (temperature !== 1) for (let i = 0; i < logits.length; i++) logits[i] /= temperature;
  return logits;
}

/** Sets every logit below the k-th largest to -Infinity, in place (ties with the k-th survive). */
export function topKFilter(logits: Float32Array, k: number): Float32Array {
  if (k >= logits.length) return logits;
  const kth = Float32Array.from(logits).sort().reverse()[k - 1];
  for (let i = 0; i < logits.length; i++) if (logits[i] < kth) logits[i] = -Infinity;
  return logits;
}

/**
 * Keeps the smallest set of most likely tokens whose softmax mass is ≥ p and sets the rest to
 * -Infinity, in place. The most likely token always survives.
 */
export function topPFilter(logits: Float32Array, p: number): Float32Array {
  if (p >= 1) return logits;
  const probs = softmaxRow(logits);
  const order = [...probs.keys()].sort((i, j) => probs[j] - probs[i]);
  let mass = 0;
  let kept = 0;
  while (kept < order.length && (kept === 0 || mass < p)) mass += probs[order[kept++]];
  for (let r = kept; r < order.length; r++) logits[order[r]] = -Infinity;
  return logits;
}

/** softmax of one row in float64 (so masses of many small probabilities add up exactly enough). */
export function softmaxRow(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i] - max);
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

/** The index where the cumulative probability first exceeds u ∈ [0, 1) (inverse-CDF sampling). */
export function sampleIndex(probs: ArrayLike<number>, u: number): number {
  let acc = 0;
  let last = 0;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i] <= 0) continue;
    last = i;
    acc += probs[i];
    if (u < acc) return i;
  }
  return last; // rounding left the total a hair under 1
}

/** The index of the largest logit (the first one on ties, like torch.argmax). */
export function argmaxRow(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/**
 * The logits after the repetition penalty (over `history`), temperature, top-k and top-p: the
 * distribution a token is drawn from is softmax of the result. Works on a copy.
 */
export function processLogits(logits: ArrayLike<number>, opts: SamplingOptions, history: Iterable<number> = []): Float32Array {
  const out = Float32Array.from(logits);
  applyRepetitionPenalty(out, history, opts.repetitionPenalty ?? 1);
  const t = opts.temperature ?? 0;
  if (t === 0) return out; // greedy: the warpers cannot change the argmax
  applyTemperature(out, t);
  if (opts.topK !== undefined) topKFilter(out, opts.topK);
  if (opts.topP !== undefined) topPFilter(out, opts.topP);
  return out;
}

/** Picks the next token from one row of logits: argmax at temperature 0, else a draw from `generator`. */
export function pickToken(logits: ArrayLike<number>, opts: SamplingOptions, history: Iterable<number>, generator: Generator): number {
  const processed = processLogits(logits, opts, history);
  if ((opts.temperature ?? 0) === 0) return argmaxRow(processed);
  return sampleIndex(softmaxRow(processed), generator.uniform(1)[0]);
}
