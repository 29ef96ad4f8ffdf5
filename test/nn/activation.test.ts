import assert from "node:assert/strict";
import { randn, tensor } from "../../src/index.js";
import { ELU, Flatten, GELU, Identity, LeakyReLU, ReLU, Softmax } from "../../src/nn/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose } from "../helpers/gradcheck.js";
import { runLayerCase } from "./helpers.js";

for (const name of ["relu", "leaky_relu", "gelu", "gelu_tanh", "silu", "sigmoid", "tanh", "elu", "softmax", "log_softmax", "flatten"]) {
  backendTest(`${name} module matches PyTorch (output and gradient)`, () => runLayerCase(name));
}

backendTest("activation modules on hand-worked values", () => {
  const x = tensor([-2, 0, 3]);
  assertClose(new ReLU().forward(x), [0, 0, 3]);
  assertClose(new LeakyReLU(0.5).forward(x), [-1, 0, 3]);
  assertClose(new ELU(2).forward(x), [2 * (Math.exp(-2) - 1), 0, 3], 1e-6);
  assertClose(new Softmax(0).forward(tensor([0, Math.log(3)])), [0.25, 0.75], 1e-6);
  assertClose(new GELU().forward(tensor([0, 10])), [0, 10], 1e-6);
});

backendTest("Identity returns its input; Flatten keeps the batch dim", () => {
  const x = randn([2, 3, 4]);
  assert.equal(new Identity().forward(x), x);
  assert.deepEqual([...new Flatten().forward(x).shape], [2, 12]);
  assert.deepEqual([...new Flatten(0, 1).forward(x).shape], [6, 4]);
  assertClose(new Flatten().forward(x), x);
});

backendTest("activation modules reject bad arguments", () => {
  assert.throws(() => new GELU("fast" as "tanh"), /GELU: approximate must be "none" or "tanh", got "fast"/);
  assert.throws(() => new Softmax(0.5), /Softmax: dim must be an integer, got 0.5/);
  assert.throws(() => new LeakyReLU(NaN), /LeakyReLU: negativeSlope must be a finite number/);
});
