/**
 * An LSTM forecaster of the S&P 500's next monthly log return (vega-datasets' sp500: 123 month-start
 * prices, Jan 2000 – Mar 2010), checked by walk-forward validation against the naive forecast "next
 * month's price = this month's price". Each fold trains on every month before it (an expanding window;
 * the model keeps its weights from fold to fold and continues training) and then forecasts each month
 * of the fold one step ahead from the real history. Errors are in index points, per fold and overall.
 * Monthly index returns are close to a random walk, so the naive forecast is a hard bar; the example
 * reports whichever wins. With --export-data it also writes twin/ (each fold's exact windows, the initial
 * weights, the schedule) for bench/zoo/timeseries_torch.py, the PyTorch and scikit-learn replay.
 *
 *   npx tsx examples/timeseries.ts [--quick] [--seed 0] [--export-data]
 */
import { join } from "node:path";
import { loadDataset } from "../src/data/index.js";
import { saveModelDir } from "../src/io/index.js";
import { meanAbsoluteError, rootMeanSquaredError } from "../src/metrics/index.js";
import { ConfigReader, Linear, LSTM, Module, registerLayer, type LayerConfig } from "../src/nn/index.js";
import { Adam } from "../src/optim/index.js";
import { linePlot, saveCharts } from "../src/plot/index.js";
import { manualSeed, tensor, type Tensor } from "../src/tensor/index.js";
import { fit, predict, type History } from "../src/train/index.js";
import { writeOutput } from "./shapes-data.js";
import { writeNpyTensors } from "./spam-lstm.js";

/** LSTM over a window [batch, k, 1] of standardised returns → the next one [batch, 1] (from the last hidden state). */
export class LstmForecaster extends Module {
  lstm: LSTM;
  head: Linear;

  constructor(readonly hiddenSize: number) {
    super();
    this.lstm = new LSTM(1, hiddenSize, { batchFirst: true });
    this.head = new Linear(hiddenSize, 1);
  }

  override forward(x: Tensor): Tensor {
    const [, [h]] = this.lstm.call(x);
    return this.head.call(h.reshape([x.shape[0], this.hiddenSize]));
  }

  override getConfig(): LayerConfig {
    return { type: "LstmForecaster", hiddenSize: this.hiddenSize };
  }
}
registerLayer("LstmForecaster", (c) => new LstmForecaster(new ConfigReader(c).int("hiddenSize")), { replace: true });

/** The monthly closing prices in date order. */
export async function loadSp500(): Promise<number[]> {
  const table = await loadDataset("sp500");
  const c = table.column("price");
  if (c.type !== "number") throw new Error(`sp500: price column is ${c.type}, expected number`);
  return Array.from(c.values);
}

/** Errors of one walk-forward fold, in index points. */
export interface FoldScore {
  fold: number;
  /** Index into the price series of the fold's first forecast month. */
  start: number;
  months: number;
  lstm: { mae: number; rmse: number };
  naive: { mae: number; rmse: number };
}

/** What runTimeseries returns (the script prints it as its last line). */
export interface TimeseriesResult {
  window: number;
  folds: FoldScore[];
  overall: { lstm: { mae: number; rmse: number }; naive: { mae: number; rmse: number } };
  /** Did the LSTM beat the naive forecast on overall RMSE? Reported, not assumed. */
  lstmBeatsNaive: boolean;
  /** Training MSE (standardised returns) of the first fold's first and last epoch. */
  firstLoss: number;
  lastLoss: number;
  /** Seconds inside fit(), all folds: what the PyTorch twin's time compares with. */
  trainSeconds: number;
  seconds: number;
}

/** runTimeseries options. */
export interface TimeseriesOptions {
  quick?: boolean;
  seed?: number;
  outDir?: string;
  verbose?: boolean;
  /**
   * Also write outDir/twin/ for bench/zoo/timeseries_torch.py: fold<f>-{train-x,train-y,test-x}.npy
   * (standardised windows [n, k, 1] and targets [n, 1]), init/<parameter>.npy and run.json (prices,
   * fold boundaries with their mean/std and epochs, the model and optimiser settings).
   */
  exportData?: boolean;
}

/**
 * Walk-forward evaluation: prices p, log returns r[t] = ln(p[t+1]/p[t]). A sample's input is the k returns
 * ending at month t, its target the return into month t+1. Fold f forecasts prices in [start_f, end_f).
 */
export async function runTimeseries(opts: TimeseriesOptions = {}): Promise<TimeseriesResult> {
  const started = performance.now();
  const seed = opts.seed ?? 0;
  const outDir = opts.outDir ?? join("out", "examples", "timeseries");
  manualSeed(seed);
  const prices = await loadSp500();
  const returns = prices.slice(1).map((p, i) => Math.log(p / prices[i]));
  const k = 12;
  const folds = opts.quick ? 3 : 5;
  const foldLen = 12;
  const firstStart = prices.length - folds * foldLen; // the first forecast month
  const epochsFirst = opts.quick ? 40 : 120, epochsMore = opts.quick ? 15 : 40;

  const hidden = opts.quick ? 12 : 24, lr = 0.005, batchSize = 16;
  const model = new LstmForecaster(hidden);
  const optimizer = new Adam(model.parameters(), { lr });
  const twinDir = join(outDir, "twin");
  const twinFolds: { start: number; end: number; mean: number; std: number; epochs: number; seed: number }[] = [];
  if (opts.exportData) await writeNpyTensors(join(twinDir, "init"), model.stateDict());
  let trainSeconds = 0;
  const scores: FoldScore[] = [];
  const allActual: number[] = [], allLstm: number[] = [], allNaive: number[] = [];
  let firstFold: History = [];
  let mu = 0, sd = 1;
  for (let f = 0; f < folds; f++) {
    const start = firstStart + f * foldLen, end = Math.min(prices.length, start + foldLen);
    // price month m is forecast from returns r[m-1-k .. m-2] (the k returns ending at month m-1); train on months < start
    const trainMonths = range(k + 1, start);
    const known = returns.slice(0, start - 1);
    mu = known.reduce((s, v) => s + v, 0) / known.length;
    sd = Math.sqrt(known.reduce((s, v) => s + (v - mu) ** 2, 0) / known.length);
    const windowAt = (m: number): number[][] => returns.slice(m - 1 - k, m - 1).map((v) => [(v - mu) / sd]);
    const x = tensor(trainMonths.map(windowAt)), y = tensor(trainMonths.map((m) => [(returns[m - 1] - mu) / sd]));
    const epochs = f === 0 ? epochsFirst : epochsMore;
    const testMonths = range(start, end);
    const xt = tensor(testMonths.map(windowAt));
    if (opts.exportData) {
      await writeNpyTensors(twinDir, { [`fold${f}-train-x`]: x, [`fold${f}-train-y`]: y, [`fold${f}-test-x`]: xt });
      twinFolds.push({ start, end, mean: mu, std: sd, epochs, seed: seed + f });
    }
    const fitStarted = performance.now();
    const h = await fit(model, { train: { x, y }, loss: "mse", optimizer, epochs, batchSize, seed: seed + f, verbose: opts.verbose ?? false });
    trainSeconds += (performance.now() - fitStarted) / 1000;
    if (f === 0) firstFold = h;
    const pr = predict(model, xt);
    const predReturn = Array.from(pr.dataSync(), (z) => z * sd + mu);
    [x, y, xt, pr].forEach((t) => t.dispose());
    const actual = testMonths.map((m) => prices[m]);
    const lstm = testMonths.map((m, i) => prices[m - 1] * Math.exp(predReturn[i]));
    const naive = testMonths.map((m) => prices[m - 1]);
    scores.push({ fold: f + 1, start, months: testMonths.length, lstm: errors(actual, lstm), naive: errors(actual, naive) });
    allActual.push(...actual);
    allLstm.push(...lstm);
    allNaive.push(...naive);
  }
  const overall = { lstm: errors(allActual, allLstm), naive: errors(allActual, allNaive) };
  const result: TimeseriesResult = {
    window: k, folds: scores, overall, lstmBeatsNaive: overall.lstm.rmse < overall.naive.rmse,
    firstLoss: firstFold[0].loss, lastLoss: firstFold.at(-1)!.loss, trainSeconds, seconds: 0,
  };
  if (opts.exportData) {
    await writeOutput(join(twinDir, "run.json"), `${JSON.stringify({ prices, window: k, hidden, lr, batchSize, seed, quick: opts.quick ?? false, folds: twinFolds })}\n`);
  }

  await saveModelDir(join(outDir, "model"), {
    architecture: model.getConfig(),
    stateDict: model.stateDict(),
    preprocessing: { type: "log-return-window", window: k, mean: mu, std: sd },
    metadata: { dataset: "sp500", target: "next month's log return", overall },
  });
  const months = range(0, prices.length);
  const forecastX = range(firstStart, prices.length);
  const plot = linePlot({
    series: [
      { name: "actual", x: months, y: prices },
      { name: "LSTM forecast", x: forecastX, y: allLstm },
      { name: "naive (last value)", x: forecastX, y: allNaive, dashed: true },
    ],
    title: `S&P 500 walk-forward: RMSE LSTM ${overall.lstm.rmse.toFixed(1)}, naive ${overall.naive.rmse.toFixed(1)}`,
    xLabel: "months since Jan 2000",
    yLabel: "index level",
    width: 760,
  });
  await saveCharts(outDir, { forecast: plot });
  model.dispose();
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

function errors(actual: number[], forecast: number[]): { mae: number; rmse: number } {
  return { mae: meanAbsoluteError(actual, forecast), rmse: rootMeanSquaredError(actual, forecast) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf("--seed");
  const r = await runTimeseries({ quick: process.argv.includes("--quick"), seed: i >= 0 ? Number(process.argv[i + 1]) : 0, exportData: process.argv.includes("--export-data"), verbose: true });
  for (const f of r.folds) console.error(`fold ${f.fold} (${f.months} months): LSTM MAE ${f.lstm.mae.toFixed(1)} RMSE ${f.lstm.rmse.toFixed(1)} | naive MAE ${f.naive.mae.toFixed(1)} RMSE ${f.naive.rmse.toFixed(1)}`);
  console.error(`overall: LSTM RMSE ${r.overall.lstm.rmse.toFixed(1)} vs naive ${r.overall.naive.rmse.toFixed(1)} — ${r.lstmBeatsNaive ? "the LSTM wins" : "the naive forecast wins"}`);
  console.log(JSON.stringify(r));
}
