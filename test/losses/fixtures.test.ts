// Every loss × option combination against PyTorch 1.13 (test/fixtures/losses.json, made by
// make-loss-fixtures.py): outputs and the gradients of sum(output · upstream) w.r.t. every input
// PyTorch differentiates, within 1e-5.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { tensor, type Tensor } from "../../src/index.js";
import {
  binaryCrossEntropy, binaryCrossEntropyWithLogits, cosineEmbeddingLoss, crossEntropy, hingeEmbeddingLoss, huberLoss, klDiv, l1Loss,
  marginRankingLoss, mseLoss, nllLoss, smoothL1Loss, tripletMarginLoss,
  type BceOptions, type BceWithLogitsOptions, type CrossEntropyOptions, type HuberOptions, type KlDivOptions, type MarginOptions,
  type NllLossOptions, type ReductionOptions, type SmoothL1Options, type TripletMarginOptions,
} from "../../src/losses/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose } from "../helpers/gradcheck.js";

interface Enc {
  shape: number[];
  dtype: "float32" | "int32";
  data: number[];
}

interface Case {
  loss: string;
  args: string[];
  options: Record<string, unknown>;
  tensorOptions: Record<string, string>;
  inputs: Record<string, Enc>;
  consts: Record<string, Enc>;
  output: Enc;
  upstream: Enc;
  grads: Record<string, Enc>;
}

type Opts = Record<string, unknown>;
type Runner = (xs: Tensor[], o: Opts) => Tensor;

const runners: Record<string, Runner> = {
  mseLoss: ([a, b], o) => mseLoss(a, b, o as ReductionOptions),
  l1Loss: ([a, b], o) => l1Loss(a, b, o as ReductionOptions),
  smoothL1Loss: ([a, b], o) => smoothL1Loss(a, b, o as SmoothL1Options),
  huberLoss: ([a, b], o) => huberLoss(a, b, o as HuberOptions),
  binaryCrossEntropy: ([p, y], o) => binaryCrossEntropy(p, y, o as BceOptions),
  binaryCrossEntropyWithLogits: ([x, y], o) => binaryCrossEntropyWithLogits(x, y, o as BceWithLogitsOptions),
  crossEntropy: ([x, t], o) => crossEntropy(x, t, o as CrossEntropyOptions),
  nllLoss: ([x, t], o) => nllLoss(x, t, o as NllLossOptions),
  klDiv: ([x, t], o) => klDiv(x, t, o as KlDivOptions),
  cosineEmbeddingLoss: ([a, b, y], o) => cosineEmbeddingLoss(a, b, y, o as MarginOptions),
  tripletMarginLoss: ([a, p, n], o) => tripletMarginLoss(a, p, n, o as TripletMarginOptions),
  marginRankingLoss: ([a, b, y], o) => marginRankingLoss(a, b, y, o as MarginOptions),
  hingeEmbeddingLoss: ([x, y], o) => hingeEmbeddingLoss(x, y, o as MarginOptions),
};

function dec(e: Enc): Tensor {
  const data = e.dtype === "float32" ? Float32Array.from(e.data) : Int32Array.from(e.data);
  return tensor(data, { shape: e.shape, dtype: e.dtype });
}

const TOL = 1e-5;
const cases = JSON.parse(readFileSync(new URL("../fixtures/losses.json", import.meta.url), "utf8")) as Record<string, Case>;

for (const [name, c] of Object.entries(cases)) {
  backendTest(`loss fixture ${name} (${c.loss}) matches PyTorch`, () => {
    const run = runners[c.loss];
    assert.ok(run, `no runner for ${c.loss}`);
    const xs: Record<string, Tensor> = {};
    for (const [k, e] of Object.entries(c.inputs)) xs[k] = e.dtype === "float32" ? dec(e).requiresGrad_() : dec(e);
    for (const [k, e] of Object.entries(c.consts)) xs[k] = dec(e);
    const opts: Opts = { ...c.options };
    for (const [opt, k] of Object.entries(c.tensorOptions)) opts[opt] = xs[k];
    const out = run(c.args.map((k) => xs[k]), opts);
    assert.deepEqual([...out.shape], c.output.shape, `${name}: output shape`);
    assertClose(out, c.output.data, TOL, TOL, `${name} output`);
    out.mul(dec(c.upstream)).sum().backward();
    assert.ok(Object.keys(c.grads).length > 0, `${name}: fixture has no gradients`);
    for (const [k, e] of Object.entries(c.grads)) {
      const g = xs[k].grad;
      assert.ok(g, `${name}: no gradient for ${k}`);
      assertClose(g, e.data, TOL, TOL, `${name} grad ${k}`);
    }
  });
}
