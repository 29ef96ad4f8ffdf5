import assert from "node:assert/strict";
import { manualSeed, noGrad, randn, tensor } from "../../src/index.js";
import { Bilinear, Linear } from "../../src/nn/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose } from "../helpers/gradcheck.js";
import { gradcheckModule, runLayerCase } from "./helpers.js";

backendTest("Linear matches PyTorch (output and gradients, batched input)", () => runLayerCase("linear"));
backendTest("Bilinear matches PyTorch (with bias)", () => runLayerCase("bilinear"));
backendTest("Bilinear matches PyTorch (no bias, leading dims [2,3])", () => runLayerCase("bilinear_nobias_batched"));

backendTest("Linear computes x·Wᵀ + b (hand-worked)", () => {
  const l = new Linear(2, 2);
  noGrad(() => {
    l.weight.copy_(tensor([[1, 2], [3, 4]]));
    l.bias!.copy_(tensor([10, 20]));
  });
  assertClose(l.forward(tensor([[1, 1], [2, -1]])), [13, 27, 10, 22]);
  assert.equal(l.call(tensor([[0, 1]])).toArray().toString(), "12,24");
});

backendTest("Linear and Bilinear gradcheck through inputs and parameters", () => {
  manualSeed(3);
  gradcheckModule(new Linear(3, 2), [randn([4, 3])]);
  gradcheckModule(new Linear(3, 2, { bias: false }), [randn([2, 2, 3])]);
  gradcheckModule(new Bilinear(3, 2, 2), [randn([3, 3]), randn([3, 2])]);
});

backendTest("Linear without bias has one parameter", () => {
  const l = new Linear(3, 5, { bias: false });
  assert.equal(l.bias, null);
  assert.deepEqual(l.namedParameters().map(([k, p]) => [k, [...p.shape]]), [["weight", [5, 3]]]);
});

backendTest("Linear and Bilinear name the layer and both sizes on a wrong input", () => {
  assert.throws(() => new Linear(4, 3).forward(randn([2, 5])), { message: "Linear(4→3): input [2,5] has 5 features, expected 4" });
  assert.throws(() => new Linear(4, 3).forward(tensor(1)), /Linear\(4→3\): input \[\] has 0 features, expected 4/);
  const b = new Bilinear(3, 2, 4);
  assert.throws(() => b.forward(randn([5, 2]), randn([5, 2])), /Bilinear\(3×2→4\): input1 \[5,2\] has 2 features, expected 3/);
  assert.throws(() => b.forward(randn([5, 3]), randn([5, 3])), /input2 \[5,3\] has 3 features, expected 2/);
  assert.throws(() => b.forward(randn([5, 3]), randn([4, 2])), /input1 \[5,3\] and input2 \[4,2\] must have the same leading dims/);
  assert.throws(() => new Linear(0, 3), /Linear: inFeatures must be an integer >= 1, got 0/);
  assert.throws(() => new Linear(2, 2.5), /Linear: outFeatures must be an integer >= 1, got 2.5/);
});
