import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Generator, loadModelDir, Module, moduleFromConfig, noGrad, randn, saveModelDir, type LayerConfig, type Tensor } from "../../src/index.js";
import {
  CONFIDENT, dcganDiscriminator, dcganGenerator, MODES, modeCentres, modeCoverage, NOT_A_SHAPE, recognisability, runGan, sampleRing, SHAPE_SIZE, SHAPE_Z,
  SIGMA,
} from "../../examples/gan.js";

test("modeCoverage: the true mixture covers all 8 modes; a collapsed or spread-out sampler does not", () => {
  const real = modeCoverage(sampleRing(4000, new Generator(0)));
  assert.equal(real.modesCovered, MODES);
  assert.ok(real.highQuality > 0.98, `real high-quality share ${real.highQuality}`);
  // every sample at one mode: 1 mode covered
  const [cx, cy] = modeCentres()[3];
  const collapsed = Float32Array.from({ length: 2000 }, (_, i) => (i % 2 === 0 ? cx : cy) + SIGMA * 0.1);
  assert.equal(modeCoverage(collapsed).modesCovered, 1);
  // a wide Gaussian blob: few samples within 3σ of any mode
  const blob = new Generator(1).normal(4000, 0, 1);
  assert.ok(modeCoverage(blob).highQuality < 0.1);
});

/** A stand-in classifier whose 7 logits (6 shapes, NOT_A_SHAPE) are 10 × an image's first 7 pixels, so the softmax is known by hand. */
class FirstPixels extends Module {
  override forward(x: Tensor): Tensor {
    return x.reshape([x.shape[0], -1]).narrow(1, 0, 7).mul(10);
  }
}

test("recognisability: counts confident images and the classes they span, by hand", () => {
  const px = SHAPE_SIZE * SHAPE_SIZE;
  // logits [10, 0, ...] give p = e^10 / (e^10 + 6) ≈ 0.9997 (confident); [2, 0, ...] give e^2 / (e^2 + 6) ≈ 0.552 (not)
  const firstPixels = [
    [1, 0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0, 0], [0.2, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0.2, 0],
    [0, 0, 0, 0, 0, 1, 0], [0, 0, 1, 0, 0, 0, 0], [0, 0, 0, 0.2, 0, 0, 0], [0, 0, 0, 0, 0, 0, 1],
  ];
  const pixels = new Float32Array(firstPixels.length * px);
  firstPixels.forEach((p, i) => pixels.set(p, i * px));
  const r = recognisability(new FirstPixels(), pixels);
  // 5 confident shapes out of 9: the last image is confidently NOT_A_SHAPE, which does not count
  assert.equal(r.recognisable, 5 / 9);
  assert.equal(r.classes, 3); // classes 0, 2 and 5
  assert.deepEqual(r.perClass, [2 / 9, 0, 2 / 9, 0, 0, 1 / 9]);
  assert.deepEqual(Array.from(r.predicted), [0, 0, 2, 0, 5, 5, 2, 3, NOT_A_SHAPE]);
  assert.ok(Math.abs(r.confidence[0] - Math.exp(10) / (Math.exp(10) + 6)) < 1e-5);
  assert.ok(Math.abs(r.confidence[3] - Math.exp(2) / (Math.exp(2) + 6)) < 1e-5 && r.confidence[3] < CONFIDENT);
  assert.throws(() => recognisability(new FirstPixels(), new Float32Array(px + 1)), /recognisability: pixels has 1025 values/);
});

test("the DCGAN maps noise [N, z, 1, 1] to [N, 1, 32, 32] in [-1, 1] and one logit per image; its saved config rebuilds it", async () => {
  const gen = dcganGenerator(SHAPE_Z, 4);
  const disc = dcganDiscriminator(4);
  gen.eval();
  const z = randn([3, SHAPE_Z, 1, 1], { generator: new Generator(5) });
  const x = noGrad(() => gen.call(z));
  assert.deepEqual(x.shape, [3, 1, SHAPE_SIZE, SHAPE_SIZE]);
  assert.ok((x.dataSync() as Float32Array).every((v) => v >= -1 && v <= 1));
  assert.deepEqual(noGrad(() => disc.call(x)).shape, [3, 1]);
  const dir = await mkdtemp(join(tmpdir(), "zoo-dcgan-"));
  try {
    await saveModelDir(dir, { architecture: gen.getConfig(), stateDict: gen.stateDict() });
    const loaded = await loadModelDir(dir);
    const again = moduleFromConfig(loaded.config.architecture as LayerConfig) as Module<[Tensor], Tensor>;
    again.loadStateDict(loaded.stateDict);
    again.eval();
    assert.deepEqual(Array.from(noGrad(() => again.call(z)).dataSync()), Array.from(x.dataSync()));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// quick mode: 1200 ring steps; 640 DCGAN steps of 16 images. That is too few for shapes: quick samples are
// blobs, and the judge scores them 0% recognisable (seed 0; other seeds not measured). The full run (3072 steps) reaches 48%, 5 classes.
// So quick mode checks the judge and that the generator moved towards the data, not that it draws shapes.
test("the ring GAN covers the modes; the shapes DCGAN trains, saves its grids and a reloadable generator (quick)", async () => {
  const outDir = await mkdtemp(join(tmpdir(), "zoo-gan-"));
  try {
    const r = await runGan({ quick: true, seed: 0, outDir });
    // ring: a quick run reaches 8 modes, ~80% within 3σ
    assert.ok(r.ring.modesCovered >= 6, `modes covered ${r.ring.modesCovered}`);
    assert.ok(r.ring.highQuality >= 0.5, `high-quality share ${r.ring.highQuality}`);
    assert.ok(r.ring.untrainedHighQuality < 0.2, `untrained share ${r.ring.untrainedHighQuality}`);

    const s = r.shapes;
    // the judge must know real shapes, or its verdict on the samples means nothing (quick: 96% accurate, 69% confident, 6 classes)
    assert.ok(s.classifierAccuracy >= 0.85, `classifier accuracy on held-out real shapes ${s.classifierAccuracy}`);
    assert.ok(s.real.recognisable >= 0.5 && s.real.classes === 6, `real images: ${JSON.stringify(s.real)}`);
    assert.ok(s.untrained.recognisable <= 0.02, `untrained generator: ${JSON.stringify(s.untrained)}`);
    // nearestRealRatio is not asserted: the untrained generator's near-black images (its output bias starts at the
    // mean pixel) sit as near the mostly-black real images as quick mode's blobs do (0.38 vs 0.40, seed 0)
    assert.ok(s.lastEpochLossG > 0 && s.firstEpochLossG > 0, `generator losses ${s.firstEpochLossG} -> ${s.lastEpochLossG}`);
    for (let e = 1; e <= s.epochs; e++) assert.ok(existsSync(join(outDir, `shapes-epoch-${String(e).padStart(2, "0")}.png`)), `epoch ${e} grid`);
    for (const f of ["shapes-judged.png", "shapes-loss.svg", "ring-loss.svg", join("ring-generator", "config.json")]) assert.ok(existsSync(join(outDir, f)), f);

    // the saved shape generator reloads and draws varied 32×32 images
    const loaded = await loadModelDir(join(outDir, "shapes-generator"));
    const gen = moduleFromConfig(loaded.config.architecture as LayerConfig) as Module<[Tensor], Tensor>;
    gen.loadStateDict(loaded.stateDict);
    gen.eval();
    const out = noGrad(() => gen.call(randn([2, SHAPE_Z, 1, 1], { generator: new Generator(3) })));
    assert.deepEqual(out.shape, [2, 1, SHAPE_SIZE, SHAPE_SIZE]);
    const v = out.dataSync() as Float32Array;
    const px = SHAPE_SIZE * SHAPE_SIZE;
    const diff = v.subarray(0, px).reduce((a, x, k) => a + Math.abs(x - v[px + k]), 0) / px;
    assert.ok(diff > 0.05, `two noise vectors give near-identical images (mean |diff| ${diff})`);
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
});
