import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { evaluateLogits, loadSpamRnn, runSpamLstm, SpamRnnClassifier } from "../../examples/spam-lstm.js";
import { loadSpamSplits } from "../../examples/spam-mlp.js";
import { loadModelDir, manualSeed, noGrad, tensor } from "../../src/index.js";
import { readNpy } from "./npy-reader.js";

// quick: 840 training e-mails, 64 words, a BiGRU of 32, 5 epochs; measured F1 ≈ 0.90, AUC ≈ 0.99 (full size: F1 0.955).
// The floors sit well below that and far above what no learning gives (F1 0 for "always ham", AUC 0.5).
const QUICK_F1_FLOOR = 0.8;
const QUICK_AUC_FLOOR = 0.93;

test("the recurrent classifier ignores padding: extra pad columns leave every logit unchanged (lstm and gru)", () => {
  for (const cell of ["lstm", "gru"] as const) {
    manualSeed(3);
    const model = new SpamRnnClassifier({ vocabSize: 20, embeddingDim: 4, hiddenSize: 5, cell, padId: 0 });
    model.eval();
    const short = [[5, 6, 7, 0], [8, 9, 0, 0], [0, 0, 0, 0]];
    const long = short.map((r) => [...r, 0, 0, 0]);
    const [a, b] = noGrad(() => [model.forward(tensor(Int32Array.from(short.flat()), { shape: [3, 4] })), model.forward(tensor(Int32Array.from(long.flat()), { shape: [3, 7] }))]);
    const [x, y] = [a.dataSync(), b.dataSync()];
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(x[i] - y[i]) < 1e-5, `${cell} row ${i}: ${x[i]} vs ${y[i]}`);
    // different words give a different logit: the model reads its input
    assert.notEqual(x[0], x[1]);
    model.dispose();
  }
});

test("spam-lstm --quick passes its F1 floor, the saved model reloads to the same held-out scores, and the twin export matches the run", async () => {
  const outDir = await mkdtemp(join(tmpdir(), "ingot-spam-lstm-test-"));
  try {
    const splits = await loadSpamSplits(true);
    const m = await runSpamLstm({ quick: true, outDir, exportData: true }, splits);
    console.log(`quick spam-lstm (${m.cell}): F1 ${m.f1.toFixed(4)}, ROC AUC ${m.rocAuc.toFixed(4)}, loss ${m.firstLoss.toFixed(3)} → ${m.lastLoss.toFixed(3)}, ${m.trainSeconds.toFixed(1)} s`);
    assert.ok(m.f1 >= QUICK_F1_FLOOR, `held-out F1 ${m.f1} < ${QUICK_F1_FLOOR}`);
    assert.ok(m.rocAuc >= QUICK_AUC_FLOOR, `held-out ROC AUC ${m.rocAuc} < ${QUICK_AUC_FLOOR}`);
    assert.ok(m.lastLoss < m.firstLoss / 3, `training loss ${m.firstLoss} → ${m.lastLoss}`);
    for (const f of ["model/config.json", "roc.png", "confusion.svg", "loss.svg"]) assert.ok(existsSync(join(outDir, f)), f);

    const { model, encoder } = await loadSpamRnn(m.modelDir);
    const { ids, mask } = encoder.transform(splits.test.texts);
    const again = evaluateLogits(model, ids, splits.test.labels);
    assert.equal(again.metrics.f1, m.f1);
    assert.equal(again.metrics.rocAuc, m.rocAuc);

    // the twin export: each split's ids and labels, in the split's order, and the untrained weights
    const twin = join(outDir, "twin");
    const run = JSON.parse(await readFile(join(twin, "run.json"), "utf8")) as Record<string, number | string>;
    assert.equal(run.vocabSize, m.vocabulary);
    assert.equal(run.cell, m.cell);
    const testIds = await readNpy(join(twin, "test-x.npy"));
    assert.deepEqual(testIds.shape, [m.testRows, m.maxLength]);
    assert.deepEqual(Array.from(testIds.data), Array.from(ids.dataSync()), "test-x.npy holds the encoder's ids of the test e-mails");
    for (const [split, rows] of [["train", splits.train.labels], ["val", splits.val.labels], ["test", splits.test.labels]] as const) {
      const y = await readNpy(join(twin, `${split}-y.npy`));
      assert.deepEqual(y.shape, [rows.length, 1]);
      assert.deepEqual(Array.from(y.data), rows, `${split}-y.npy`);
      assert.equal((await readNpy(join(twin, `${split}-x.npy`))).shape[0], rows.length);
    }
    const trained = (await loadModelDir(m.modelDir)).stateDict;
    for (const [name, w] of Object.entries(trained)) {
      const init = await readNpy(join(twin, "init", `${name}.npy`));
      assert.deepEqual(init.shape, w.shape, name);
      assert.notDeepEqual(Array.from(init.data), Array.from(w.dataSync()), `init/${name}.npy must hold the weights before training`);
    }
    [ids, mask, model].forEach((t) => t.dispose());
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
});
