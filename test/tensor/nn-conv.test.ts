import assert from "node:assert/strict";
import { conv1d, conv2d, convTranspose1d, convTranspose2d, ones, randn, sum, tensor, zeros } from "../../src/index.js";
import { backendTest } from "../helpers/backends.js";
import { gradcheck } from "../helpers/gradcheck.js";

backendTest("conv2d matches hand-worked sums", () => {
  // 3x3 of 1..9 with a 2x2 kernel of ones: sums of each 2x2 window
  const x = tensor([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]);
  assert.deepEqual(conv2d(x, ones([1, 1, 2, 2])).toArray(), [[[[12, 16], [24, 28]]]]);
  // padding 1, stride 2, bias 1: corners see one 2x2 quadrant each
  assert.deepEqual(conv2d(x, ones([1, 1, 2, 2]), tensor([1]), { stride: 2, padding: 1 }).toArray(), [[[[2, 6], [12, 29]]]]);
  // unbatched input, "same" padding
  const y = conv2d(ones([1, 3, 3]), ones([2, 1, 3, 3]), null, { padding: "same" });
  assert.deepEqual(y.shape, [2, 3, 3]);
  assert.deepEqual(Array.from(y.dataSync().slice(0, 9)), [4, 6, 4, 6, 9, 6, 4, 6, 4]);
  // conv1d: [1,2,3,4] * [1,-1] = differences
  assert.deepEqual(conv1d(tensor([[[1, 2, 4, 8]]]), tensor([[[1, -1]]])).toArray(), [[[-1, -2, -4]]]);
});

backendTest("conv2d gradchecks x, weight and bias (stride, padding, dilation, groups, 1x1)", () => {
  gradcheck((x, w, b) => conv2d(x, w, b, { stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2 }), [randn([2, 4, 5, 6]), randn([6, 2, 3, 3]), randn([6])]);
  gradcheck((x, w, b) => conv2d(x, w, b, { padding: 1 }), [randn([2, 3, 4, 4]), randn([2, 3, 3, 3]), randn([2])]);
  gradcheck((x, w, b) => conv2d(x, w, b), [randn([2, 3, 3, 2]), randn([4, 3, 1, 1]), randn([4])]);
  gradcheck((x, w) => conv2d(x, w, null, { groups: 3, padding: 1 }), [randn([1, 3, 4, 4]), randn([3, 1, 3, 3])]);
  gradcheck((x, w) => conv2d(x, w), [randn([3, 4, 4]), randn([2, 3, 2, 2])]);
});

backendTest("conv1d gradchecks", () => {
  gradcheck((x, w, b) => conv1d(x, w, b, { stride: 2, padding: 1, dilation: 2 }), [randn([2, 3, 9]), randn([4, 3, 3]), randn([4])]);
  gradcheck((x, w) => conv1d(x, w, null, { groups: 2, padding: "same" }), [randn([2, 4, 6]), randn([2, 2, 3])]);
  gradcheck((x, w) => conv1d(x, w), [randn([2, 5]), randn([3, 2, 2])]);
});

backendTest("convTranspose2d is the adjoint of conv2d and gradchecks", () => {
  // <conv2d(x, w), y> = <x, convTranspose2d(y, w)>
  const opts = { stride: 2, padding: 1, dilation: 1, groups: 2 } as const;
  const x = randn([2, 4, 7, 7]);
  const w = randn([6, 2, 3, 3]);
  const cx = conv2d(x, w, null, opts);
  const y = randn(cx.shape);
  const lhs = sum(cx.mul(y)).item();
  const ty = convTranspose2d(y, w, null, opts);
  assert.deepEqual(ty.shape, x.shape);
  const rhs = sum(x.mul(ty)).item();
  assert.ok(Math.abs(lhs - rhs) <= 1e-3 * Math.max(1, Math.abs(lhs)), `${lhs} vs ${rhs}`);
  // output size (H−1)·s − 2p + d(k−1) + outputPadding + 1
  assert.deepEqual(convTranspose2d(zeros([1, 2, 3, 4]), zeros([2, 5, 3, 2]), null, { stride: [2, 3], padding: [1, 0], outputPadding: [1, 2] }).shape, [1, 5, 6, 13]);
  gradcheck((t, k, b) => convTranspose2d(t, k, b, { stride: [2, 3], padding: [1, 0], outputPadding: [1, 2], groups: 2 }), [randn([2, 4, 3, 4]), randn([4, 3, 3, 2]), randn([6])]);
  gradcheck((t, k) => convTranspose2d(t, k, null, { stride: 2, padding: 1, dilation: 2 }), [randn([1, 2, 3, 3]), randn([2, 3, 2, 3])]);
  gradcheck((t, k, b) => convTranspose2d(t, k, b), [randn([2, 3, 2, 2]), randn([3, 2, 1, 1]), randn([2])]);
  gradcheck((t, k, b) => convTranspose1d(t, k, b, { stride: 2, padding: 1, outputPadding: 1 }), [randn([2, 3, 5]), randn([3, 2, 4]), randn([2])]);
});

backendTest("conv ops reject bad shapes with the op name", () => {
  assert.throws(() => conv2d(randn([2, 3, 4]), randn([2, 3, 3])), /conv2d: expects a 4-D weight, got \[2,3,3\]/);
  assert.throws(() => conv2d(randn([2, 3, 4, 4, 1]), randn([2, 3, 3, 3])), /conv2d: expects input \[N, C, H, W\] or unbatched, got \[2,3,4,4,1\]/);
  assert.throws(() => conv2d(randn([1, 4, 5, 5]), randn([2, 3, 3, 3])), /conv2d: input \[1,4,5,5\] has 4 channels but weight \[2,3,3,3\] with groups=1 expects 3/);
  assert.throws(() => conv2d(randn([1, 3, 2, 2]), randn([2, 3, 3, 3])), /conv2d: kernel \[3,3\] \(dilation 1\) is bigger than the padded input \[1,3,2,2\]/);
  assert.throws(() => conv2d(randn([1, 4, 5, 5]), randn([3, 2, 3, 3]), null, { groups: 2 }), /conv2d: groups=2 must divide input channels 4 and output channels 3/);
  assert.throws(() => conv2d(randn([1, 3, 5, 5]), randn([2, 3, 3, 3]), randn([3])), /conv2d: bias must be \[2\], got \[3\]/);
  assert.throws(() => conv2d(randn([1, 3, 5, 5]), randn([2, 3, 3, 3]), null, { stride: 0 }), /conv2d: stride must be an integer >= 1/);
  assert.throws(() => conv1d(randn([1, 3, 5]), randn([2, 2, 3])), /conv1d: input \[1,3,5\] has 3 channels/);
  assert.throws(() => convTranspose2d(randn([1, 3, 4, 4]), randn([2, 3, 3, 3])), /convTranspose2d: input \[1,3,4,4\] has 3 channels but weight \[2,3,3,3\] expects 2/);
  assert.throws(() => convTranspose2d(randn([1, 2, 4, 4]), randn([2, 3, 3, 3]), null, { stride: 2, outputPadding: 2 }), /convTranspose2d: outputPadding 2 must be smaller than stride 2 or dilation 1/);
});
