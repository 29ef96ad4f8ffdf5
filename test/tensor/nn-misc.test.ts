import assert from "node:assert/strict";
import { dropout, embedding, Generator, ones, randn, tensor } from "../../src/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose, gradcheck } from "../helpers/gradcheck.js";

backendTest("dropout: seeded mask, 1/(1−p) scaling, identity when off", () => {
  const x = ones([1000]);
  const a = dropout(x, 0.3, true, new Generator(9)).dataSync();
  const b = dropout(x, 0.3, true, new Generator(9)).dataSync();
  assert.deepEqual(a, b);
  let zeros = 0;
  for (const v of a) {
    if (v === 0) zeros++;
    else assert.ok(Math.abs(v - 1 / 0.7) < 1e-6);
  }
  assert.ok(zeros > 230 && zeros < 370, `dropped ${zeros} of 1000`);
  assert.equal(dropout(x, 0.3, false), x);
  assert.equal(dropout(x, 0), x);
  assert.deepEqual(Array.from(dropout(tensor([1, 2]), 1).dataSync()), [0, 0]);
  // gradient is the same mask
  const y = randn([50]).requiresGrad_();
  const out = dropout(y, 0.5, true, new Generator(4));
  out.sum().backward();
  assertClose(y.grad!, dropout(ones([50]), 0.5, true, new Generator(4)));
  gradcheck((t) => dropout(t, 0.4, true, new Generator(2)), [randn([3, 5])]);
  assert.throws(() => dropout(x, 1.5), /dropout: probability p must be in \[0, 1\]/);
});

backendTest("embedding picks rows, accumulates gradients and skips the padding row", () => {
  const w = tensor([[0, 1], [2, 3], [4, 5]]);
  const i = tensor([[2, 0], [2, 1]], { dtype: "int32" });
  assert.deepEqual(embedding(i, w).toArray(), [[[4, 5], [0, 1]], [[4, 5], [2, 3]]]);
  const wl = w.detach().requiresGrad_();
  embedding(i, wl, 1).sum().backward();
  assert.deepEqual(wl.grad!.toArray(), [[1, 1], [0, 0], [2, 2]]);
  const wn = w.detach().requiresGrad_();
  embedding(i, wn, -1).sum().backward();
  assert.deepEqual(wn.grad!.toArray(), [[1, 1], [1, 1], [0, 0]]);
  gradcheck((t) => embedding(tensor([3, 0, 3, 1], { dtype: "int32" }), t), [randn([4, 3])]);
  // (finite differences see the padding row's forward use, so it is left out of the indices here)
  gradcheck((t) => embedding(tensor([[3, 2], [2, 1]], { dtype: "int32" }), t, 0), [randn([4, 3])]);
  assert.throws(() => embedding(tensor([0, 3], { dtype: "int32" }), w), /embedding: indices into weight \[3,2\] out of range: values span \[0, 3\], expected \[0, 2\]/);
  assert.throws(() => embedding(tensor([0, 1]), w), /embedding: indices must be int32, got float32/);
  assert.throws(() => embedding(tensor([0], { dtype: "int32" }), randn([3])), /embedding: weight must be \[numEmbeddings, dim\]/);
});
