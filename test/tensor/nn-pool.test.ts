import assert from "node:assert/strict";
import { adaptiveAvgPool1d, adaptiveAvgPool2d, avgPool1d, avgPool2d, Generator, maxPool1d, maxPool2d, randn, tensor, type Tensor } from "../../src/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose, gradcheck } from "../helpers/gradcheck.js";

/** Distinct values 0.1 apart in random order, so finite differences never flip a max. */
function distinct(shape: number[], seed = 3): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const u = new Generator(seed).uniform(n);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => u[a] - u[b]);
  const v = new Float32Array(n);
  order.forEach((src, i) => (v[src] = (i - n / 2) * 0.1));
  return tensor(v, { shape });
}

backendTest("pooling matches hand-worked values", () => {
  const x = tensor(Float32Array.from({ length: 16 }, (_, i) => i), { shape: [1, 1, 4, 4] });
  assert.deepEqual(maxPool2d(x, 2).toArray(), [[[[5, 7], [13, 15]]]]);
  assert.deepEqual(avgPool2d(x, 2).toArray(), [[[[2.5, 4.5], [10.5, 12.5]]]]);
  // padding 1 with count_include_pad: the corner window holds x[0,0] only, divided by 4
  assertClose(avgPool2d(x, 2, 2, 1).dataSync().slice(0, 1), [0]);
  assertClose(avgPool2d(x.add(1), 2, 2, 1, false, true).dataSync().slice(0, 1), [0.25]);
  assertClose(avgPool2d(x.add(1), 2, 2, 1, false, false).dataSync().slice(0, 1), [1]);
  assert.deepEqual(adaptiveAvgPool2d(x, 1).toArray(), [[[[7.5]]]]);
  assert.deepEqual(adaptiveAvgPool2d(x, [2, null]).shape, [1, 1, 2, 4]);
  const s = tensor([[1, 5, 2, 8, 3]]);
  assert.deepEqual(maxPool1d(s, 2).toArray(), [[5, 8]]);
  assert.deepEqual(maxPool1d(s, 2, 2, 0, 1, true).toArray(), [[5, 8, 3]]);
  assert.deepEqual(avgPool1d(s, 2, 1).toArray(), [[3, 3.5, 5, 5.5]]);
  assertClose(adaptiveAvgPool1d(s, 2), [8 / 3, 13 / 3]);
});

backendTest("pooling gradchecks", () => {
  gradcheck((x) => maxPool2d(x, 3, 2, 1, 1, true), [distinct([2, 2, 7, 6])]);
  gradcheck((x) => maxPool2d(x, [2, 3], [1, 2], [1, 1], [2, 1]), [distinct([1, 2, 6, 7])]);
  gradcheck((x) => maxPool1d(x, 3, 2, 1, 2), [distinct([2, 2, 9])]);
  gradcheck((x) => maxPool2d(x, 2), [distinct([2, 4, 4])]);
  gradcheck((x) => avgPool2d(x, 3, 2, 1, true, false), [randn([2, 2, 6, 5])]);
  gradcheck((x) => avgPool2d(x, [2, 3], [2, 2], [1, 1], true, true), [randn([1, 2, 5, 6])]);
  gradcheck((x) => avgPool1d(x, 4, 3, 2), [randn([2, 3, 10])]);
  gradcheck((x) => adaptiveAvgPool2d(x, [3, 2]), [randn([2, 3, 7, 5])]);
  gradcheck((x) => adaptiveAvgPool1d(x, 4), [randn([2, 7])]);
});

backendTest("pooling rejects bad arguments with the op name", () => {
  assert.throws(() => maxPool2d(randn([4, 4]), 2), /maxPool2d: expects input \[N, C, H, W\] or unbatched \[C, H, W\], got \[4,4\]/);
  assert.throws(() => maxPool2d(randn([1, 1, 2, 2]), 3), /maxPool2d: kernel 3 \(dilation 1\) is bigger than the padded input \[1,1,2,2\]/);
  assert.throws(() => maxPool2d(randn([1, 1, 6, 6]), 2, 2, 2), /maxPool2d: padding 2 should be at most half of the kernel size 2/);
  assert.throws(() => avgPool1d(randn([1, 1, 6]), 0), /avgPool1d: kernelSize must be an integer >= 1/);
  assert.throws(() => adaptiveAvgPool2d(randn([1, 1, 3, 3]), 0), /adaptiveAvgPool2d: output height must be an integer >= 1/);
});
