/**
 * Linear regression on the Boston housing prices (506 tracts, 13 features, target medv in $1000s), two
 * ways on the same standardised features and held-out split: the closed-form least-squares solution
 * (normal equations, solved in float64 here) and Ingot's Linear layer trained by SGD with fit(). Both are
 * scored on the test rows (R², RMSE) beside scikit-learn's LinearRegression, recorded by
 * test/fixtures/zoo-regression.py in test/fixtures/zoo-regression.json. Plots: predicted against actual
 * with the identity line, and the SGD loss curve. SGD uses momentum 0.9 and a cosine-annealed step size.
 *
 *   npx tsx examples/regression.ts [--quick] [--seed 0]
 */
import { join } from "node:path";
import { loadDataset } from "../src/data/index.js";
import { saveModelDir } from "../src/io/index.js";
import { r2Score, rootMeanSquaredError } from "../src/metrics/index.js";
import { Linear, Sequential } from "../src/nn/index.js";
import { CosineAnnealingLR, SGD } from "../src/optim/index.js";
import { linePlot, saveCharts, scatterPlot } from "../src/plot/index.js";
import { manualSeed, tensor, type Tensor } from "../src/tensor/index.js";
import { fit, predict } from "../src/train/index.js";

/** The 13 predictors, in the file's order. */
export const BOSTON_FEATURES = ["crim", "zn", "indus", "chas", "nox", "rm", "age", "dis", "rad", "tax", "ptratio", "b", "lstat"];

/** Standardised rows and raw targets of one split. */
export interface RegressionSplit {
  x: number[][];
  y: number[];
}

/** The Boston data split by row index (i % 5 == 0 → test, as the fixture script does), standardised with the training rows' mean and population std. */
export async function loadBoston(): Promise<{ train: RegressionSplit; test: RegressionSplit; mean: number[]; std: number[] }> {
  const table = await loadDataset("boston-housing");
  const col = (name: string): ArrayLike<number> => {
    const c = table.column(name);
    if (c.type !== "number") throw new Error(`boston-housing: column ${name} is ${c.type}, expected number`);
    return c.values;
  };
  const cols = BOSTON_FEATURES.map(col);
  const medv = col("medv");
  const rows = Array.from({ length: medv.length }, (_, i) => i);
  const trainIdx = rows.filter((i) => i % 5 !== 0), testIdx = rows.filter((i) => i % 5 === 0);
  const mean = cols.map((c) => trainIdx.reduce((s, i) => s + c[i], 0) / trainIdx.length);
  const std = cols.map((c, j) => Math.sqrt(trainIdx.reduce((s, i) => s + (c[i] - mean[j]) ** 2, 0) / trainIdx.length));
  const split = (idx: number[]): RegressionSplit => ({ x: idx.map((i) => cols.map((c, j) => (c[i] - mean[j]) / std[j])), y: idx.map((i) => medv[i]) });
  return { train: split(trainIdx), test: split(testIdx), mean, std };
}

/**
 * Solves the least-squares problem min ‖[1 X]w − y‖² through the normal equations (XᵀX)w = Xᵀy with
 * Gaussian elimination and partial pivoting, in float64. Returns [intercept, ...coefficients].
 */
export function leastSquares(x: number[][], y: number[]): number[] {
  const d = x[0].length + 1;
  const a = Array.from({ length: d }, () => new Float64Array(d + 1)); // augmented [XᵀX | Xᵀy]
  for (let i = 0; i < x.length; i++) {
    const row = [1, ...x[i]];
    for (let r = 0; r < d; r++) {
      for (let c = 0; c < d; c++) a[r][c] += row[r] * row[c];
      a[r][d] += row[r] * y[i];
    }
  }
  for (let k = 0; k < d; k++) {
    let p = k;
    for (let r = k + 1; r < d; r++) if (Math.abs(a[r][k]) > Math.abs(a[p][k])) p = r;
    if (Math.abs(a[p][k]) < 1e-12) throw new Error(`leastSquares: the features are collinear (pivot ${k} is 0)`);
    [a[k], a[p]] = [a[p], a[k]];
    for (let r = k + 1; r < d; r++) {
      const f = a[r][k] / a[k][k];
      for (let c = k; c <= d; c++) a[r][c] -= f * a[k][c];
    }
  }
  const w = new Array<number>(d).fill(0);
  for (let r = d - 1; r >= 0; r--) {
    let s = a[r][d];
    for (let c = r + 1; c < d; c++) s -= a[r][c] * w[c];
    w[r] = s / a[r][r];
  }
  return w;
}

/** What runRegression returns (the script prints it as its last line). */
export interface RegressionResult {
  nTrain: number;
  nTest: number;
  closedForm: { testR2: number; testRmse: number };
  sgd: { testR2: number; testRmse: number; epochs: number; firstLoss: number; lastLoss: number };
  /** Largest |coefficient difference| between the SGD model and the closed form (standardised units). */
  maxCoefGap: number;
  seconds: number;
}

/** Fits both models, scores them on the test rows, saves the SGD model and the plots under outDir. */
export async function runRegression(opts: { quick?: boolean; seed?: number; outDir?: string; verbose?: boolean } = {}): Promise<RegressionResult> {
  const started = performance.now();
  const seed = opts.seed ?? 0;
  const outDir = opts.outDir ?? join("out", "examples", "regression");
  manualSeed(seed);
  const { train, test, mean, std } = await loadBoston();

  const w = leastSquares(train.x, train.y);
  const closedPred = test.x.map((r) => r.reduce((s, v, j) => s + v * w[j + 1], w[0]));

  const model = new Sequential(new Linear(BOSTON_FEATURES.length, 1));
  const epochs = opts.quick ? 60 : 200;
  const xTrain = tensor(train.x), yTrain = tensor(train.y.map((v) => [v]));
  const optimizer = new SGD(model.parameters(), { lr: 0.02, momentum: 0.9 });
  const history = await fit(model, {
    train: { x: xTrain, y: yTrain },
    loss: "mse",
    optimizer,
    // annealing the step size to 0 lets minibatch SGD settle on the optimum instead of jittering around it
    scheduler: new CosineAnnealingLR(optimizer, { tMax: epochs }),
    epochs,
    batchSize: 32,
    seed,
    verbose: opts.verbose ?? false,
  });
  const xTest = tensor(test.x);
  const predT: Tensor = predict(model, xTest);
  const sgdPred = Array.from(predT.dataSync());
  const state = model.stateDict();
  const coefs = Array.from(state["0.weight"].dataSync());
  const maxCoefGap = Math.max(Math.abs(state["0.bias"].dataSync()[0] - w[0]), ...coefs.map((c, j) => Math.abs(c - w[j + 1])));

  const result: RegressionResult = {
    nTrain: train.y.length,
    nTest: test.y.length,
    closedForm: { testR2: r2Score(test.y, closedPred), testRmse: rootMeanSquaredError(test.y, closedPred) },
    sgd: { testR2: r2Score(test.y, sgdPred), testRmse: rootMeanSquaredError(test.y, sgdPred), epochs, firstLoss: history[0].loss, lastLoss: history.at(-1)!.loss },
    maxCoefGap,
    seconds: 0,
  };

  await saveModelDir(join(outDir, "model"), {
    architecture: model.getConfig(),
    stateDict: state,
    preprocessing: { type: "standardize", features: BOSTON_FEATURES, mean, std },
    metadata: { dataset: "boston-housing", target: "medv", closedFormWeights: w, ...result.sgd },
  });
  const scatter = scatterPlot({
    series: [
      { name: "closed form", x: test.y, y: closedPred },
      { name: "SGD", x: test.y, y: sgdPred },
    ],
    line: { slope: 1, intercept: 0, name: "y = x" },
    title: `Boston housing, test rows: R² ${result.closedForm.testR2.toFixed(3)}`,
    xLabel: "actual medv ($1000s)",
    yLabel: "predicted medv",
  });
  const loss = linePlot({
    series: [{ name: "train MSE", x: history.map((h) => h.epoch), y: history.map((h) => h.loss) }],
    title: "SGD training loss",
    xLabel: "epoch",
    yLabel: "MSE",
    logY: true,
  });
  await saveCharts(outDir, { "predicted-vs-actual": scatter, "sgd-loss": loss });
  [xTrain, yTrain, xTest, predT].forEach((t) => t.dispose());
  model.dispose();
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf("--seed");
  const r = await runRegression({ quick: process.argv.includes("--quick"), seed: i >= 0 ? Number(process.argv[i + 1]) : 0, verbose: true });
  console.error(`closed form: test R² ${r.closedForm.testR2.toFixed(3)}, RMSE ${r.closedForm.testRmse.toFixed(2)}; SGD: R² ${r.sgd.testR2.toFixed(3)}, RMSE ${r.sgd.testRmse.toFixed(2)}`);
  console.log(JSON.stringify(r));
}
