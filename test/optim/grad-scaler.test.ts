// Dynamic loss scaling: with a power-of-two scale training is bit-identical to unscaled training; an
// overflowing step is skipped and the scale backs off until gradients fit; clean steps grow it again.
import assert from "node:assert/strict";
import { tensor, type Tensor } from "../../src/index.js";
import { AdamW, GradScaler, SGD, clipGradNorm_ } from "../../src/optim/index.js";
import { backendTest } from "../helpers/backends.js";

function model(): { w: Tensor; b: Tensor; loss: () => Tensor } {
  const w = tensor([[0.5, -0.25], [1, 0.75]], { requiresGrad: true });
  const b = tensor([0.1, -0.2], { requiresGrad: true });
  const x = tensor([[1, 2], [-1, 0.5], [3, -2]]);
  const y = tensor([[1, 0], [0, 1], [2, -1]]);
  return { w, b, loss: () => x.matmul(w).add(b).sub(y).square().mean() };
}

backendTest("GradScaler with a power-of-two scale trains bit-identically to no scaler", () => {
  const plain = model();
  const optA = new AdamW([plain.w, plain.b], { lr: 0.05 });
  const scaled = model();
  const optB = new AdamW([scaled.w, scaled.b], { lr: 0.05 });
  const scaler = new GradScaler({ initScale: 2 ** 12, growthInterval: 3 });
  for (let i = 0; i < 8; i++) {
    optA.zeroGrad();
    plain.loss().backward();
    optA.step();
    optB.zeroGrad();
    scaler.scale(scaled.loss()).backward();
    assert.equal(scaler.step(optB), true);
    scaler.update();
  }
  assert.deepEqual(scaled.w.dataSync(), plain.w.dataSync());
  assert.deepEqual(scaled.b.dataSync(), plain.b.dataSync());
  // 8 clean steps with growthInterval 3 grow the scale twice
  assert.equal(scaler.getScale(), 2 ** 14);
});

backendTest("GradScaler skips steps whose gradients overflow and backs off until they fit", () => {
  const m = model();
  const opt = new SGD([m.w, m.b], { lr: 0.1 });
  // float32 tops out near 3.4e38 = 2^128: a scale of 2^127 makes the scaled loss's gradients overflow
  const scaler = new GradScaler({ initScale: 2 ** 127, growthInterval: 1000 });
  const before = m.w.dataSync().slice();
  let skipped = 0;
  for (let i = 0; i < 40 && skipped === i; i++) {
    opt.zeroGrad();
    scaler.scale(m.loss()).backward();
    if (!scaler.step(opt)) {
      skipped++;
      assert.deepEqual(m.w.dataSync(), before, "a skipped step leaves the weights alone");
    }
    scaler.update();
  }
  assert.ok(skipped >= 1 && skipped < 40, `skipped ${skipped} steps`);
  assert.equal(scaler.getScale(), 2 ** (127 - skipped));
  assert.notDeepEqual(m.w.dataSync(), before, "the first step that fits updates the weights");
  // the step that went through used correctly unscaled gradients: compare with plain SGD's first step
  const ref = model();
  const refOpt = new SGD([ref.w, ref.b], { lr: 0.1 });
  ref.loss().backward();
  refOpt.step();
  const got = m.w.dataSync();
  ref.w.dataSync().forEach((v, i) => assert.ok(Math.abs(got[i] - v) <= 1e-6 * Math.max(1, Math.abs(v)), `w[${i}] ${got[i]} vs ${v}`));
});

backendTest("GradScaler.unscale_ lets gradients be clipped at their true size, once per update", () => {
  const m = model();
  const opt = new SGD([m.w, m.b], { lr: 0.1 });
  const scaler = new GradScaler({ initScale: 1024 });
  scaler.scale(m.loss()).backward();
  const ref = model();
  ref.loss().backward();
  scaler.unscale_(opt);
  assert.deepEqual(m.w.grad?.dataSync(), ref.w.grad?.dataSync());
  clipGradNorm_([m.w, m.b], 0.5);
  assert.throws(() => scaler.unscale_(opt), /GradScaler\.unscale_: already called on this optimizer since the last update\(\)/);
  assert.equal(scaler.step(opt), true);
  assert.throws(() => scaler.step(opt), /GradScaler\.step: already called/);
  scaler.update();
  assert.throws(() => scaler.update(), /no optimizer was stepped/);
});

backendTest("GradScaler state round-trips, validates its options, and passes through when disabled", () => {
  const s = new GradScaler({ initScale: 8, growthInterval: 2 });
  const m = model();
  const opt = new SGD([m.w, m.b], { lr: 0.1 });
  s.scale(m.loss()).backward();
  s.step(opt);
  s.update();
  const state = s.stateDict();
  assert.deepEqual(state, { scale: 8, growth_factor: 2, backoff_factor: 0.5, growth_interval: 2, _growth_tracker: 1 });
  const t = new GradScaler({ growthInterval: 2 });
  t.loadStateDict(state);
  assert.deepEqual(t.stateDict(), state);
  assert.throws(() => t.loadStateDict({ ...state, scale: -1 }), /scale must be a positive finite number, got -1/);
  assert.throws(() => new GradScaler({ initScale: 0 }), /initScale must be a positive finite number, got 0/);
  assert.throws(() => new GradScaler({ backoffFactor: 1 }), /backoffFactor must be in \(0, 1\), got 1/);
  assert.throws(() => new GradScaler({ growthInterval: 1.5 }), /growthInterval must be a positive integer/);
  const off = new GradScaler({ enabled: false });
  const loss = m.loss();
  assert.equal(off.scale(loss), loss);
  assert.equal(off.getScale(), 1);
});
