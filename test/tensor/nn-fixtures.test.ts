// nn ops against PyTorch 1.13 reference values (test/fixtures/nn-*.json, made by make-nn-fixtures.py):
// outputs and the gradients of sum(output · upstream) w.r.t. every float input.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  adaptiveAvgPool1d, adaptiveAvgPool2d, avgPool1d, avgPool2d, batchNorm, binaryCrossEntropyWithLogits, conv1d, conv2d,
  convTranspose1d, convTranspose2d, crossEntropy, embedding, layerNorm, logSoftmax, maxPool1d, maxPool2d, mseLoss, nllLoss,
  scaledDotProductAttention, softmax, tensor, type Reduction, type Tensor,
} from "../../src/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose } from "../helpers/gradcheck.js";

interface Enc {
  shape: number[];
  dtype: "float32" | "int32" | "bool";
  data: number[];
}

interface Case {
  inputs: Record<string, Enc>;
  consts: Record<string, Enc>;
  params: Record<string, unknown>;
  output: Enc;
  upstream: Enc;
  grads: Record<string, Enc>;
  [extra: string]: unknown;
}

type Runner = (x: Record<string, Tensor>, c: Case) => Tensor;

function load(name: string): Record<string, Case> {
  return JSON.parse(readFileSync(new URL(`../fixtures/nn-${name}.json`, import.meta.url), "utf8")) as Record<string, Case>;
}

function dec(e: Enc): Tensor {
  const data = e.dtype === "float32" ? Float32Array.from(e.data) : e.dtype === "int32" ? Int32Array.from(e.data) : Uint8Array.from(e.data);
  return tensor(data, { shape: e.shape, dtype: e.dtype });
}

function run(file: string, runners: Record<string, Runner>): void {
  const cases = load(file);
  for (const [name, c] of Object.entries(cases)) {
    const runner = runners[name];
    backendTest(`nn fixture ${file}/${name} matches PyTorch`, () => {
      assert.ok(runner, `no runner for fixture ${name}`);
      const xs: Record<string, Tensor> = {};
      for (const [k, e] of Object.entries(c.inputs)) xs[k] = e.dtype === "float32" ? dec(e).requiresGrad_() : dec(e);
      for (const [k, e] of Object.entries(c.consts)) xs[k] = dec(e);
      const out = runner(xs, c);
      assert.deepEqual([...out.shape], c.output.shape, `${name}: output shape`);
      assertClose(out, c.output.data, 1e-4, 1e-5, `${name} output`);
      out.mul(dec(c.upstream)).sum().backward();
      for (const [k, e] of Object.entries(c.grads)) {
        const g = xs[k].grad;
        assert.ok(g, `${name}: no gradient for ${k}`);
        assertClose(g, e.data, 1e-4, 1e-5, `${name} grad ${k}`);
      }
    });
  }
}

const p = <T>(c: Case, k: string): T => c.params[k] as T;

run("softmax", {
  softmax_dim1: (x, c) => softmax(x.x, p(c, "dim")),
  logsoftmax_last: (x) => logSoftmax(x.x),
  logsoftmax_dim0: (x) => x.x.logSoftmax(0),
});

run("norm", {
  layernorm_affine: (x) => layerNorm(x.x, [3, 4], x.w, x.b),
  layernorm_plain: (x) => layerNorm(x.x, 5),
  batchnorm_train: (x, c) => {
    const rm = dec(c.runningMean as Enc);
    const rv = dec(c.runningVar as Enc);
    const out = batchNorm(x.x, rm, rv, x.w, x.b, true, 0.1, 1e-5);
    assertClose(rm, (c.newRunningMean as Enc).data, 1e-5, 1e-6, "running mean");
    assertClose(rv, (c.newRunningVar as Enc).data, 1e-5, 1e-6, "running var");
    return out;
  },
  batchnorm_eval: (x, c) => batchNorm(x.x, dec(c.runningMean as Enc), dec(c.runningVar as Enc), x.w, x.b, false),
});

type P2 = number | [number, number];
run("conv", {
  conv2d_groups: (x, c) => conv2d(x.x, x.w, x.b, { stride: p<P2>(c, "stride"), padding: p<P2>(c, "padding"), dilation: p<P2>(c, "dilation"), groups: p(c, "groups") }),
  conv2d_plain: (x) => conv2d(x.x, x.w, null, { padding: 1 }),
  conv2d_1x1: (x) => conv2d(x.x, x.w, x.b),
  conv1d: (x) => conv1d(x.x, x.w, x.b, { stride: 2, padding: 1, dilation: 2 }),
  conv_transpose2d: (x, c) => convTranspose2d(x.x, x.w, x.b, { stride: p<P2>(c, "stride"), padding: p<P2>(c, "padding"), outputPadding: p<P2>(c, "outputPadding"), groups: 2 }),
  conv_transpose2d_dil: (x) => convTranspose2d(x.x, x.w, null, { stride: 2, padding: 1, dilation: 2 }),
  conv_transpose1d: (x) => convTranspose1d(x.x, x.w, x.b, { stride: 2, padding: 1, outputPadding: 1 }),
});

run("pool", {
  maxpool2d_ceil: (x) => maxPool2d(x.x, 3, 2, 1, 1, true),
  maxpool2d_dil: (x) => maxPool2d(x.x, [2, 3], [1, 2], [1, 1], [2, 1]),
  maxpool1d: (x) => maxPool1d(x.x, 3, 2, 1, 2),
  avgpool2d_ceil_noinc: (x) => avgPool2d(x.x, 3, 2, 1, true, false),
  avgpool2d_inc: (x) => avgPool2d(x.x, [2, 3], [2, 2], [1, 1], true, true),
  avgpool1d: (x) => avgPool1d(x.x, 4, 3, 2),
  adaptive2d: (x) => adaptiveAvgPool2d(x.x, [3, 2]),
  adaptive1d: (x) => adaptiveAvgPool1d(x.x, 4),
});

run("attention", {
  plain: (x) => scaledDotProductAttention(x.q, x.k, x.v),
  float_mask: (x) => scaledDotProductAttention(x.q, x.k, x.v, { attnMask: x.m }),
  bool_mask: (x) => scaledDotProductAttention(x.q, x.k, x.v, { attnMask: x.m }),
  causal_scale: (x) => scaledDotProductAttention(x.q, x.k, x.v, { isCausal: true, scale: 0.3 }),
  broadcast_kv: (x) => scaledDotProductAttention(x.q, x.k, x.v),
});

run("loss", {
  ce_basic: (x) => crossEntropy(x.x, x.t),
  ce_weight_ignore_smooth: (x) => crossEntropy(x.x, x.t, { weight: x.w, labelSmoothing: 0.1 }),
  ce_smooth_noweight: (x) => crossEntropy(x.x, x.t, { labelSmoothing: 0.25 }),
  ce_spatial_none: (x) => crossEntropy(x.x, x.t, { reduction: "none", ignoreIndex: 2 }),
  ce_spatial_sum_smooth: (x) => crossEntropy(x.x, x.t, { weight: x.w, reduction: "sum", labelSmoothing: 0.2 }),
  nll_weight: (x) => nllLoss(x.x, x.t, { weight: x.w }),
  nll_spatial_sum: (x) => nllLoss(x.x, x.t, { reduction: "sum" }),
  bce_logits: (x) => binaryCrossEntropyWithLogits(x.x, x.y),
  bce_logits_posweight: (x, c) => binaryCrossEntropyWithLogits(x.x, x.y, { weight: x.w, posWeight: x.p, reduction: p<Reduction>(c, "reduction") }),
  mse: (x) => mseLoss(x.a, x.b),
});

run("misc", {
  embedding_pad: (x) => embedding(x.idx, x.w, 1),
});
