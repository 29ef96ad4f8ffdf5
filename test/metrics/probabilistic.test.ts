// logLoss and perplexity against scikit-learn / PyTorch and by hand.
import assert from "node:assert/strict";
import { test } from "node:test";
import { crossEntropy, tensor } from "../../src/index.js";
import { logLoss, perplexity } from "../../src/metrics/index.js";
import { backendTest } from "../helpers/backends.js";
import { close, fx } from "./fixture.js";

test("logLoss matches scikit-learn, including eps clipping of exact 0/1 probabilities", () => {
  const b = fx.binary;
  close(logLoss(b.yTrue, b.yScore), b.logLoss, "float64 input: eps = 2^-52");
  close(logLoss(b.yTrue, b.yScore, { normalize: false }), b.logLossSum, "summed");
  // scikit-learn computes float32 input in float32 (rounding ~1e-7) with eps = 2^-23
  close(logLoss(b.yTrue, Float32Array.from(b.yScore)), b.logLossFloat32, "float32 input", 1e-5);
  close(logLoss(fx.multiclass.yTrue, fx.multiclass.yScore), fx.multiclass.logLoss, "multiclass");
  close(logLoss(fx.oddLabels.y25, fx.oddLabels.s25), fx.oddLabels.logLoss25, "labels {2, 5}: scores are P(5)");
});

test("logLoss by hand", () => {
  close(logLoss([1, 0], [0.8, 0.3]), -(Math.log(0.8) + Math.log(0.7)) / 2, "binary");
  close(logLoss([0, 2], [[0.5, 0.25, 0.25], [0.2, 0.2, 0.6]], { labels: [0, 1, 2] }), -(Math.log(0.5) + Math.log(0.6)) / 2, "multiclass with labels");
  // rows that do not sum to 1 are renormalised after clipping to [eps, 1 - eps], as scikit-learn does
  close(logLoss([0, 1], [[0.2, 0.2], [0.1, 0.3]]), -(Math.log(0.5) + Math.log(0.75)) / 2, "renormalised");
  close(logLoss([0, 1], [[1, 1], [1, 3]]), Math.log(2), "clipped, then renormalised");
  close(logLoss([1, 0], [Math.log(4), Math.log(3 / 7)], { fromLogits: true }), -(Math.log(0.8) + Math.log(0.7)) / 2, "logits");
  close(logLoss([1, 0], [1, 0], { eps: 1e-3 }), -Math.log(1 - 1e-3), "explicit eps");
});

backendTest("perplexity from a mean cross-entropy equals PyTorch's exp(cross_entropy)", () => {
  const p = fx.perplexity;
  const [b, t, c] = p.shape;
  const logits = tensor(p.logits, { shape: [b * t, c] });
  const targets = tensor(p.targets, { dtype: "int32" });
  close(perplexity(crossEntropy(logits, targets, { ignoreIndex: -100 })), p.perplexity, "from a tensor", 1e-5);
  close(perplexity(Math.log(7)), 7, "a uniform guess over 7 tokens");
});

test("probabilistic metric errors", () => {
  assert.throws(() => logLoss([1, 1], [0.5, 0.9]), /yTrue contains only one label \(1\); pass the true labels explicitly through the labels option/);
  assert.throws(() => logLoss([0, 1, 2], [0.5, 0.9, 0.1]), /yPred has 2 classes but yTrue has 3 \(\[0,1,2\]\); pass labels/);
  assert.throws(() => logLoss([0, 1], [0.5, 0.9, 0.1]), /logLoss: yTrue has 2 samples but yPred has 3/);
  assert.throws(() => logLoss([0, 3], [0.5, 0.9], { labels: [0, 1] }), /yTrue contains label 3, which is not in labels/);
  assert.throws(() => perplexity(-1), /meanCrossEntropy must be a cross-entropy >= 0/);
});
