// Module.to("cuda") and cross-device state dicts. Skipped, printing why, where no CUDA backend loads.
import assert from "node:assert/strict";
import { test } from "node:test";
import { backendFor, manualSeed, noGrad, randn, tensor, type Tensor } from "../../src/index.js";
import { BatchNorm2d, Conv2d, Embedding, Flatten, Linear, Parameter, ReLU, Sequential } from "../../src/nn/index.js";
import { assertClose } from "../helpers/gradcheck.js";

function cudaUnavailable(): string | false {
  try {
    backendFor("cuda");
    return false;
  } catch (e) {
    return `cuda backend unavailable: ${(e as Error).message}`;
  }
}

const skip = cudaUnavailable();
if (skip) console.log(`# nn device tests skipped: ${skip}`);

function model(): Sequential {
  return new Sequential(new Conv2d(2, 4, 3, { padding: 1 }), new BatchNorm2d(4), new ReLU(), new Flatten(), new Linear(4 * 5 * 5, 3));
}

// cuBLAS runs float32 GEMMs in TF32 (10-bit mantissa): compare with a loose tolerance
const RTOL = 2e-2;
const ATOL = 2e-2;

test("to('cuda') moves parameters, buffers and gradients, and the model trains there", { skip }, () => {
  manualSeed(3);
  const net = model();
  const x = randn([2, 2, 5, 5]);
  net.forward(x).sum().backward();
  const old = net.parameters();
  const grads = old.map((p) => p.grad!.dataSync());
  const state = Object.fromEntries(Object.entries(net.stateDict()).map(([k, t]) => [k, t.dataSync()]));
  assert.equal(net.to("cuda"), net);
  assert.ok(old.every((p) => p.isDisposed), "the host copies are freed");
  for (const [k, t] of Object.entries(net.stateDict())) {
    assert.equal(t.device, "cuda", k);
    assertClose(t.dataSync(), state[k], 0, 0, k);
  }
  net.parameters().forEach((p, i) => {
    assert.ok(p instanceof Parameter && p.requiresGrad);
    assert.equal(p.grad!.device, "cuda");
    assertClose(p.grad!.dataSync(), grads[i], 0, 0, "gradient");
  });
  // same forward on both devices (train mode: batch statistics)
  const cpuTwin = model();
  cpuTwin.loadStateDict(net.stateDict()); // cuda → cpu copy
  const xc = x.to("cuda");
  const y = net.forward(xc);
  assert.equal(y.device, "cuda");
  assertClose(y.dataSync(), cpuTwin.forward(x).dataSync(), RTOL, ATOL, "train-mode output");
  const [bn, bnTwin] = [net.at(1) as BatchNorm2d, cpuTwin.at(1) as BatchNorm2d];
  assertClose(bn.runningMean!.dataSync(), bnTwin.runningMean!.dataSync(), RTOL, ATOL, "running mean");
  assertClose(bn.runningVar!.dataSync(), bnTwin.runningVar!.dataSync(), RTOL, ATOL, "running var");
  assert.equal(bn.numBatchesTracked!.item(), 2);
  assert.equal(bn.numBatchesTracked!.device, "cuda");
  net.zeroGrad();
  y.sum().backward();
  assert.ok(net.parameters().every((p) => p.grad?.device === "cuda"));
  net.eval();
  cpuTwin.eval();
  assertClose(net.forward(xc).dataSync(), cpuTwin.forward(x).dataSync(), RTOL, ATOL, "eval output");
  // cpu state into the cuda model, then everything back to the host
  noGrad(() => (cpuTwin.at(4) as Linear).weight.mul_(2));
  net.loadStateDict(cpuTwin.stateDict());
  assert.equal((net.at(4) as Linear).weight.device, "cuda");
  net.to("cpu");
  assert.ok(net.parameters().every((p) => p.device === "cpu"));
  assertClose(net.forward(x), cpuTwin.forward(x), 1e-6, 1e-6);
  net.dispose();
});

test("layers built on the host and moved keep working on cuda (Embedding with padding)", { skip }, () => {
  const e = new Embedding(5, 3, { paddingIdx: 0 }).to("cuda");
  const idx = tensor([0, 3, 4, 0], { dtype: "int32" }).to("cuda");
  const y: Tensor = e.forward(idx);
  assert.equal(y.device, "cuda");
  y.sum().backward();
  // rows 3 and 4 are used once; the padding row 0 gets nothing
  assertClose(e.weight.grad!.dataSync(), [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
});
