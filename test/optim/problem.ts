// The tiny linear regression the optimizer fixtures were recorded on (test/fixtures/optim-steps.json,
// made by make-optim-fixtures.py), and helpers to build optimizers from the fixture's descriptions.
import { readFileSync } from "node:fs";
import { linear, mseLoss, neg, scope, tensor, type Tensor } from "../../src/index.js";
import {
  Adadelta, Adagrad, Adam, AdamW, RMSprop, SGD, type Optimizer, type ParamGroupInput,
  type AdadeltaOptions, type AdagradOptions, type AdamOptions, type RMSpropOptions, type SGDOptions,
} from "../../src/optim/index.js";

interface Enc {
  shape: number[];
  data: number[];
}

export interface OptimCase {
  optimizer: string;
  options: Record<string, unknown>;
  groups: ({ params: string[] } & Record<string, unknown>)[] | null;
  negate: boolean;
  trace: { w: number[]; b: number[] }[];
}

export interface OptimFixture {
  steps: number;
  problem: { w: Enc; b: Enc; x: Enc; y: Enc };
  cases: Record<string, OptimCase>;
}

export const fixture = JSON.parse(readFileSync(new URL("../fixtures/optim-steps.json", import.meta.url), "utf8")) as OptimFixture;

const enc = (e: Enc): Tensor => tensor(Float32Array.from(e.data), { shape: e.shape });

/** Fresh copies of the initial parameters (requiring grad) and the data. */
export function problem(): { w: Tensor; b: Tensor; x: Tensor; y: Tensor } {
  const p = fixture.problem;
  return { w: enc(p.w).requiresGrad_(), b: enc(p.b).requiresGrad_(), x: enc(p.x), y: enc(p.y) };
}

type AnyOptions = Record<string, unknown>;
type Maker = (params: Tensor[] | ParamGroupInput[], o: AnyOptions) => Optimizer;

// the fixture's options are plain JSON; each optimizer validates them at construction
export const makers: Record<string, Maker> = {
  SGD: (p, o) => new SGD(p, o as SGDOptions),
  Adam: (p, o) => new Adam(p, o as AdamOptions),
  AdamW: (p, o) => new AdamW(p, o as AdamOptions),
  RMSprop: (p, o) => new RMSprop(p, o as RMSpropOptions),
  Adagrad: (p, o) => new Adagrad(p, o as AdagradOptions),
  Adadelta: (p, o) => new Adadelta(p, o as AdadeltaOptions),
};

/** Builds the case's optimizer over w and b (as param groups when the case has them). */
export function build(c: OptimCase, w: Tensor, b: Tensor, extra: AnyOptions = {}): Optimizer {
  const named: Record<string, Tensor> = { w, b };
  const params = c.groups ? c.groups.map((g) => ({ ...g, params: g.params.map((n) => named[n]) })) : [w, b];
  return makers[c.optimizer](params, { ...c.options, ...extra });
}

/** zeroGrad, loss (negated for maximize cases), backward, step: one training step of the fixture. */
export function trainStep(opt: Optimizer, c: OptimCase, w: Tensor, b: Tensor, x: Tensor, y: Tensor): void {
  opt.zeroGrad();
  scope(() => {
    const loss = mseLoss(linear(x, w, b), y);
    (c.negate ? neg(loss) : loss).backward();
  });
  opt.step();
}
