// The whole-group (multi-tensor) Adam update: taken through a backend's adamStepMulti when it has one,
// equal to the per-parameter update, and batched by step count when parameters joined training late.
import assert from "node:assert/strict";
import { adamStepMulti_, noGrad, randn, tensor, zeros, type Tensor } from "../../src/index.js";
import { AdamW } from "../../src/optim/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose } from "../helpers/gradcheck.js";

/** Runs `steps` AdamW steps where parameter b has no gradient on the first step. */
function train(fused: boolean, steps: number): Float32Array[] {
  const a = tensor([0.5, -1, 2, 0.25, 3], { requiresGrad: true });
  const b = tensor([[1, 2], [-3, 0.5]], { requiresGrad: true });
  const opt = new AdamW([a, b], { lr: 0.1, weightDecay: 0.05, fused });
  for (let s = 0; s < steps; s++) {
    opt.zeroGrad();
    const loss = s === 0 ? a.square().sum() : a.square().sum().add(b.pow(3).sum());
    loss.backward();
    opt.step();
  }
  return [a.dataSync() as Float32Array, b.dataSync() as Float32Array];
}

backendTest("AdamW's group update equals the per-parameter update, with parameters at different steps", () => {
  const grouped = train(true, 4);
  const single = train(false, 4);
  assertClose(grouped[0], single[0], 1e-6);
  assertClose(grouped[1], single[1], 1e-6);
  // b started a step late: had it been corrected as step 2 on its first update, it would differ
  assert.ok(Math.abs(grouped[1][0] - 1) > 0.1, "b moved");
});

backendTest("adamStepMulti_ goes through the backend's multi-tensor kernel and falls back when refused", () => {
  const make = (): Tensor[][] => [[randn([3]), randn([2, 2])], [randn([3]), randn([2, 2])], [zeros([3]), zeros([2, 2])], [zeros([3]), zeros([2, 2])]];
  const [p1, g, m1, v1] = make();
  const [p2, m2, v2] = [p1.map((x) => x.clone()), m1.map((x) => x.clone()), v1.map((x) => x.clone())];
  const before = p1.map((x) => Float32Array.from(x.dataSync()));
  const hp = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: true, step: 1 };
  const be = p1[0].backend;
  const original = be.adamStepMulti;
  let calls = 0;
  be.adamStepMulti = () => {
    calls++;
    return false; // refused: the per-parameter kernel must still do the update
  };
  try {
    noGrad(() => adamStepMulti_(p1, g, m1, v1, hp));
  } finally {
    be.adamStepMulti = original;
  }
  assert.equal(calls, 1);
  noGrad(() => p2.forEach((x, i) => adamStepMulti_([x], [g[i]], [m2[i]], [v2[i]], hp)));
  p1.forEach((x, i) => assertClose(x, p2[i].dataSync(), 1e-7));
  p1.forEach((x, i) => assert.notDeepEqual(x.dataSync(), before[i], "every parameter moved"));
  assert.throws(() => adamStepMulti_(p1, g.slice(1), m1, v1, hp), /adamStepMulti_: needs as many grads, ms and vs as params \(2\), got 1, 2, 2/);
  assert.throws(() => adamStepMulti_([p1[0]], [g[1]], [m1[0]], [v1[0]], hp), /adamStep_: grad \[2,2\] does not match param \[3\]/);
});
