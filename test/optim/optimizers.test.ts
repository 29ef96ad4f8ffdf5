// Every optimizer against PyTorch 1.13 (test/fixtures/optim-steps.json): the parameters after each of
// 12 steps of a small linear regression, for each option combination, on every host backend.
import assert from "node:assert/strict";
import { test } from "node:test";
import { liveTensors, noGrad, scope, tensor, zeros, type Tensor } from "../../src/index.js";
import { Adam, AdamW, SGD } from "../../src/optim/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose } from "../helpers/gradcheck.js";
import { build, fixture, problem, trainStep } from "./problem.js";

const RTOL = 1e-5;
const ATOL = 1e-6;

for (const [name, c] of Object.entries(fixture.cases)) {
  // Adam/AdamW run the fused kernel unless amsgrad; check the composite path against the same numbers
  const variants: [string, Record<string, unknown>][] = c.optimizer.startsWith("Adam") && !c.optimizer.startsWith("Adad") ? [["fused", { fused: true }], ["unfused", { fused: false }]] : [["", {}]];
  for (const [label, extra] of variants) {
    backendTest(`optim fixture ${name}${label ? ` (${label})` : ""} matches PyTorch step by step`, () => {
      const { w, b, x, y } = problem();
      const opt = build(c, w, b, extra);
      c.trace.forEach((expected, i) => {
        trainStep(opt, c, w, b, x, y);
        assertClose(w, expected.w, RTOL, ATOL, `${name} w after step ${i + 1}`);
        assertClose(b, expected.b, RTOL, ATOL, `${name} b after step ${i + 1}`);
      });
    });
  }
}

backendTest("optimizers skip parameters whose grad is null and create no state for them", () => {
  for (const c of Object.values(fixture.cases)) {
    if (c.groups) continue;
    const { w, b, x, y } = problem();
    const frozen = tensor([1.5, -2]).requiresGrad_();
    const opt = build(c, w, b);
    opt.addParamGroup({ params: [frozen] });
    trainStep(opt, c, w, b, x, y);
    assert.deepEqual([...frozen.dataSync()], [1.5, -2], `${c.optimizer} moved a parameter without a gradient`);
    assert.equal(opt.stateOf(frozen), undefined);
    assert.ok(opt.stateOf(w), `${c.optimizer} has no state for a stepped parameter`);
  }
});

backendTest("a training step in a scope leaves no tensors behind once the state exists", () => {
  for (const [name, c] of Object.entries(fixture.cases)) {
    const { w, b, x, y } = problem();
    const opt = build(c, w, b);
    scope(() => trainStep(opt, c, w, b, x, y)); // creates the state buffers, which must survive the scope
    const before = liveTensors();
    for (let i = 0; i < 3; i++) scope(() => trainStep(opt, c, w, b, x, y));
    assert.equal(liveTensors() - before, 0, `${name}: a step leaked ${liveTensors() - before} tensors`);
    for (const buf of Object.values(opt.stateOf(w)!.buffers)) assert.ok(!buf.isDisposed, `${name}: a state buffer was freed by the scope`);
  }
});

test("zeroGrad disposes gradients by default and zero-fills them with setToNone false", () => {
  const p = tensor([1, 2]).requiresGrad_();
  const opt = new SGD([p], { lr: 0.1 });
  p.mul(3).sum().backward();
  const g = p.grad!;
  opt.zeroGrad(false);
  assert.equal(p.grad, g);
  assert.deepEqual([...g.dataSync()], [0, 0]);
  opt.zeroGrad();
  assert.equal(p.grad, null);
  assert.ok(g.isDisposed);
});

test("step(closure) evaluates the loss with grad enabled and returns it", () => {
  const p = tensor([3]).requiresGrad_();
  const opt = new SGD([p], { lr: 0.25 });
  // loss p², grad 2p = 6: p ← 3 − 0.25·6 = 1.5
  const loss = noGrad(() =>
    opt.step(() => {
      opt.zeroGrad();
      const l = p.square().sum();
      l.backward();
      return l.item();
    }),
  );
  assert.equal(loss, 9);
  assert.deepEqual([...p.dataSync()], [1.5]);
});

test("param groups take their own options and fall back to the defaults", () => {
  const a = zeros([2]).requiresGrad_();
  const b = zeros([3]).requiresGrad_();
  const opt = new Adam([{ params: [a] }, { params: b, lr: 0.5, betas: [0.5, 0.9] }], { lr: 0.01, weightDecay: 0.1 });
  assert.equal(opt.paramGroups[0].lr, 0.01);
  assert.deepEqual(opt.paramGroups[0].betas, [0.9, 0.999]);
  assert.equal(opt.paramGroups[1].lr, 0.5);
  assert.deepEqual(opt.paramGroups[1].betas, [0.5, 0.9]);
  assert.equal(opt.paramGroups[1].weightDecay, 0.1);
  assert.equal(new AdamW([a]).paramGroups[0].weightDecay, 0.01);
});

test("bad arguments get errors naming the problem", () => {
  const p = zeros([2]).requiresGrad_();
  const throws = (fn: () => unknown, re: RegExp): void => assert.throws(fn, re);
  throws(() => new SGD([], { lr: 0.1 }), /SGD: got an empty parameter list/);
  throws(() => new SGD([p], { lr: -1 }), /SGD: invalid lr -1 \(expected >= 0\)/);
  throws(() => new SGD([p], { lr: 0.1, nesterov: true }), /nesterov momentum requires momentum > 0 and dampening = 0/);
  throws(() => new Adam([p], { betas: [1, 0.9] }), /Adam: invalid betas\[0\] 1 \(expected in \[0, 1\)\)/);
  throws(() => new AdamW([p], { eps: -1 }), /AdamW: invalid eps -1/);
  throws(() => new SGD([p, p], { lr: 0.1 }), /appears more than once/);
  throws(() => new SGD([{ params: [p] }, { params: [p] }], { lr: 0.1 }), /appears more than once/);
  throws(() => new SGD([p.mul(2)], { lr: 0.1 }), /can't optimize a non-leaf tensor/);
  throws(() => new SGD([tensor([1], { dtype: "int32" })], { lr: 0.1 }), /can only optimize float32 tensors, got int32/);
  throws(() => new SGD([p], { lr: 0.1, momentun: 0.9 } as { lr: number }), /SGD: unknown option momentun \(known: lr, momentum, dampening, weightDecay, nesterov, maximize\)/);
  throws(() => new Adam([{ params: [p], momentum: 0.9 } as { params: Tensor[] }]), /Adam: unknown option momentum/);
  const opt = new SGD([p], { lr: 0.1 });
  throws(() => opt.loadStateDict(new Adam([zeros([2]).requiresGrad_()]).stateDict()), /SGD.loadStateDict: param group 0 has option betas, which SGD does not have/);
  p.grad = zeros([3]);
  throws(() => opt.step(), /SGD.step: gradient \[3\] does not match parameter \[2\]/);
});
