import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadModelDir, moduleFromConfig, noGrad, type LayerConfig, type Module, type Tensor } from "../../src/index.js";
import { augment, CROP, runCnnImages, saliencyFocus } from "../../examples/cnn-images.js";
import { exportShapes, generateShapes, SHAPE_CLASSES } from "../../examples/shapes-data.js";
import { Generator } from "../../src/index.js";

test("generated shapes are deterministic per seed, balanced, in [0, 1], and differ between seeds", () => {
  const a = generateShapes(60, { seed: 3, size: 32 });
  const b = generateShapes(60, { seed: 3, size: 32 });
  const c = generateShapes(60, { seed: 4, size: 32 });
  assert.deepEqual(a.pixels, b.pixels);
  assert.notDeepEqual(a.pixels, c.pixels);
  for (let k = 0; k < SHAPE_CLASSES.length; k++) assert.equal(a.labels.filter((l) => l === k).length, 10);
  assert.ok(a.pixels.every((v) => v >= 0 && v <= 1));
  // a shape covers a real part of the canvas, not a speck and not all of it
  const bright = a.pixels.slice(0, 1024).filter((v) => v > 0.5).length;
  assert.ok(bright > 40 && bright < 700, `bright pixels ${bright}`);
  assert.throws(() => generateShapes(0), /n must be a positive integer/);
});

test("exported .npy files carry numpy's header and the raw pixels", async () => {
  const dir = await mkdtemp(join(tmpdir(), "zoo-cnn-"));
  try {
    const d = generateShapes(6, { seed: 1, size: 28 });
    await exportShapes(d, dir, "t");
    const x = readFileSync(join(dir, "t-x.npy"));
    assert.equal(x.subarray(1, 6).toString("latin1"), "NUMPY");
    const headerLen = x.readUInt16LE(8);
    assert.equal((10 + headerLen) % 64, 0);
    assert.match(x.subarray(10, 10 + headerLen).toString("latin1"), /'descr': '<f4'.*'shape': \(6, 1, 28, 28\)/);
    assert.deepEqual(new Float32Array(x.buffer.slice(x.byteOffset + 10 + headerLen, x.byteOffset + x.length)), d.pixels);
    const y = readFileSync(join(dir, "t-y.npy"));
    assert.match(y.toString("latin1"), /'<i4'.*\(6,\)/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("augmentation crops to 28×28: centred when not training, random when training", () => {
  const d = generateShapes(2, { seed: 0, size: 32 });
  const g = new Generator(0);
  const evalX = augment(d, false, g);
  assert.deepEqual(evalX.shape, [2, 1, CROP, CROP]);
  // centre crop of a 32 canvas starts at (2, 2)
  assert.equal(evalX.dataSync()[0], d.pixels[2 * 32 + 2]);
  const t1 = augment(d, true, g).dataSync();
  const t2 = augment(d, true, g).dataSync();
  assert.notDeepEqual(t1, t2);
});

test("saliencyFocus is 1 for uniform saliency and above 1 when it sits on the shape", () => {
  const pixels = Float32Array.from({ length: 100 }, (_, i) => (i < 30 ? 0.9 : 0));
  assert.equal(saliencyFocus(new Float32Array(100).fill(1), pixels), 1);
  assert.ok(saliencyFocus(Float32Array.from(pixels, (v) => v + 0.1), pixels) > 5);
});

// quick mode: 1800 images, 3 epochs. Chance is 1/6; the floors are well below the ~0.88 a quick run reaches.
test("the CNN learns the shapes (quick), saves a reloadable model and its plots", async () => {
  const outDir = await mkdtemp(join(tmpdir(), "zoo-cnn-run-"));
  try {
    const r = await runCnnImages({ quick: true, seed: 0, outDir });
    assert.ok(r.testAccuracy >= 0.75, `test accuracy ${r.testAccuracy}`);
    assert.ok(r.lastEpochLoss < 0.6 * r.firstEpochLoss, `loss ${r.firstEpochLoss} -> ${r.lastEpochLoss}`);
    assert.ok(r.saliencyFocus > 1.1, `saliency focus ${r.saliencyFocus}`);
    for (const f of ["samples", "saliency", "confusion", "loss"]) {
      assert.ok(existsSync(join(outDir, `${f}.svg`)) && existsSync(join(outDir, `${f}.png`)), `${f} plot`);
    }
    // the saved directory rebuilds the same network: same predictions on fresh images
    const loaded = await loadModelDir(join(outDir, "model"));
    const model = moduleFromConfig(loaded.config.architecture as LayerConfig) as Module<[Tensor], Tensor>;
    model.loadStateDict(loaded.stateDict);
    model.eval();
    const fresh = augment(generateShapes(24, { seed: 99, size: 32, margin: 3 }), false, new Generator(0));
    const pred = noGrad(() => model.call(fresh).argmax(1).dataSync());
    const labels = generateShapes(24, { seed: 99, size: 32, margin: 3 }).labels;
    const correct = Array.from(pred).filter((p, i) => p === labels[i]).length;
    assert.ok(correct >= 16, `reloaded model: ${correct}/24 correct`);
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
});
