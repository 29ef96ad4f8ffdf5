import assert from "node:assert/strict";
import { manualSeed, randn } from "../../src/index.js";
import { Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d } from "../../src/nn/index.js";
import { backendTest } from "../helpers/backends.js";
import { gradcheckModule, runLayerCase } from "./helpers.js";

backendTest("Conv2d matches PyTorch (stride, padding, dilation, groups)", () => runLayerCase("conv2d"));
backendTest("Conv1d matches PyTorch (no bias)", () => runLayerCase("conv1d"));
backendTest("ConvTranspose2d matches PyTorch (stride 2, outputPadding, groups)", () => runLayerCase("conv_transpose2d"));
backendTest("ConvTranspose1d matches PyTorch", () => runLayerCase("conv_transpose1d"));

backendTest("Conv2d gradchecks through input, weight and bias", () => {
  manualSeed(5);
  gradcheckModule(new Conv2d(2, 2, 2, { stride: [1, 2], padding: 1 }), [randn([1, 2, 3, 4])]);
  gradcheckModule(new Conv2d(2, 4, [2, 1], { groups: 2, bias: false }), [randn([2, 2, 3, 2])]);
});

backendTest("conv layers have PyTorch's weight layouts and output shapes", () => {
  assert.deepEqual([...new Conv2d(4, 6, [3, 2], { groups: 2 }).weight.shape], [6, 2, 3, 2]);
  assert.deepEqual([...new ConvTranspose2d(4, 6, 3, { groups: 2 }).weight.shape], [4, 3, 3, 3]);
  assert.deepEqual([...new Conv1d(3, 5, 4).weight.shape], [5, 3, 4]);
  assert.deepEqual([...new ConvTranspose1d(3, 5, 4).weight.shape], [3, 5, 4]);
  assert.deepEqual([...new Conv2d(3, 8, 3, { padding: "same" }).forward(randn([2, 3, 5, 7])).shape], [2, 8, 5, 7]);
  assert.deepEqual([...new Conv1d(2, 4, 5, { padding: "same" }).forward(randn([2, 9])).shape], [4, 9], "unbatched input");
  // (H−1)·stride − 2·padding + (k−1) + outputPadding + 1 = 4·2 − 2 + 2 + 1 + 1 = 10
  assert.deepEqual([...new ConvTranspose2d(2, 3, 3, { stride: 2, padding: 1, outputPadding: 1 }).forward(randn([1, 2, 5, 5])).shape], [1, 3, 10, 10]);
});

backendTest("conv layers name the layer and both channel counts on a wrong input", () => {
  assert.throws(() => new Conv2d(3, 8, 3).forward(randn([2, 4, 5, 5])), { message: "Conv2d(3→8, kernelSize=[3,3]): input [2,4,5,5] has 4 channels, expected 3" });
  assert.throws(() => new Conv2d(3, 8, 3).forward(randn([2, 5, 5])), /Conv2d\(3→8, kernelSize=\[3,3\]\): input \[2,5,5\] has 2 channels, expected 3/);
  assert.throws(() => new Conv2d(3, 8, 3).forward(randn([5, 5])), /expects input \[N, C, H, W\] or \[C, H, W\], got \[5,5\]/);
  assert.throws(() => new Conv1d(2, 4, 3).forward(randn([1, 3, 8])), /Conv1d\(2→4, kernelSize=3\): input \[1,3,8\] has 3 channels, expected 2/);
  assert.throws(() => new ConvTranspose2d(4, 2, 3).forward(randn([1, 2, 4, 4])), /ConvTranspose2d\(4→2, kernelSize=\[3,3\]\): input \[1,2,4,4\] has 2 channels, expected 4/);
  assert.throws(() => new Conv2d(3, 8, 3, { groups: 2 }), /Conv2d: groups=2 must divide inChannels 3 and outChannels 8/);
  assert.throws(() => new Conv2d(3, 8, 3, { stride: 2, padding: "same" }), /Conv2d: padding="same" needs stride 1/);
  assert.throws(() => new Conv2d(3, 8, [3, 3, 3] as unknown as number), /Conv2d: kernelSize must be a number or a pair/);
  assert.throws(() => new Conv1d(3, 8, 0), /Conv1d: kernelSize must be an integer >= 1, got 0/);
});
