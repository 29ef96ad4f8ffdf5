import assert from "node:assert/strict";
import { Generator, manualSeed, ones } from "../../src/index.js";
import { Dropout, Sequential } from "../../src/nn/index.js";
import { backendTest } from "../helpers/backends.js";

backendTest("Dropout zeroes about p of the elements in training and scales the rest by 1/(1−p)", () => {
  manualSeed(1);
  const y = new Dropout(0.3).forward(ones([100, 100])).dataSync();
  let zeros = 0;
  for (const v of y) {
    if (v === 0) zeros++;
    else assert.ok(Math.abs(v - 1 / 0.7) < 1e-6, `kept value ${v}`);
  }
  // 10⁴ Bernoulli(0.3) draws: std of the fraction is 0.0046
  assert.ok(Math.abs(zeros / 1e4 - 0.3) < 0.02, `zero fraction ${zeros / 1e4}`);
});

backendTest("Dropout is the identity after eval() and again active after train()", () => {
  const d = new Dropout(0.5);
  const model = new Sequential(d);
  const x = ones([10, 10]);
  model.eval();
  assert.equal(d.training, false);
  assert.equal(d.forward(x), x);
  model.train();
  assert.ok([...d.forward(x).dataSync()].some((v) => v === 0));
});

backendTest("Dropout masks are reproducible from a generator", () => {
  const a = new Dropout(0.5, { generator: new Generator(9) }).forward(ones([64])).dataSync();
  const b = new Dropout(0.5, { generator: new Generator(9) }).forward(ones([64])).dataSync();
  const c = new Dropout(0.5, { generator: new Generator(10) }).forward(ones([64])).dataSync();
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

backendTest("Dropout rejects p outside [0, 1]", () => {
  assert.throws(() => new Dropout(1.5), /Dropout: p must be a number in \[0, 1\], got 1.5/);
  assert.throws(() => new Dropout(-0.1), /Dropout: p must be a number in \[0, 1\]/);
});
