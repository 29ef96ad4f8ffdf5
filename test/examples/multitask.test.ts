import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPenguinTasks, multiTaskLoss, PenguinMultiTask, runMultitask } from "../../examples/multitask.js";
import { loadModelDir } from "../../src/io/index.js";
import { crossEntropy, mseLoss } from "../../src/losses/index.js";
import { moduleFromConfig, type LayerConfig } from "../../src/nn/index.js";
import { cast, tensor } from "../../src/tensor/index.js";
import { asyncBackendTest } from "../train/helpers.js";
import { readNpy } from "./npy-reader.js";

asyncBackendTest("the multi-task loss is the species cross entropy plus the weighted mass MSE", async () => {
  const pred = tensor([[2, 0.5, -1, 0.3], [0, 1, 3, -0.2]]);
  const y = tensor([[0, 1], [2, -0.5]]);
  const ce = crossEntropy(tensor([[2, 0.5, -1], [0, 1, 3]]), cast(tensor([0, 2]), "int32")).item();
  const mse = mseLoss(tensor([[0.3], [-0.2]]), tensor([[1], [-0.5]])).item();
  assert.ok(Math.abs(multiTaskLoss(0.5)(pred, y).item() - (ce + 0.5 * mse)) < 1e-6);
  const { train, test } = await loadPenguinTasks();
  assert.equal(train.x.length + test.x.length, 333, "344 penguins less 11 with a missing value or sex");
  assert.ok(test.species.every((s) => s >= 0 && s <= 2));
});

asyncBackendTest("multitask example (quick): both heads learn, match their single-task baselines, and export the split for the twin", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ingot-multitask-"));
  try {
    const r = await runMultitask({ quick: true, seed: 0, outDir: dir, exportData: true });
    assert.ok(r.multiTask.lastLoss < r.multiTask.firstLoss / 4, `loss ${r.multiTask.firstLoss} → ${r.multiTask.lastLoss}`);
    // species from beak and flipper is nearly separable; a constant guess gets ≈ 44%
    assert.ok(r.multiTask.speciesAccuracy >= 0.95, `species accuracy ${r.multiTask.speciesAccuracy}`);
    // mass: predicting the mean gives R² 0; the measurements and sex explain most of it
    assert.ok(r.multiTask.massR2 >= 0.75, `mass R² ${r.multiTask.massR2}`);
    assert.ok(r.multiTask.speciesAccuracy >= r.speciesOnly.speciesAccuracy - 0.05);
    assert.ok(r.multiTask.massRmse <= r.massOnly.massRmse * 1.15, `multi ${r.multiTask.massRmse} vs single ${r.massOnly.massRmse}`);
    const loaded = await loadModelDir(join(dir, "model"));
    const model = moduleFromConfig(loaded.config.architecture as LayerConfig);
    assert.ok(model instanceof PenguinMultiTask);
    model.loadStateDict(loaded.stateDict);
    assert.ok((await stat(join(dir, "species-confusion.png"))).size > 1000);

    // the twin export holds loadPenguinTasks' split as it is, and each network's untrained weights
    const twin = join(dir, "twin");
    const { train, test } = await loadPenguinTasks();
    for (const [split, d] of [["train", train], ["test", test]] as const) {
      const [x, species, mass] = await Promise.all(["x", "species", "mass"].map((n) => readNpy(join(twin, `${split}-${n}.npy`))));
      assert.deepEqual(x.shape, [d.x.length, 7], "3 measures, 3 islands one-hot, sex");
      d.x.flat().forEach((v, i) => assert.ok(Math.abs(x.data[i] - v) < 1e-5, `${split}-x value ${i}`));
      assert.deepEqual(Array.from(species.data), d.species);
      assert.deepEqual(Array.from(mass.data), d.mass);
    }
    const run = JSON.parse(await readFile(join(twin, "run.json"), "utf8")) as { massMean: number };
    assert.ok(Math.abs(run.massMean - train.mass.reduce((a, b) => a + b, 0) / train.mass.length) < 1e-9);
    for (const [name, w] of Object.entries(loaded.stateDict)) {
      const init = await readNpy(join(twin, "init-multi", `${name}.npy`));
      assert.deepEqual(init.shape, w.shape, name);
      assert.notDeepEqual(Array.from(init.data), Array.from(w.dataSync()), `init-multi/${name}.npy must hold the weights before training`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
