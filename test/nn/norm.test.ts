import assert from "node:assert/strict";
import { manualSeed, noGrad, randn, tensor } from "../../src/index.js";
import { BatchNorm1d, BatchNorm2d, LayerNorm, RMSNorm } from "../../src/nn/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose } from "../helpers/gradcheck.js";
import { gradcheckModule, runLayerCase } from "./helpers.js";

backendTest("BatchNorm1d matches PyTorch over 3 training steps ([N,C] and [N,C,L]) and in eval", () => runLayerCase("batchnorm1d_momentum"));
backendTest("BatchNorm2d with momentum=null (cumulative average) matches PyTorch", () => runLayerCase("batchnorm2d_cumulative"));
backendTest("BatchNorm1d without affine or running stats matches PyTorch (batch stats in eval too)", () => runLayerCase("batchnorm1d_untracked"));
backendTest("LayerNorm over two trailing dims matches PyTorch", () => runLayerCase("layernorm"));
backendTest("RMSNorm matches its formula (default eps = float32 epsilon)", () => runLayerCase("rmsnorm_last"));
backendTest("RMSNorm over two trailing dims with eps 1e-2 matches its formula", () => runLayerCase("rmsnorm_two_dims"));

backendTest("BatchNorm starts at weight 1, bias 0, running mean 0 / var 1 and counts batches", () => {
  const bn = new BatchNorm1d(2);
  assertClose(bn.weight!, [1, 1]);
  assertClose(bn.bias!, [0, 0]);
  assertClose(bn.runningMean!, [0, 0]);
  assertClose(bn.runningVar!, [1, 1]);
  assert.equal(bn.numBatchesTracked!.item(), 0);
  assert.equal(bn.numBatchesTracked!.dtype, "int32");
  // channel 0 holds 1, 3 (mean 2, unbiased var 2); channel 1 holds 10, 20 (mean 15, var 50)
  const x = tensor([[1, 10], [3, 20]]);
  assertClose(bn.forward(x), [-1, -1, 1, 1], 1e-4, 1e-4);
  assertClose(bn.runningMean!, [0.2, 1.5], 1e-6);
  assertClose(bn.runningVar!, [0.9 + 0.2, 0.9 + 5], 1e-5);
  assert.equal(bn.numBatchesTracked!.item(), 1);
  bn.eval();
  // eval: (x − 0.2)/√(1.1 + 1e-5) for channel 0
  assertClose(bn.forward(tensor([[1.3, 1.5]])), [1.1 / Math.sqrt(1.1 + 1e-5), 0], 1e-5, 1e-5);
  assert.equal(bn.numBatchesTracked!.item(), 1, "eval does not count batches");
  bn.resetRunningStats();
  assertClose(bn.runningMean!, [0, 0]);
  assert.equal(bn.numBatchesTracked!.item(), 0);
});

backendTest("BatchNorm (train mode) and RMSNorm gradcheck through input and parameters", () => {
  manualSeed(11);
  const bn = new BatchNorm1d(3);
  noGrad(() => {
    bn.weight!.copy_(randn([3]));
    bn.bias!.copy_(randn([3]));
  });
  gradcheckModule(bn, [randn([4, 3])]);
  const bn2 = new BatchNorm2d(2);
  noGrad(() => bn2.weight!.copy_(randn([2])));
  gradcheckModule(bn2, [randn([2, 2, 2, 2])]);
  const rms = new RMSNorm(4);
  noGrad(() => rms.weight!.copy_(randn([4])));
  gradcheckModule(rms, [randn([3, 4])]);
  gradcheckModule(new RMSNorm([2, 3], { eps: 1e-3 }), [randn([2, 2, 3])]);
  const ln = new LayerNorm(3);
  noGrad(() => ln.weight!.copy_(randn([3])));
  gradcheckModule(ln, [randn([2, 3])]);
});

backendTest("norm layers: state names, options and what they leave out", () => {
  assert.deepEqual(Object.keys(new BatchNorm2d(4).stateDict()), ["weight", "bias", "runningMean", "runningVar", "numBatchesTracked"]);
  assert.deepEqual(Object.keys(new BatchNorm2d(4, { affine: false, trackRunningStats: false }).stateDict()), []);
  assert.deepEqual(Object.keys(new LayerNorm([2, 3], { bias: false }).stateDict()), ["weight"]);
  assert.deepEqual(Object.keys(new LayerNorm(5, { elementwiseAffine: false }).stateDict()), []);
  assert.deepEqual(Object.keys(new RMSNorm(5).stateDict()), ["weight"]);
  assert.deepEqual(Object.keys(new RMSNorm(5, { elementwiseAffine: false }).stateDict()), []);
  // RMSNorm without a weight: rms of [3, 4] is √12.5
  assertClose(new RMSNorm(2, { elementwiseAffine: false, eps: 0 }).forward(tensor([[3, 4]])), [3 / Math.sqrt(12.5), 4 / Math.sqrt(12.5)], 1e-6);
});

backendTest("norm layers name the layer and the shapes on a wrong input", () => {
  assert.throws(() => new BatchNorm1d(3).forward(randn([4, 2])), { message: "BatchNorm1d(3): input [4,2] has 2 channels, expected 3" });
  assert.throws(() => new BatchNorm1d(3).forward(randn([2, 3, 4, 4])), /BatchNorm1d\(3\): expects input \[N, C\] or \[N, C, L\], got \[2,3,4,4\]/);
  assert.throws(() => new BatchNorm2d(3).forward(randn([2, 3, 4])), /BatchNorm2d\(3\): expects input \[N, C, H, W\], got \[2,3,4\]/);
  assert.throws(() => new BatchNorm1d(3).forward(randn([1, 3])), /batchNorm: expected more than 1 value per channel when training/);
  assert.throws(() => new LayerNorm([3, 4]).forward(randn([2, 4, 3])), /LayerNorm\(\[3,4\]\): input \[2,4,3\] does not end in normalizedShape \[3,4\]/);
  assert.throws(() => new RMSNorm(4).forward(randn([4, 3])), /RMSNorm\(\[4\]\): input \[4,3\] does not end in normalizedShape \[4\]/);
  assert.throws(() => new BatchNorm1d(3, { momentum: 2 }), /BatchNorm1d: momentum must be in \[0, 1\] or null, got 2/);
  assert.throws(() => new LayerNorm([]), /LayerNorm: normalizedShape must not be empty/);
});
