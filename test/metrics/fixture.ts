// Shared by the metric tests: the scikit-learn reference values (test/fixtures/metrics.json, made by
// make-metrics-fixtures.py) and a float comparison at the 1e-6 tolerance the fixtures are checked to.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

/** A ROC curve as the fixture stores it. */
export interface RocFixture {
  fpr: number[];
  tpr: number[];
  thresholds: number[];
}

/** A precision-recall curve as the fixture stores it. */
export interface PrFixture {
  precision: number[];
  recall: number[];
  thresholds: number[];
}

/** precision_recall_fscore_support output (one value when averaged, one per class for "None"), or the error it raised. */
export interface PrfFixture {
  precision: number[];
  recall: number[];
  f1: number[];
  "fbeta0.5": number[];
  "fbeta2.0": number[];
  support?: number[];
  error?: string;
}

/** The whole fixture file; see make-metrics-fixtures.py for what each field is. */
export interface MetricsFixture {
  sklearnVersion: string;
  binary: {
    yTrue: number[]; yScore: number[]; yPred: number[]; accuracy: number; accuracyCount: number;
    prf: Record<string, PrfFixture>; prfPosLabel0: Record<string, PrfFixture>; confusion: number[][];
    roc: RocFixture; rocAll: RocFixture; rocPosLabel0: RocFixture; rocAuc: number; pr: PrFixture; prPosLabel0: PrFixture;
    averagePrecision: number; averagePrecisionPosLabel0: number; logLoss: number; logLossFloat32: number; logLossSum: number;
    topK1: number; report: string; reportNames: string;
  };
  multiclass: {
    yTrue: number[]; yPred: number[]; yScore: number[][]; accuracy: number; prf: Record<string, PrfFixture>;
    prfZeroDivision1: Record<string, PrfFixture>; prfLabels: Record<string, PrfFixture>; confusion: number[][];
    confusionLabels: number[][]; confusionNormalized: Record<"true" | "pred" | "all", number[][]>; topK: Record<string, number>;
    accuracyArgmax: number; rocAuc: Record<string, number>; averagePrecision: Record<string, number>; logLoss: number;
    report: string; reportDigits4: string; reportZeroDivision1: string; reportLabels: string;
    reportDict: Record<string, number | Record<string, number>>;
  };
  oddLabels: {
    yTrue: number[]; yPred: number[]; prf: Record<string, PrfFixture>; confusion: number[][]; report: string;
    yBinary: number[]; sBinary: number[]; rocBinary: RocFixture; rocAucBinary: number;
    y25: number[]; s25: number[]; rocAuc25: number; averagePrecision25PosLabel5: number; logLoss25: number;
  };
  regression: {
    yTrue: number[]; yPred: number[]; mse: number; rmse: number; mae: number; r2: number;
    y2True: number[][]; y2Pred: number[][]; mse2: number; rmse2: number; mae2: number; r22: number; r22VarianceWeighted: number;
    r2ConstantExact: number; r2ConstantMissed: number;
  };
  perplexity: { logits: number[]; shape: number[]; targets: number[]; perplexity: number };
  folds: {
    kFold: Record<string, { train: number[]; test: number[] }[]>;
    stratifiedLabels: number[];
    stratifiedKFold: Record<string, { train: number[]; test: number[] }[]>;
  };
}

/** The scikit-learn reference values. */
export const fx = JSON.parse(readFileSync(new URL("../fixtures/metrics.json", import.meta.url), "utf8")) as MetricsFixture;

type Numbers = number | readonly number[] | readonly (readonly number[])[];

function flat(x: Numbers): number[] {
  if (typeof x === "number") return [x];
  return (x as readonly (number | readonly number[])[]).flatMap((v) => (typeof v === "number" ? [v] : [...v]));
}

/** Asserts actual ≈ expected elementwise within 1e-6 (absolute plus relative); NaN matches NaN. */
export function close(actual: Numbers, expected: Numbers, what: string, tol = 1e-6): void {
  const a = flat(actual);
  const e = flat(expected);
  assert.equal(a.length, e.length, `${what}: ${a.length} values, expected ${e.length}`);
  a.forEach((v, i) => {
    const ok = Object.is(v, e[i]) || Math.abs(v - e[i]) <= tol + tol * Math.abs(e[i]);
    assert.ok(ok, `${what}: element ${i} is ${v}, expected ${e[i]}`);
  });
}
