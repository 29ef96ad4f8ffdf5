// Regression metrics. Targets and predictions are [N] or [N, D] (D outputs); with several outputs the
// per-output values are averaged uniformly, as scikit-learn's multioutput="uniform_average".
import { checkFinite, checkSameLength, fmtShape, readInput, type MetricInput } from "./input.js";

/** Targets and predictions as [N, D] columns (an [N] input is one column). */
export interface RegressionPair {
  yTrue: Float64Array;
  yPred: Float64Array;
  rows: number;
  outputs: number;
}

/**
 * Reads and checks a regression pair: same sample count, same number of outputs, finite values.
 * `names` are the argument names used in errors; `allowEmpty` admits a batch of no samples.
 */
export function readRegression(fn: string, yTrue: MetricInput, yPred: MetricInput, names: readonly [string, string] = ["yTrue", "yPred"], allowEmpty = false): RegressionPair {
  const [trueName, predName] = names;
  const ht = readInput(yTrue, `${fn}: ${trueName}`);
  const hp = readInput(yPred, `${fn}: ${predName}`);
  const rows = checkSameLength(fn, trueName, ht, predName, hp);
  const outputsOf = (shape: readonly number[], name: string): number => {
    if (shape.length === 1) return 1;
    if (shape.length === 2) return shape[1];
    throw new Error(`${fn}: ${name} must be [N] or [N, D], got ${fmtShape(shape)}`);
  };
  const dt = outputsOf(ht.shape, trueName);
  const dp = outputsOf(hp.shape, predName);
  if (dt !== dp) throw new Error(`${fn}: ${trueName} has ${dt} outputs (${fmtShape(ht.shape)}) but ${predName} has ${dp} (${fmtShape(hp.shape)})`);
  checkFinite(ht.data, `${fn}: ${trueName}`);
  checkFinite(hp.data, `${fn}: ${predName}`);
  if (rows === 0 && !allowEmpty) throw new Error(`${fn}: no samples`);
  return { yTrue: ht.data, yPred: hp.data, rows, outputs: dt };
}

/** Per-output sums of f(yTrue, yPred) over the samples. */
function columnSums(p: RegressionPair, f: (t: number, y: number) => number): number[] {
  const out = new Array<number>(p.outputs).fill(0);
  for (let i = 0; i < p.rows; i++) for (let j = 0; j < p.outputs; j++) out[j] += f(p.yTrue[i * p.outputs + j], p.yPred[i * p.outputs + j]);
  return out;
}

const meanOf = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Mean of (yTrue − yPred)². */
export function meanSquaredError(yTrue: MetricInput, yPred: MetricInput): number {
  const p = readRegression("meanSquaredError", yTrue, yPred);
  return meanOf(columnSums(p, (t, y) => (t - y) ** 2).map((s) => s / p.rows));
}

/** √MSE, taken per output before averaging outputs (as scikit-learn's squared=False). */
export function rootMeanSquaredError(yTrue: MetricInput, yPred: MetricInput): number {
  const p = readRegression("rootMeanSquaredError", yTrue, yPred);
  return meanOf(columnSums(p, (t, y) => (t - y) ** 2).map((s) => Math.sqrt(s / p.rows)));
}

/** Mean of |yTrue − yPred|. */
export function meanAbsoluteError(yTrue: MetricInput, yPred: MetricInput): number {
  const p = readRegression("meanAbsoluteError", yTrue, yPred);
  return meanOf(columnSums(p, (t, y) => Math.abs(t - y)).map((s) => s / p.rows));
}

/** Options of {@link r2Score}. */
export interface R2Options {
  /** How several outputs are combined: "uniformAverage" (default) or "varianceWeighted" (by each output's variance). */
  multioutput?: "uniformAverage" | "varianceWeighted";
}

/**
 * Per-output R² from the residual and total sums of squares, scikit-learn's force_finite rules: a
 * constant target gives 1 when predicted exactly, else 0.
 */
export function r2FromSums(residual: readonly number[], total: readonly number[], multioutput: R2Options["multioutput"] = "uniformAverage"): number {
  if (multioutput !== "uniformAverage" && multioutput !== "varianceWeighted") {
    throw new Error(`r2Score: multioutput must be "uniformAverage" or "varianceWeighted", got ${JSON.stringify(multioutput)}`);
  }
  const scores = residual.map((r, j) => (total[j] !== 0 ? (r !== 0 ? 1 - r / total[j] : 1) : r !== 0 ? 0 : 1));
  if (multioutput === "varianceWeighted" && total.some((t) => t !== 0)) {
    const w = total.reduce((a, b) => a + b, 0);
    return scores.reduce((s, x, j) => s + x * total[j], 0) / w;
  }
  return meanOf(scores);
}

/** Coefficient of determination R² = 1 − SS_res / SS_tot (scikit-learn's r2_score). Needs two or more samples. */
export function r2Score(yTrue: MetricInput, yPred: MetricInput, opts: R2Options = {}): number {
  const p = readRegression("r2Score", yTrue, yPred);
  if (p.rows < 2) throw new Error(`r2Score: R² is not defined with fewer than two samples, got ${p.rows}`);
  const means = columnSums(p, (t) => t).map((s) => s / p.rows);
  const residual = columnSums(p, (t, y) => (t - y) ** 2);
  const total = new Array<number>(p.outputs).fill(0);
  for (let i = 0; i < p.rows; i++) for (let j = 0; j < p.outputs; j++) total[j] += (p.yTrue[i * p.outputs + j] - means[j]) ** 2;
  return r2FromSums(residual, total, opts.multioutput);
}
