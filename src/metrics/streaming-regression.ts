// Streaming regression metrics over [N] or [N, D] predictions and targets, kept as per-output sums.
import type { MetricInput } from "./input.js";
import { r2FromSums, readRegression, type R2Options, type RegressionPair } from "./regression.js";
import { nothingSeen, type Metric, type MetricOptions } from "./streaming.js";

/** Shared bookkeeping: the sample count and a fixed number of outputs. */
abstract class RegressionMetric implements Metric {
  readonly name: string;
  protected rows = 0;
  protected outputs = 0;

  protected constructor(private readonly className: string, name: string) {
    this.name = name;
  }

  update(preds: MetricInput, targets: MetricInput): void {
    const fn = `${this.className}.update`;
    const p = readRegression(fn, targets, preds, ["targets", "preds"], true);
    if (p.rows === 0) return;
    if (this.rows === 0) this.start(p.outputs);
    else if (p.outputs !== this.outputs) throw new Error(`${fn}: this batch has ${p.outputs} outputs but earlier batches had ${this.outputs}`);
    this.add(p);
    this.rows += p.rows;
  }

  compute(): number {
    if (this.rows === 0) throw nothingSeen(this.className);
    return this.result();
  }

  reset(): void {
    this.rows = this.outputs = 0;
  }

  /** Sets up zeroed per-output state for `outputs` outputs. */
  protected start(outputs: number): void {
    this.outputs = outputs;
  }

  protected abstract add(p: RegressionPair): void;
  protected abstract result(): number;
}

/** Adds f(target, pred) of every sample to its output's running sum. */
function addColumns(into: number[], p: RegressionPair, f: (t: number, y: number) => number): void {
  for (let i = 0; i < p.rows; i++) for (let j = 0; j < p.outputs; j++) into[j] += f(p.yTrue[i * p.outputs + j], p.yPred[i * p.outputs + j]);
}

/** Mean squared error over every batch; `squared: false` gives the root (per output, then averaged). */
export class MeanSquaredError extends RegressionMetric {
  private squaredErrors: number[] = [];
  private readonly squared: boolean;

  constructor(opts: { squared?: boolean } & MetricOptions = {}) {
    super("MeanSquaredError", opts.name ?? (opts.squared === false ? "rmse" : "mse"));
    this.squared = opts.squared ?? true;
  }

  protected override start(outputs: number): void {
    super.start(outputs);
    this.squaredErrors = new Array<number>(outputs).fill(0);
  }

  protected add(p: RegressionPair): void {
    addColumns(this.squaredErrors, p, (t, y) => (t - y) ** 2);
  }

  protected result(): number {
    const perOutput = this.squaredErrors.map((s) => (this.squared ? s / this.rows : Math.sqrt(s / this.rows)));
    return perOutput.reduce((a, b) => a + b, 0) / this.outputs;
  }
}

/** Mean absolute error over every batch. */
export class MeanAbsoluteError extends RegressionMetric {
  private absoluteErrors: number[] = [];

  constructor(opts: MetricOptions = {}) {
    super("MeanAbsoluteError", opts.name ?? "mae");
  }

  protected override start(outputs: number): void {
    super.start(outputs);
    this.absoluteErrors = new Array<number>(outputs).fill(0);
  }

  protected add(p: RegressionPair): void {
    addColumns(this.absoluteErrors, p, (t, y) => Math.abs(t - y));
  }

  protected result(): number {
    return this.absoluteErrors.reduce((a, s) => a + s / this.rows, 0) / this.outputs;
  }
}

/**
 * R² over every batch. The target variance is merged batch by batch (Chan et al.'s pairwise update of
 * mean and sum of squared deviations), which stays accurate where Σy² − (Σy)²/n would cancel.
 */
export class R2Score extends RegressionMetric {
  private means: number[] = [];
  private deviations: number[] = [];
  private residuals: number[] = [];

  constructor(private readonly opts: R2Options & MetricOptions = {}) {
    super("R2Score", opts.name ?? "r2");
  }

  protected override start(outputs: number): void {
    super.start(outputs);
    this.means = new Array<number>(outputs).fill(0);
    this.deviations = new Array<number>(outputs).fill(0);
    this.residuals = new Array<number>(outputs).fill(0);
  }

  protected add(p: RegressionPair): void {
    addColumns(this.residuals, p, (t, y) => (t - y) ** 2);
    const n = this.rows + p.rows;
    for (let j = 0; j < p.outputs; j++) {
      let batchMean = 0;
      for (let i = 0; i < p.rows; i++) batchMean += p.yTrue[i * p.outputs + j];
      batchMean /= p.rows;
      let batchDeviations = 0;
      for (let i = 0; i < p.rows; i++) batchDeviations += (p.yTrue[i * p.outputs + j] - batchMean) ** 2;
      const delta = batchMean - this.means[j];
      this.means[j] += (delta * p.rows) / n;
      this.deviations[j] += batchDeviations + (delta * delta * this.rows * p.rows) / n;
    }
  }

  protected result(): number {
    if (this.rows < 2) throw new Error(`R2Score.compute: R² is not defined with fewer than two samples, got ${this.rows}`);
    return r2FromSums(this.residuals, this.deviations, this.opts.multioutput);
  }
}
