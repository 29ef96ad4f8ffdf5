import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FusionNet, messageFeatures, MESSAGE_FEATURES, runCrossmodal } from "../../examples/crossmodal.js";
import { loadModelDir } from "../../src/io/index.js";
import { moduleFromConfig, type LayerConfig } from "../../src/nn/index.js";
import { asyncBackendTest } from "../train/helpers.js";
import { readNpy } from "./npy-reader.js";

asyncBackendTest("message features measure what they say", async () => {
  const f = messageFeatures("FREE money!! Visit http://x.com and www.y.com for $$$ 100%");
  assert.equal(f.length, MESSAGE_FEATURES.length);
  assert.ok(Math.abs(f[1] - Math.log1p(2)) < 1e-12, "two links");
  assert.ok(f[2] > 0.1 && f[2] < 0.5, `uppercase ratio ${f[2]}`);
  assert.ok(Math.abs(f[5] - Math.log1p(3)) < 1e-12, "three dollar signs");
  assert.equal(f[6], 0);
  assert.equal(messageFeatures("<html><body>hi</body></html>")[6], 1);
  assert.deepEqual(messageFeatures("").slice(2), [0, 0, 0, 0, 0]);
});

asyncBackendTest("crossmodal example (quick): fused and text-only models both learn spam, F1 reported for each, inputs exported for the twin", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ingot-crossmodal-"));
  try {
    const r = await runCrossmodal({ quick: true, seed: 0, outDir: dir, exportData: true });
    // a third of the corpus holds ≈ 31% spam: all-ham gets F1 0, all-spam F1 ≈ 0.48
    for (const [name, s] of [["fused", r.fused], ["text only", r.textOnly]] as const) {
      assert.ok(s.f1 >= 0.9, `${name} F1 ${s.f1}`);
      assert.ok(s.lastLoss < s.firstLoss / 3, `${name} loss ${s.firstLoss} → ${s.lastLoss}`);
    }
    // the tabular branch must not hurt: fusion stays within noise of the text-only model or beats it
    assert.ok(r.fused.f1 >= r.textOnly.f1 - 0.02, `fused ${r.fused.f1} vs text ${r.textOnly.f1}`);
    const loaded = await loadModelDir(join(dir, "model"));
    const model = moduleFromConfig(loaded.config.architecture as LayerConfig);
    assert.ok(model instanceof FusionNet && model.textSize === r.vocabulary);
    model.loadStateDict(loaded.stateDict);
    assert.ok((await stat(join(dir, "loss.png"))).size > 1000);

    // the twin export: TF-IDF columns then the message features standardised on the training rows
    const twin = join(dir, "twin");
    const run = JSON.parse(await readFile(join(twin, "run.json"), "utf8")) as { vocabulary: number; features: string[] };
    assert.equal(run.vocabulary, r.vocabulary);
    const d = run.vocabulary + MESSAGE_FEATURES.length;
    const [x, y, xTest, yTest] = await Promise.all(["train-x", "train-y", "test-x", "test-y"].map((n) => readNpy(join(twin, `${n}.npy`))));
    assert.deepEqual([x.shape, y.shape, xTest.shape, yTest.shape], [[r.nTrain, d], [r.nTrain, 1], [r.nTest, d], [r.nTest, 1]]);
    assert.ok([...y.data, ...yTest.data].every((v) => v === 0 || v === 1));
    for (let j = run.vocabulary; j < d; j++) {
      let s = 0, s2 = 0;
      for (let i = 0; i < r.nTrain; i++) { s += x.data[i * d + j]; s2 += x.data[i * d + j] ** 2; }
      assert.ok(Math.abs(s / r.nTrain) < 1e-4 && Math.abs(s2 / r.nTrain - 1) < 1e-3, `feature column ${j}: mean ${s / r.nTrain}, mean square ${s2 / r.nTrain}`);
    }
    for (const [name, w] of Object.entries(loaded.stateDict)) {
      const init = await readNpy(join(twin, "init-fused", `${name}.npy`));
      assert.deepEqual(init.shape, w.shape, name);
      assert.notDeepEqual(Array.from(init.data), Array.from(w.dataSync()), `init-fused/${name}.npy must hold the weights before training`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
