import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Generator } from "../../src/index.js";
import { MODES, modeCentres, modeCoverage, runGan, sampleRing, SIGMA } from "../../examples/gan.js";

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

// quick mode: 1200 ring steps and 3 epochs on 1280 shape images. The floors sit below what a quick run reaches (8 modes, ~80% within 3σ).
test("the ring GAN covers the modes and the shapes GAN saves a sample grid per epoch (quick)", async () => {
  const outDir = await mkdtemp(join(tmpdir(), "zoo-gan-"));
  try {
    const r = await runGan({ quick: true, seed: 0, outDir });
    assert.ok(r.ring.modesCovered >= 6, `modes covered ${r.ring.modesCovered}`);
    assert.ok(r.ring.highQuality >= 0.5, `high-quality share ${r.ring.highQuality}`);
    assert.ok(r.ring.untrainedHighQuality < 0.2, `untrained share ${r.ring.untrainedHighQuality}`);
    for (let e = 1; e <= r.shapes.epochs; e++) assert.ok(existsSync(join(outDir, `shapes-epoch-0${e}.png`)), `epoch ${e} grid`);
    assert.ok(r.shapes.nearestRealRatio < 0.8, `nearest-real ratio ${r.shapes.nearestRealRatio}`);
    assert.ok(existsSync(join(outDir, "ring-generator", "config.json")) && existsSync(join(outDir, "shapes-generator", "model.safetensors")));
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
});
