import assert from "node:assert/strict";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSp500, runTimeseries } from "../../examples/timeseries.js";
import { loadModelDir } from "../../src/io/index.js";
import { moduleFromConfig, type LayerConfig } from "../../src/nn/index.js";
import { asyncBackendTest } from "../train/helpers.js";

asyncBackendTest("timeseries example (quick): walk-forward folds, honest naive baseline, a trained LSTM that reloads", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ingot-timeseries-"));
  try {
    const prices = await loadSp500();
    assert.equal(prices.length, 123);
    const r = await runTimeseries({ quick: true, seed: 0, outDir: dir });
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
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
