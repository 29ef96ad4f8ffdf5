import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSp500, runTimeseries } from "../../examples/timeseries.js";
import { loadModelDir } from "../../src/io/index.js";
import { moduleFromConfig, type LayerConfig } from "../../src/nn/index.js";
import { asyncBackendTest } from "../train/helpers.js";
import { readNpy } from "./npy-reader.js";

asyncBackendTest("timeseries example (quick): walk-forward folds, honest naive baseline, a trained LSTM that reloads, a twin export rebuilt from the prices", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ingot-timeseries-"));
  try {
    const prices = await loadSp500();
    assert.equal(prices.length, 123);
    const r = await runTimeseries({ quick: true, seed: 0, outDir: dir, exportData: true });
    // expanding-window folds tile the last months in order, each forecast month exactly once
    assert.equal(r.folds.length, 3);
    r.folds.forEach((f, i) => assert.equal(f.start, 123 - 36 + 12 * i));
    // the naive baseline recomputed here from the raw prices: next month = this month
    const months = Array.from({ length: 36 }, (_, i) => 87 + i);
    const naiveMae = months.reduce((s, m) => s + Math.abs(prices[m] - prices[m - 1]), 0) / months.length;
    assert.ok(Math.abs(r.overall.naive.mae - naiveMae) < 1e-9, `naive MAE ${r.overall.naive.mae} vs ${naiveMae}`);
    // learning: the first fold's training loss falls; the forecasts stay in the naive forecast's league
    // (a broken model — untrained scale, NaN, wrong de-standardisation — lands far outside it)
    assert.ok(r.lastLoss < r.firstLoss * 0.9, `loss ${r.firstLoss} → ${r.lastLoss}`);
    assert.ok(Number.isFinite(r.overall.lstm.rmse) && r.overall.lstm.rmse < 1.5 * r.overall.naive.rmse, `LSTM RMSE ${r.overall.lstm.rmse} vs naive ${r.overall.naive.rmse}`);
    assert.equal(r.lstmBeatsNaive, r.overall.lstm.rmse < r.overall.naive.rmse);
    const loaded = await loadModelDir(join(dir, "model"));
    const model = moduleFromConfig(loaded.config.architecture as LayerConfig);
    assert.deepEqual(Object.keys(model.stateDict()).sort(), Object.keys(loaded.stateDict).sort());
    assert.ok((await stat(join(dir, "forecast.png"))).size > 1000);

    // the twin export: every fold's windows and targets, recomputed here from the raw prices
    const twin = join(dir, "twin");
    const run = JSON.parse(await readFile(join(twin, "run.json"), "utf8")) as { prices: number[]; window: number; folds: { start: number; end: number; mean: number; std: number }[] };
    assert.deepEqual(run.prices, prices);
    assert.deepEqual(run.folds.map((f) => f.start), r.folds.map((f) => f.start));
    const k = run.window;
    const ret = (m: number): number => Math.log(prices[m] / prices[m - 1]); // the return into month m
    for (const [f, fold] of run.folds.entries()) {
      const [x, y, xt] = await Promise.all(["train-x", "train-y", "test-x"].map((n) => readNpy(join(twin, `fold${f}-${n}.npy`))));
      const n = fold.start - (k + 1); // training months k+1 .. start-1
      assert.deepEqual([x.shape, y.shape, xt.shape], [[n, k, 1], [n, 1], [fold.end - fold.start, k, 1]]);
      const z = (m: number): number => (ret(m) - fold.mean) / fold.std;
      for (const i of [0, n - 1]) {
        const m = k + 1 + i;
        assert.ok(Math.abs(y.data[i] - z(m)) < 1e-5, `fold ${f} target ${i}`);
        // the window ends with the return into the month before m
        assert.ok(Math.abs(x.data[i * k + k - 1] - z(m - 1)) < 1e-5 && Math.abs(x.data[i * k] - z(m - k)) < 1e-5, `fold ${f} window ${i}`);
      }
      assert.ok(Math.abs(xt.data[k - 1] - z(fold.start - 1)) < 1e-5, `fold ${f} first test window`);
    }
    for (const name of Object.keys(loaded.stateDict)) assert.ok((await stat(join(twin, "init", `${name}.npy`))).size > 0, name);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
