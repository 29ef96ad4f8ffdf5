// l1Penalty / l2Penalty: values by hand, gradients by finite differences.
import assert from "node:assert/strict";
import { tensor } from "../../src/index.js";
import { l1Penalty, l2Penalty } from "../../src/optim/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose, gradcheck } from "../helpers/gradcheck.js";

backendTest("l1Penalty and l2Penalty sum |p| and p² over all parameters", () => {
  const a = tensor([[1, -2], [0.5, 3]]);
  const b = tensor([-4]);
  assertClose(l1Penalty([a, b]), [10.5], 1e-6);
  assertClose(l2Penalty([a, b]), [1 + 4 + 0.25 + 9 + 16], 1e-6);
  assertClose(l2Penalty(a), [14.25], 1e-6);
  assert.deepEqual([...l1Penalty([a, b]).shape], []);
  assertClose(l1Penalty([]), [0]);
  assert.throws(() => l2Penalty([tensor([1], { dtype: "int32" })]), /l2Penalty: params\[0\] is int32, expected float32/);
});

backendTest("l1Penalty and l2Penalty gradcheck (the gradients are sign(p) and 2p)", () => {
  // values kept away from 0, where |p| has a kink
  const a = tensor([[0.7, -1.3, 0.4], [-0.9, 1.1, -0.5]]);
  const b = tensor([0.8, -0.6]);
  gradcheck((x, y) => l1Penalty([x, y]), [a, b]);
  gradcheck((x, y) => l2Penalty([x, y]), [a, b]);
  const p = a.detach().requiresGrad_();
  l2Penalty([p]).backward();
  assertClose(p.grad!, [1.4, -2.6, 0.8, -1.8, 2.2, -1], 1e-6);
});
