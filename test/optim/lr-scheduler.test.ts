// LR schedulers against PyTorch 1.13 (test/fixtures/optim-lr.json): every group's lr (and cycled
// momentum) after construction and after each step, plus state-dict resume and argument errors.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { zeros } from "../../src/index.js";
import {
  Adam, CosineAnnealingLR, CosineAnnealingWarmRestarts, ExponentialLR, LambdaLR, LinearLR, MultiStepLR, OneCycleLR,
  ReduceLROnPlateau, SequentialLR, SGD, StepLR, type CosineAnnealingLROptions, type CosineAnnealingWarmRestartsOptions,
  type ExponentialLROptions, type LinearLROptions, type LRScheduler, type MultiStepLROptions, type OneCycleLROptions,
  type Optimizer, type ReduceLROnPlateauOptions, type SchedulerStateDict, type StepLROptions,
} from "../../src/optim/index.js";

interface Spec {
  type: string;
  args: Record<string, unknown>;
}

interface LrCase {
  optimizer: "SGD" | "Adam";
  schedulers: Spec[];
  metrics?: number[];
  lrs: number[][];
  momentum: number[][];
  lastLr: (number[] | null)[];
}

const cases = JSON.parse(readFileSync(new URL("../fixtures/optim-lr.json", import.meta.url), "utf8")) as Record<string, LrCase>;

// the fixture names its lambdas; these are the same functions as in make-optim-fixtures.py
const LAMBDAS: Record<string, (epoch: number) => number> = {
  pow095: (e) => 0.95 ** e,
  halfEvery3: (e) => 0.5 ** Math.floor(e / 3),
  warmup4: (e) => Math.min(1, (e + 1) / 4),
};

type AnyScheduler = LRScheduler | SequentialLR | ReduceLROnPlateau;

function makeOptimizer(kind: "SGD" | "Adam"): Optimizer {
  const w = zeros([2]).requiresGrad_();
  const b = zeros([1]).requiresGrad_();
  if (kind === "Adam") return new Adam([{ params: [w] }, { params: [b], lr: 0.002 }], { lr: 0.01 });
  return new SGD([{ params: [w] }, { params: [b], lr: 0.01 }], { lr: 0.1, momentum: 0.9 });
}

// the fixture's arguments are JSON; each scheduler validates what it is given
function makeScheduler(opt: Optimizer, spec: Spec): AnyScheduler {
  const a = spec.args;
  const as = <T>(): T => a as unknown as T;
  switch (spec.type) {
    case "StepLR": return new StepLR(opt, as<StepLROptions>());
    case "MultiStepLR": return new MultiStepLR(opt, as<MultiStepLROptions>());
    case "ExponentialLR": return new ExponentialLR(opt, as<ExponentialLROptions>());
    case "LinearLR": return new LinearLR(opt, as<LinearLROptions>());
    case "CosineAnnealingLR": return new CosineAnnealingLR(opt, as<CosineAnnealingLROptions>());
    case "CosineAnnealingWarmRestarts": return new CosineAnnealingWarmRestarts(opt, as<CosineAnnealingWarmRestartsOptions>());
    case "OneCycleLR": return new OneCycleLR(opt, as<OneCycleLROptions>());
    case "ReduceLROnPlateau": return new ReduceLROnPlateau(opt, as<ReduceLROnPlateauOptions>());
    case "LambdaLR": {
      const names = a.lrLambda as string | string[];
      return new LambdaLR(opt, { lrLambda: Array.isArray(names) ? names.map((n) => LAMBDAS[n]) : LAMBDAS[names] });
    }
    case "SequentialLR":
      return new SequentialLR(opt, { milestones: a.milestones as number[], schedulers: (a.schedulers as Spec[]).map((s) => makeScheduler(opt, s) as LRScheduler) });
    default: throw new Error(`no builder for ${spec.type}`);
  }
}

const momentumOf = (opt: Optimizer): number[] =>
  opt.paramGroups.map((g) => {
    const m = g as { momentum?: number; betas?: readonly number[] };
    return m.betas ? m.betas[0] : (m.momentum as number);
  });

function close(actual: number[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) <= 1e-12 * Math.abs(expected[i]) + 1e-15, `${what}[${i}]: ${a} vs PyTorch ${expected[i]}`));
}

function stepAll(scheds: AnyScheduler[], c: LrCase, i: number): void {
  for (const s of scheds) {
    if (s instanceof ReduceLROnPlateau) s.step(c.metrics![i]);
    else s.step();
  }
}

function checkEpoch(opt: Optimizer, scheds: AnyScheduler[], c: LrCase, i: number, name: string): void {
  close(opt.paramGroups.map((g) => g.lr), c.lrs[i], `${name} lr at epoch ${i}`);
  close(momentumOf(opt), c.momentum[i], `${name} momentum at epoch ${i}`);
  const last = c.lastLr[i];
  if (last) close(scheds[scheds.length - 1].getLastLr(), last, `${name} getLastLr() at epoch ${i}`);
}

for (const [name, c] of Object.entries(cases)) {
  test(`lr schedule ${name} matches PyTorch`, () => {
    const opt = makeOptimizer(c.optimizer);
    const scheds = c.schedulers.map((s) => makeScheduler(opt, s));
    checkEpoch(opt, scheds, c, 0, name);
    for (let i = 1; i < c.lrs.length; i++) {
      stepAll(scheds, c, i - 1);
      checkEpoch(opt, scheds, c, i, name);
    }
  });

  test(`lr schedule ${name} resumes from its state dict (through JSON)`, () => {
    const opt = makeOptimizer(c.optimizer);
    const scheds = c.schedulers.map((s) => makeScheduler(opt, s));
    const cut = Math.floor(c.lrs.length / 2);
    for (let i = 1; i <= cut; i++) stepAll(scheds, c, i - 1);
    const saved = JSON.parse(JSON.stringify({ opt: opt.stateDict().meta, scheds: scheds.map((s) => s.stateDict()) })) as { opt: ReturnType<Optimizer["stateDict"]>["meta"]; scheds: SchedulerStateDict[] };

    const opt2 = makeOptimizer(c.optimizer);
    const scheds2 = c.schedulers.map((s) => makeScheduler(opt2, s));
    opt2.loadStateDict({ meta: saved.opt, tensors: {} });
    scheds2.forEach((s, i) => s.loadStateDict(saved.scheds[i]));
    checkEpoch(opt2, scheds2, c, cut, `${name} (resumed)`);
    for (let i = cut + 1; i < c.lrs.length; i++) {
      stepAll(scheds2, c, i - 1);
      checkEpoch(opt2, scheds2, c, i, `${name} (resumed)`);
    }
  });
}

test("step(epoch) jumps with the closed form; warm restarts take fractional epochs", () => {
  const opt = makeOptimizer("SGD");
  const s = new StepLR(opt, { stepSize: 3, gamma: 0.5 });
  s.step(7); // 0.1 · 0.5^⌊7/3⌋
  close(s.getLastLr(), [0.025, 0.0025], "StepLR.step(7)");
  const opt2 = makeOptimizer("SGD");
  const r = new CosineAnnealingWarmRestarts(opt2, { t0: 10 });
  r.step(5); // half way down the first cosine: (1 + cos(π/2)) / 2 = 1/2
  close(r.getLastLr(), [0.05, 0.005], "warm restarts at epoch 5");
  r.step(12.5); // 2.5 into the second period of 10: (1 + cos(π/4)) / 2
  const f = (1 + Math.cos(Math.PI / 4)) / 2;
  close(r.getLastLr(), [0.1 * f, 0.01 * f], "warm restarts at epoch 12.5");
});

test("OneCycleLR refuses to step past totalSteps", () => {
  const s = new OneCycleLR(makeOptimizer("SGD"), { maxLr: 0.1, totalSteps: 3 });
  for (let i = 0; i < 3; i++) s.step();
  assert.throws(() => s.step(), /OneCycleLR: tried to step 5 times; the specified number of total steps is 3/);
});

test("scheduler arguments are checked with errors naming them", () => {
  const opt = makeOptimizer("SGD");
  assert.throws(() => new StepLR(opt, { stepSize: 0 }), /StepLR: stepSize must be a positive integer, got 0/);
  assert.throws(() => new LinearLR(opt, { startFactor: 0 }), /LinearLR: startFactor must be in \(0, 1\], got 0/);
  assert.throws(() => new LambdaLR(opt, { lrLambda: [(e: number) => e] }), /LambdaLR: lrLambda must be a function or an array of 2 functions/);
  assert.throws(() => new CosineAnnealingWarmRestarts(opt, { t0: 2, tMult: 1.5 }), /tMult must be an integer >= 1, got 1.5/);
  assert.throws(() => new OneCycleLR(opt, { maxLr: 1 }), /OneCycleLR: give totalSteps, or epochs and stepsPerEpoch/);
  assert.throws(() => new OneCycleLR(opt, { maxLr: [1, 2, 3], totalSteps: 5 }), /maxLr must be a number or an array of 2 numbers/);
  assert.throws(() => new ReduceLROnPlateau(opt, { factor: 1 }), /ReduceLROnPlateau: factor must be < 1, got 1/);
  assert.throws(() => new ExponentialLR(makeOptimizer("SGD"), { gamma: 0.9, lastEpoch: 3 }), /paramGroups\[0\]\.initialLr is not set; it is needed when resuming/);
  const a = new ExponentialLR(opt, { gamma: 0.9 });
  const other = new ExponentialLR(makeOptimizer("SGD"), { gamma: 0.9 });
  assert.throws(() => new SequentialLR(opt, { schedulers: [a, other], milestones: [2] }), /schedulers\[1\] belongs to a different optimizer/);
  assert.throws(() => new SequentialLR(opt, { schedulers: [a], milestones: [2] }), /expected 0 milestones for 1 schedulers, got 1/);
  assert.throws(() => a.loadStateDict({ lastEpoch: 1 }), /ExponentialLR.loadStateDict: state field stepCount must be a number/);
  const cycleless = new SGD([zeros([1]).requiresGrad_()], { lr: 0.1 });
  assert.throws(() => new OneCycleLR(new Adam([zeros([1]).requiresGrad_()]), { maxLr: 1, totalSteps: 4, pctStart: 0.25 }), /phase 0 of the cycle is empty/);
  assert.doesNotThrow(() => new OneCycleLR(cycleless, { maxLr: 1, totalSteps: 10 }));
});
