// Gradient clipping against hand-worked norms.
import assert from "node:assert/strict";
import { tensor, zeros, type Tensor } from "../../src/index.js";
import { clipGradNorm_, clipGradValue_ } from "../../src/optim/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose } from "../helpers/gradcheck.js";

/** A parameter whose .grad is set to the given values. */
function withGrad(values: number[], shape = [values.length]): Tensor {
  const p = zeros(shape).requiresGrad_();
  p.grad = tensor(values, { shape });
  return p;
}

backendTest("clipGradNorm_ (L2): returns the joint norm and rescales only above maxNorm", () => {
  // √(3² + 4² + 12²) = 13 over both tensors together
  const a = withGrad([3, 4]);
  const b = withGrad([12], [1, 1]);
  assert.ok(Math.abs(clipGradNorm_([a, b], 20) - 13) < 1e-5);
  assert.deepEqual([...a.grad!.dataSync(), ...b.grad!.dataSync()], [3, 4, 12]);
  assert.ok(Math.abs(clipGradNorm_([a, b], 6.5) - 13) < 1e-5);
  // scale 6.5 / (13 + 1e-6)
  const s = 6.5 / (13 + 1e-6);
  assertClose(a.grad!, [3 * s, 4 * s], 1e-6);
  assertClose(b.grad!, [12 * s], 1e-6);
  assert.ok(Math.abs(clipGradNorm_([a, b], 100) - 6.5) < 1e-5);
});

backendTest("clipGradNorm_ with normType Infinity, 1 and 3", () => {
  const a = withGrad([-3, 4]);
  const b = withGrad([-12]);
  assert.equal(clipGradNorm_([a, b], 3, Infinity), 12);
  assertClose(a.grad!, [-0.75, 1], 1e-6);
  assertClose(b.grad!, [-3], 1e-6);

  const c = withGrad([-3, 4]);
  const d = withGrad([-12]);
  assert.ok(Math.abs(clipGradNorm_([c, d], 9.5, 1) - 19) < 1e-5);
  assertClose(c.grad!, [-1.5, 2], 1e-6);
  assertClose(d.grad!, [-6], 1e-6);

  const e = withGrad([-3, 4, 12]);
  const norm3 = Math.cbrt(27 + 64 + 1728);
  assert.ok(Math.abs(clipGradNorm_(e, 1e9, 3) - norm3) < 1e-4);
  assertClose(e.grad!, [-3, 4, 12], 0, 0);
});

backendTest("clipGradNorm_ ignores parameters without gradients; non-finite norms scale to NaN or throw", () => {
  const none = zeros([2]).requiresGrad_();
  assert.equal(clipGradNorm_([none], 1), 0);
  const a = withGrad([3, 4]);
  assert.ok(Math.abs(clipGradNorm_([none, a], 1) - 5) < 1e-5);
  assertClose(a.grad!, [0.6, 0.8], 1e-5);

  const bad = withGrad([NaN, 1]);
  assert.throws(() => clipGradNorm_(bad, 1, 2, { errorIfNonfinite: true }), /clipGradNorm_: the total norm of order 2 of the gradients is NaN/);
  assert.ok(Number.isNaN(clipGradNorm_(bad, 1)));
  assert.ok([...bad.grad!.dataSync()].every(Number.isNaN), "PyTorch scales by the NaN coefficient too");

  assert.throws(() => clipGradNorm_(a, 1, 0), /normType must be a positive number or Infinity, got 0/);
  assert.throws(() => clipGradNorm_(a, NaN), /maxNorm must be a number/);
});

backendTest("clipGradValue_ clamps every gradient element to ±clipValue", () => {
  const a = withGrad([-3, 0.5, 4]);
  const b = withGrad([0.25, -0.75], [2, 1]);
  const none = zeros([1]).requiresGrad_();
  clipGradValue_([a, b, none], 0.6);
  assertClose(a.grad!, [-0.6, 0.5, 0.6], 1e-7);
  assertClose(b.grad!, [0.25, -0.6], 1e-7);
  assert.equal(none.grad, null);
  assert.throws(() => clipGradValue_(a, -1), /clipValue must be a non-negative number, got -1/);
});
