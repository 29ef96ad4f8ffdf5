import assert from "node:assert/strict";
import { randn, tensor } from "../../src/index.js";
import { AdaptiveAvgPool2d, AvgPool1d, MaxPool1d, MaxPool2d } from "../../src/nn/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose } from "../helpers/gradcheck.js";
import { runLayerCase } from "./helpers.js";

for (const name of ["maxpool2d", "avgpool2d", "maxpool1d", "avgpool1d", "adaptive_avgpool2d", "adaptive_avgpool1d"]) {
  backendTest(`${name} layer matches PyTorch (output and input gradient)`, () => runLayerCase(name));
}

backendTest("pooling layers default the stride to the kernel size (hand-worked)", () => {
  const x = tensor([[[1, 5, 2, 0, 3, 4]]]);
  assertClose(new MaxPool1d(2).forward(x), [5, 2, 4]);
  assertClose(new AvgPool1d(3).forward(x), [8 / 3, 7 / 3]);
  assert.deepEqual(new MaxPool2d(2).getConfig().stride, [2, 2]);
  assert.deepEqual([...new MaxPool2d([2, 3]).forward(randn([1, 1, 4, 6])).shape], [1, 1, 2, 2]);
  assert.deepEqual([...new AdaptiveAvgPool2d(1).forward(randn([2, 5, 3, 3])).shape], [2, 5, 1, 1]);
});

backendTest("pooling layers reject bad geometry with the layer name", () => {
  assert.throws(() => new MaxPool2d(0), /MaxPool2d: kernelSize must be an integer >= 1, got 0/);
  assert.throws(() => new MaxPool1d(2, { padding: -1 }), /MaxPool1d: padding must be an integer >= 0, got -1/);
  assert.throws(() => new AdaptiveAvgPool2d([2, 0]), /AdaptiveAvgPool2d: outputSize must be an integer >= 1, got 0/);
});
