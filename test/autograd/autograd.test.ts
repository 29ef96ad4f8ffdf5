import assert from "node:assert/strict";
import { test } from "node:test";
import {
  AnomalyError, add, backward, detectAnomaly, enableGrad, exp, isDetectingAnomaly, isGradEnabled, liveTensors, log, mul, noGrad, pow,
  narrow, permute, randn, reshape, scope, setDetectAnomaly, sigmoid, sqrt, sum, tanh, tensor, zeros, type Tensor,
} from "../../src/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose, gradcheck } from "../helpers/gradcheck.js";

const vals = (t: Tensor | null): number[] => {
  assert.ok(t, "expected a tensor");
  return Array.from(t.dataSync());
};

backendTest("gradients accumulate across backward calls on separate graphs", () => {
  const x = tensor([1, 2, 3]).requiresGrad_();
  sum(mul(x, x)).backward();
  assert.deepEqual(vals(x.grad), [2, 4, 6]);
  sum(mul(x, 3)).backward();
  assert.deepEqual(vals(x.grad), [5, 7, 9]);
  x.grad = null;
  sum(x).backward();
  assert.deepEqual(vals(x.grad), [1, 1, 1], "after clearing .grad, accumulation starts again");
});

backendTest("retainGraph allows a second backward; without it the graph is freed", () => {
  const x = tensor([2]).requiresGrad_();
  const y = sum(exp(x));
  y.backward(undefined, { retainGraph: true });
  y.backward(undefined, { retainGraph: true });
  y.backward();
  assertClose(x.grad!, [3 * Math.exp(2)]);
  assert.throws(() => y.backward(), /backward: the graph through .* was already freed; pass \{ retainGraph: true \}/);
  assert.throws(() => backward(y), /already freed/);
});

backendTest("non-scalar backward needs a gradient seed of the right shape", () => {
  const x = tensor([[1, 2], [3, 4]]).requiresGrad_();
  const y = mul(x, x);
  assert.throws(() => y.backward(), /backward: grad can be implicitly created only for one-element outputs, got \[2,2\]; pass a gradient/);
  assert.throws(() => y.backward(tensor([1, 1])), /backward: gradient shape \[2\] does not match tensor shape \[2,2\]/);
  const seed = tensor([[1, 0], [0.5, -1]]);
  y.backward(seed);
  assert.deepEqual(x.grad!.toArray(), [[2, 0], [3, -8]]);
  assert.deepEqual(seed.toArray(), [[1, 0], [0.5, -1]], "the seed is not modified or freed");
  assert.equal(seed.isDisposed, false);
  // a leaf as the root: its grad is a copy of the seed, not the seed itself
  const leaf = tensor([1, 2]).requiresGrad_();
  const s = tensor([5, 6]);
  leaf.backward(s);
  assert.notEqual(leaf.grad, s);
  s.dispose();
  assert.deepEqual(vals(leaf.grad), [5, 6]);
  assert.throws(() => tensor([1]).backward(), /backward: tensor does not require grad/);
});

backendTest("noGrad records nothing; enableGrad and errors restore the mode", () => {
  const x = tensor([1, 2]).requiresGrad_();
  const y = noGrad(() => mul(x, 2));
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
  assert.equal(isGradEnabled(), true);
  const z = noGrad(() => enableGrad(() => mul(x, 2)));
  assert.equal(z.requiresGrad, true);
  assert.throws(() => noGrad(() => {
    throw new Error("boom");
  }), /boom/);
  assert.equal(isGradEnabled(), true, "grad mode restored after a throw");
  const w = mul(x, 2);
  assert.equal(w.requiresGrad, true);
  assert.equal(w.gradFn?.name, "mul");
});

backendTest("detach shares data but cuts the graph", () => {
  const x = tensor([1, 2]).requiresGrad_();
  const y = mul(x, 3);
  const d = y.detach();
  assert.equal(d.requiresGrad, false);
  assert.equal(d.gradFn, null);
  assert.equal(d.storage, y.storage, "detach shares storage");
  const z = sum(add(mul(d, x), y));
  z.backward();
  assert.deepEqual(vals(x.grad), [3 + 3, 6 + 3], "no gradient flows through the detached branch");
  y.dispose();
  assert.deepEqual(vals(d), [3, 6], "the detached tensor keeps the shared storage alive");
});

backendTest("requiresGrad_ is only for float leaves", () => {
  assert.throws(() => tensor([1], { dtype: "int32" }).requiresGrad_(), /requiresGrad_: only float tensors can require grad, got int32/);
  assert.throws(() => tensor([true]).requiresGrad_(), /only float tensors can require grad, got bool/);
  const x = tensor([1]).requiresGrad_();
  const y = mul(x, 2);
  assert.throws(() => y.requiresGrad_(false), /only leaf tensors can stop requiring grad/);
  assert.equal(x.requiresGrad_(false).requiresGrad, false);
  assert.equal(tensor([1], { dtype: "int32" }).requiresGrad_(false).requiresGrad, false);
});

backendTest("hooks see the gradient and can replace it; retainGrad keeps non-leaf grads", () => {
  const x = tensor([1, 2, 3]).requiresGrad_();
  const seen: number[][] = [];
  const remove = x.registerHook((g) => {
    seen.push(vals(g));
  });
  x.registerHook((g) => mul(g, 10));
  sum(mul(x, 2)).backward();
  assert.deepEqual(seen, [[2, 2, 2]]);
  assert.deepEqual(vals(x.grad), [20, 20, 20], "the hook's return value is what accumulates");
  remove();
  sum(x).backward();
  assert.equal(seen.length, 1, "a removed hook no longer runs");
  assert.deepEqual(vals(x.grad), [30, 30, 30]);
  assert.throws(() => {
    const t = tensor([1, 2]).requiresGrad_();
    t.registerHook(() => tensor([1]));
    sum(t).backward();
  }, /hook returned a gradient of shape \[1\] for a tensor of shape \[2\]/);

  const a = tensor([1, 2]).requiresGrad_();
  const h = mul(a, a);
  h.retainGrad();
  const k = mul(a, 3);
  sum(mul(h, 2)).backward();
  sum(mul(k, 2)).backward();
  assert.deepEqual(vals(h.grad), [2, 2], "retainGrad keeps a non-leaf's grad");
  assert.equal(k.grad, null, "non-leaves do not keep grads by default");
  assert.deepEqual(vals(a.grad), [4 + 6, 8 + 6]);

  // a hook on a non-leaf changes the gradient flowing on to the leaves
  const b = tensor([1, 2]).requiresGrad_();
  const m = mul(b, 3);
  m.registerHook((g) => mul(g, 0.5));
  sum(m).backward();
  assert.deepEqual(vals(b.grad), [1.5, 1.5]);
});

backendTest("a tensor used on several paths receives the summed gradient", () => {
  const x = tensor([1, -2, 3]).requiresGrad_();
  const a = mul(x, x); // x used twice in one op
  const b = mul(x, 3);
  const c = tanh(x);
  sum(add(add(a, b), c)).backward();
  const want = vals(x).map((v) => 2 * v + 3 + (1 - Math.tanh(v) ** 2));
  assertClose(x.grad!, want);
  const y = tensor([0.5]).requiresGrad_();
  const s = sigmoid(y);
  sum(add(s, s)).backward(); // diamond through one intermediate
  const sv = 1 / (1 + Math.exp(-0.5));
  assertClose(y.grad!, [2 * sv * (1 - sv)]);
});

backendTest("a deep chain of 20,000 ops backpropagates without overflowing the stack", () => {
  const x = tensor([1, 2]).requiresGrad_();
  let y: Tensor = x;
  for (let i = 0; i < 20_000; i++) y = i % 2 === 0 ? add(y, 0.001) : mul(y, 1);
  sum(y).backward();
  assert.deepEqual(vals(x.grad), [1, 1]);
});

backendTest("backward frees every intermediate gradient it makes", () => {
  const x = tensor([[1, 2], [3, 4]]).requiresGrad_();
  const w = tensor([0.5, -1]).requiresGrad_();
  const loss = sum(mul(tanh(mul(x, w)), add(x, 1)));
  const before = liveTensors();
  loss.backward();
  assert.equal(liveTensors(), before + 2, "only x.grad and w.grad remain");
  const before2 = liveTensors();
  sum(mul(x, w)).backward();
  // the forward made 2 tensors; the backward adds nothing once .grad exists
  assert.equal(liveTensors(), before2 + 2);
});

backendTest("leaves that share gradient storage never alias each other's .grad", () => {
  // the gradient of the add reaches w directly and x through a view of the same storage
  for (const order of ["view first", "view second"]) {
    const x = tensor([[1], [2]]).requiresGrad_();
    const w = tensor([10, 20]).requiresGrad_();
    for (let i = 0; i < 2; i++) {
      const v = reshape(x, [2]);
      sum(order === "view first" ? add(v, w) : add(w, v)).backward();
    }
    assert.deepEqual(x.grad!.toArray(), [[2], [2]], order);
    assert.deepEqual(vals(w.grad), [2, 2], order);
    assert.notEqual(x.grad!.storage, w.grad!.storage, order);
  }
});

backendTest("backward through a disposed intermediate fails loudly", () => {
  const x = tensor([1, 2]).requiresGrad_();
  const y = mul(x, 2);
  const z = sum(exp(y));
  y.dispose();
  assert.throws(() => z.backward(), /backward: input 0 of exp \(\[2\]\) was disposed before backward/);
  const loss = scope(() => sum(mul(mul(x, 2), 3)));
  assert.throws(() => loss.backward(), /was disposed before backward \(by dispose\(\) or the end of a scope\)/);
});

backendTest("in-place ops refuse tensors that require grad outside noGrad", () => {
  const x = tensor([1, 2]).requiresGrad_();
  assert.throws(() => x.add_(1), /add_: in-place update of a tensor that requires grad; run it inside noGrad\(\)/);
  assert.throws(() => x.mul_(2), /mul_: in-place update/);
  assert.throws(() => x.fill_(0), /fill_: in-place update/);
  assert.throws(() => x.zero_(), /fill_: in-place update|zero_: in-place update/);
  assert.throws(() => x.copy_(tensor([5, 6])), /copy_: in-place update/);
  assert.deepEqual(vals(x), [1, 2], "a refused update changes nothing");
  noGrad(() => {
    x.add_(tensor([1, 1]), 2);
    x.mul_(2);
  });
  assert.deepEqual(vals(x), [6, 8]);
  noGrad(() => x.copy_(tensor([3, 4])));
  assert.deepEqual(vals(x), [3, 4]);
  noGrad(() => x.zero_());
  assert.deepEqual(vals(x), [0, 0]);
  const plain = tensor([1, 2]);
  plain.add_(1).mul_(3);
  assert.deepEqual(vals(plain), [6, 9], "tensors without grad update in place anywhere");
  plain.fill_(7);
  assert.deepEqual(vals(plain), [7, 7]);
});

backendTest("anomaly detection names the first op that produced NaN or Inf", () => {
  const x = tensor([1, -1]);
  assert.doesNotThrow(() => log(x), "off by default");
  assert.throws(() => detectAnomaly(() => log(x)), (e: unknown) => {
    assert.ok(e instanceof AnomalyError);
    assert.match(e.message, /^log: produced NaN at flat index 1 of output \[2\] \(inputs \[2\]\)/);
    return true;
  });
  assert.equal(isDetectingAnomaly(), false, "detectAnomaly restores the mode");
  assert.throws(() => detectAnomaly(() => mul(exp(tensor([100])), 1)), /^AnomalyError: exp: produced Inf/);
  setDetectAnomaly(true);
  try {
    assert.throws(() => sqrt(tensor([4, -4])), /sqrt: produced NaN at flat index 1/);
    // backward: sqrt'(0) = Inf although the forward value is finite
    const z = tensor([0, 1]).requiresGrad_();
    const y = sum(sqrt(z));
    assert.throws(() => y.backward(), /backward of sqrt: gradient has Inf at flat index 0 of \[2\]/);
    // an op run inside a backward function is attributed to the node, with the forward trace
    const a = tensor([1e30]).requiresGrad_();
    const b = tensor([1e-30]).requiresGrad_();
    const p = mul(a, b);
    assert.throws(() => p.backward(tensor([1e10])), (e: unknown) => {
      assert.ok(e instanceof AnomalyError);
      assert.match(e.message, /^backward of mul: mul: produced Inf/);
      assert.match(e.message, /forward op was recorded at:[\s\S]*autograd\.test\.ts/);
      return true;
    });
    const w = tensor([0]).requiresGrad_();
    assert.throws(() => sum(pow(w, 0.3)).backward(), /backward of powScalar: gradient has Inf/);
  } finally {
    setDetectAnomaly(false);
  }
  assert.equal(isDetectingAnomaly(), false);
  assert.doesNotThrow(() => sqrt(tensor([-1])));
});

test("gradients of int results do not flow, and ops without grad inputs stay leaves", () => {
  const x = tensor([1.5, 2.5]).requiresGrad_();
  const i = x.int();
  assert.equal(i.requiresGrad, false);
  const y = mul(tensor([1, 2]), zeros([2]));
  assert.equal(y.requiresGrad, false);
  assert.equal(y.isLeaf, true);
});

backendTest("slice gradients from many narrows (overlapping too) accumulate exactly", () => {
  const x = randn([6, 4, 3]).requiresGrad_();
  // every timestep twice, one overlapping pair, and a permutation: sums must match a dense reference
  let total = tensor(0);
  for (let t = 0; t < 6; t++) total = add(total, mul(narrow(x, 0, t, 1), t + 1).sum());
  total = add(total, narrow(x, 1, 1, 2).sum());
  total = add(total, mul(permute(x, [2, 0, 1]), 3).sum());
  total.backward();
  const expected: number[] = [];
  for (let t = 0; t < 6; t++) for (let j = 0; j < 4; j++) for (let k = 0; k < 3; k++) expected.push(t + 1 + (j === 1 || j === 2 ? 1 : 0) + 3);
  assertClose(x.grad!, expected);
  gradcheck((a) => add(mul(narrow(a, 0, 0, 2), 2).sum(), narrow(a, 0, 1, 2).sum()), [randn([3, 2])]);
});
