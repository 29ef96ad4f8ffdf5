import assert from "node:assert/strict";
import {
  abs, add, atan2, cast, ceil, clamp, clone, cos, div, elu, eq, erf, exp, expm1, floor, ge, gelu, gt, isinf, isnan, le, leakyRelu, log,
  log1p, logicalAnd, logicalNot, logicalOr, logicalXor, lt, manualSeed, maskedFill, maximum, minimum, mul, ne, neg, pow, randn, reciprocal,
  relu, remainder, round, rsqrt, sigmoid, sign, silu, sin, softplus, sqrt, square, sub, tanh, tensor, trunc, where, zeros, type Tensor,
} from "../../src/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose, gradcheck } from "../helpers/gradcheck.js";

// ---------- float64 references ----------

/** erf in float64 to ~1e-15: Maclaurin series for |x| < 3, continued fraction for erfc beyond. */
function erf64(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))), evaluated bottom-up
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

const sigmoid64 = (x: number): number => 1 / (1 + Math.exp(-x));
const roundHalfEven = (x: number): number => {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
};

/** The float32 values a tensor actually holds, as float64 numbers. */
const vals = (t: Tensor): number[] => Array.from(t.dataSync());

function checkUnary(name: string, f: (t: Tensor) => Tensor, ref: (x: number) => number, xs: number[], rtol = 1e-5, atol = 1e-6): void {
  const x = tensor(xs);
  const y = f(x);
  assert.equal(y.dtype, "float32", `${name}: dtype`);
  assert.deepEqual(y.shape, x.shape, `${name}: shape`);
  assertClose(y, vals(x).map(ref), rtol, atol, name);
}

const GRID = [-3, -2.2, -1.3, -0.7, -0.25, 0, 0.3, 0.8, 1.6, 2.5, 3.1];
const POS = [0.05, 0.2, 0.5, 1, 1.7, 3, 10, 123.5];

// ---------- unary values ----------

backendTest("unary math ops match float64 references", () => {
  checkUnary("neg", neg, (x) => -x, GRID);
  checkUnary("abs", abs, Math.abs, GRID);
  checkUnary("exp", exp, Math.exp, GRID);
  checkUnary("expm1", expm1, Math.expm1, [...GRID, 1e-6, -1e-7]);
  checkUnary("log", log, Math.log, POS);
  checkUnary("log1p", log1p, Math.log1p, [...POS, 1e-7, -0.5]);
  checkUnary("sqrt", sqrt, Math.sqrt, [0, ...POS]);
  checkUnary("rsqrt", rsqrt, (x) => 1 / Math.sqrt(x), POS);
  checkUnary("square", square, (x) => x * x, GRID);
  checkUnary("reciprocal", reciprocal, (x) => 1 / x, [...POS, -2, -0.1]);
  checkUnary("sin", sin, Math.sin, GRID);
  checkUnary("cos", cos, Math.cos, GRID);
  checkUnary("tanh", tanh, Math.tanh, [...GRID, 20, -20]);
  checkUnary("sigmoid", sigmoid, sigmoid64, [...GRID, 30, -30, 80, -80]);
  checkUnary("erf", erf, erf64, [...GRID, 0.45, 0.5, 0.55, 1e-4, 4, -4.5, 6, -6]);
  checkUnary("pow 3", (t) => pow(t, 3), (x) => x ** 3, GRID);
  checkUnary("pow -1.5", (t) => pow(t, -1.5), (x) => x ** -1.5, POS);
  checkUnary("pow 0.5", (t) => pow(t, 0.5), Math.sqrt, POS);
  checkUnary("pow 0", (t) => pow(t, 0), () => 1, GRID);
});

backendTest("activations match their definitions", () => {
  const xs = [...GRID, 25, -25];
  checkUnary("relu", relu, (x) => Math.max(x, 0), xs);
  checkUnary("leakyRelu default", (t) => leakyRelu(t), (x) => (x > 0 ? x : 0.01 * x), xs);
  checkUnary("leakyRelu 0.2", (t) => leakyRelu(t, 0.2), (x) => (x > 0 ? x : 0.2 * x), xs);
  checkUnary("elu", (t) => elu(t), (x) => (x > 0 ? x : Math.expm1(x)), xs);
  checkUnary("elu alpha", (t) => elu(t, 1.7), (x) => (x > 0 ? x : 1.7 * Math.expm1(x)), xs);
  checkUnary("gelu exact", (t) => gelu(t), (x) => 0.5 * x * (1 + erf64(x / Math.SQRT2)), xs);
  checkUnary("gelu default is exact", (t) => t.gelu(), (x) => 0.5 * x * (1 + erf64(x / Math.SQRT2)), xs);
  const c = Math.sqrt(2 / Math.PI);
  checkUnary("gelu tanh", (t) => gelu(t, "tanh"), (x) => 0.5 * x * (1 + Math.tanh(c * (x + 0.044715 * x ** 3))), xs);
  checkUnary("silu", silu, (x) => x * sigmoid64(x), xs);
  checkUnary("softplus", softplus, (x) => Math.log1p(Math.exp(x)), [...xs, 40, -40, 15]);
  // the two gelu forms differ, but by little
  const x = tensor(GRID);
  assertClose(gelu(x, "tanh"), gelu(x), 0, 1e-3, "gelu forms");
  assert.ok(vals(sub(gelu(x, "tanh"), gelu(x))).some((d) => d !== 0), "gelu tanh is a different function");
});

backendTest("rounding: floor, ceil, trunc, and round half to even", () => {
  const xs = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 2.4999, -3.5, -2.7, 2.7, 0, 1e7 + 0.5, -4];
  const x = tensor(xs);
  const z = (v: number): number => v + 0; // -0 and 0 compare equal
  assert.deepEqual(vals(round(x)).map(z), vals(x).map(roundHalfEven));
  assert.deepEqual(vals(round(tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5]))), [-2, -2, -0, 0, 2, 2, 4]);
  assert.deepEqual(vals(floor(x)), vals(x).map(Math.floor));
  assert.deepEqual(vals(ceil(x)), vals(x).map(Math.ceil));
  assert.deepEqual(vals(trunc(x)), vals(x).map(Math.trunc));
  assert.deepEqual(vals(trunc(tensor([-2.7, 2.7]))), [-2, 2]);
});

backendTest("sign, clamp and their edge cases", () => {
  assert.deepEqual(vals(sign(tensor([-3, -0.1, 0, 0.2, 9]))), [-1, -1, 0, 1, 1]);
  const x = tensor([-2, -0.5, 0, 0.5, 2]);
  assert.deepEqual(vals(clamp(x, -1, 1)), [-1, -0.5, 0, 0.5, 1]);
  assert.deepEqual(vals(clamp(x, 0)), [0, 0, 0, 0.5, 2]);
  assert.deepEqual(vals(clamp(x, undefined, 0)), [-2, -0.5, 0, 0, 0]);
  assert.deepEqual(vals(x.clamp(-0.5, -0.5)), [-0.5, -0.5, -0.5, -0.5, -0.5]);
  assert.throws(() => clamp(x), /clamp: at least one of min and max/);
  assert.throws(() => clamp(x, 2, 1), /clamp: min \(2\) is greater than max \(1\)/);
  const ci = clamp(tensor([-5, 0, 5], { dtype: "int32" }), -2, 3);
  assert.equal(ci.dtype, "int32");
  assert.deepEqual(vals(ci), [-2, 0, 3]);
  const cf = clamp(tensor([-5, 0, 5], { dtype: "int32" }), -2.5);
  assert.equal(cf.dtype, "float32", "a fractional bound makes an int tensor float");
  assert.deepEqual(vals(cf), [-2.5, 0, 5]);
});

backendTest("NaN and infinity behave as in PyTorch", () => {
  const x = tensor([NaN, Infinity, -Infinity, 1]);
  assert.deepEqual(isnan(x).toArray(), [true, false, false, false]);
  assert.deepEqual(isinf(x).toArray(), [false, true, true, false]);
  assert.equal(isnan(x).dtype, "bool");
  assert.deepEqual(isnan(tensor([1, 2], { dtype: "int32" })).toArray(), [false, false]);
  assert.ok(Number.isNaN(vals(relu(tensor([NaN])))[0]), "relu(NaN) is NaN");
  assert.ok(Number.isNaN(vals(sign(tensor([NaN])))[0]), "sign(NaN) is NaN");
  assert.ok(Number.isNaN(vals(clamp(tensor([NaN]), 0, 1))[0]), "clamp(NaN) is NaN");
  assert.deepEqual(vals(erf(tensor([Infinity, -Infinity]))), [1, -1]);
  assert.ok(Number.isNaN(vals(erf(tensor([NaN])))[0]));
  assert.deepEqual(vals(sigmoid(tensor([Infinity, -Infinity]))), [1, 0]);
  assert.deepEqual(vals(tanh(tensor([Infinity, -Infinity]))), [1, -1]);
  assert.deepEqual(vals(softplus(tensor([Infinity, -Infinity]))), [Infinity, 0]);
  const m = maximum(tensor([NaN, 1, 2]), tensor([0, NaN, 1]));
  assert.ok(vals(m).slice(0, 2).every(Number.isNaN), "maximum propagates NaN from either side");
  assert.ok(vals(minimum(tensor([NaN, 1]), tensor([0, NaN]))).every(Number.isNaN));
  // C pow: 1^y = 1 for any y
  assert.deepEqual(vals(pow(tensor([1, 1]), tensor([NaN, Infinity]))), [1, 1]);
  assert.deepEqual(vals(pow(1, tensor([NaN]))), [1]);
  assert.deepEqual(vals(pow(tensor([NaN]), 0)), [1]);
  assert.deepEqual(vals(log(tensor([0, -1]))).map(String), ["-Infinity", "NaN"]);
});

// ---------- binary values ----------

backendTest("binary arithmetic matches hand-worked values", () => {
  const a = tensor([6, -7, 2.5, 0]);
  const b = tensor([3, 2, -0.5, 4]);
  assert.deepEqual(vals(add(a, b)), [9, -5, 2, 4]);
  assert.deepEqual(vals(sub(a, b)), [3, -9, 3, -4]);
  assert.deepEqual(vals(mul(a, b)), [18, -14, -1.25, 0]);
  assert.deepEqual(vals(div(a, b)), [2, -3.5, -5, 0]);
  assert.deepEqual(vals(pow(tensor([2, -3, 4, 0]), tensor([3, 2, 0.5, 0]))), [8, 9, 2, 1]);
  assert.deepEqual(vals(maximum(a, b)), [6, 2, 2.5, 4]);
  assert.deepEqual(vals(minimum(a, b)), [3, -7, -0.5, 0]);
  assertClose(atan2(tensor([1, 1, -1, -1, 0]), tensor([1, -1, 1, -1, -1])), [Math.PI / 4, (3 * Math.PI) / 4, -Math.PI / 4, (-3 * Math.PI) / 4, Math.PI]);
  assert.deepEqual(vals(div(tensor([1, -1, 0]), tensor([0, 0, 0]))).map(String), ["Infinity", "-Infinity", "NaN"]);
});

backendTest("remainder follows the sign of the divisor (Python/PyTorch semantics)", () => {
  const a = tensor([5, -5, 5, -5, 0, 7.5, -7.5, 6]);
  const b = tensor([3, 3, -3, -3, 2, 2, 2, 3]);
  assert.deepEqual(vals(remainder(a, b)), [2, 1, -1, -2, 0, 1.5, 0.5, 0]);
  assert.deepEqual(vals(remainder(tensor([5, -5, -0.5]), 3)), [2, 1, 2.5]);
  assert.deepEqual(vals(remainder(tensor([5, -5]), -3)), [-1, -2]);
  assert.deepEqual(vals(remainder(7, tensor([3, -3, 2.5]))), [1, -2, 2]);
  const ri = remainder(tensor([-7, 7], { dtype: "int32" }), tensor([3, -3], { dtype: "int32" }));
  assert.equal(ri.dtype, "int32");
  assert.deepEqual(vals(ri), [2, -2]);
  assert.deepEqual(vals(tensor([-1]).remainder(4)), [3]);
});

backendTest("scalar operands work on either side", () => {
  const x = tensor([1, 2, 4]);
  assert.deepEqual(vals(add(x, 1)), [2, 3, 5]);
  assert.deepEqual(vals(add(1, x)), [2, 3, 5]);
  assert.deepEqual(vals(sub(x, 1)), [0, 1, 3]);
  assert.deepEqual(vals(sub(1, x)), [0, -1, -3]);
  assert.deepEqual(vals(mul(3, x)), [3, 6, 12]);
  assert.deepEqual(vals(div(x, 2)), [0.5, 1, 2]);
  assert.deepEqual(vals(div(8, x)), [8, 4, 2]);
  assert.deepEqual(vals(pow(x, 2)), [1, 4, 16]);
  assert.deepEqual(vals(pow(2, x)), [2, 4, 16]);
  assert.deepEqual(vals(maximum(x, 2)), [2, 2, 4]);
  assert.deepEqual(vals(minimum(2, x)), [1, 2, 2]);
  assertClose(atan2(x, 2), [Math.atan2(1, 2), Math.atan2(2, 2), Math.atan2(4, 2)]);
  assertClose(atan2(2, x), [Math.atan2(2, 1), Math.atan2(2, 2), Math.atan2(2, 4)]);
  assert.deepEqual(lt(x, 2).toArray(), [true, false, false]);
  assert.deepEqual(lt(2, x).toArray(), [false, false, true]);
  assert.deepEqual(vals(x.add(1).mul(2).sub(4).div(2)), [0, 1, 3]);
  assert.throws(() => add(1 as unknown as Tensor, 2 as unknown as Tensor), /at least one operand must be a tensor/);
});

backendTest("comparisons give bool tensors, NaN compares unequal", () => {
  const a = tensor([1, 2, 3, NaN]);
  const b = tensor([2, 2, 2, NaN]);
  const cases: [string, Tensor, boolean[]][] = [
    ["eq", eq(a, b), [false, true, false, false]],
    ["ne", ne(a, b), [true, false, true, true]],
    ["lt", lt(a, b), [true, false, false, false]],
    ["le", le(a, b), [true, true, false, false]],
    ["gt", gt(a, b), [false, false, true, false]],
    ["ge", ge(a, b), [false, true, true, false]],
  ];
  for (const [name, t, want] of cases) {
    assert.equal(t.dtype, "bool", name);
    assert.deepEqual(t.toArray(), want, name);
  }
  // mixed dtypes compare by value in the promoted type
  const i = tensor([1, 2, 3], { dtype: "int32" });
  assert.deepEqual(eq(i, tensor([1, 2.5, 3])).toArray(), [true, false, true]);
  assert.deepEqual(gt(i, 1.5).toArray(), [false, true, true]);
  assert.deepEqual(eq(tensor([true, false]), tensor([1, 0], { dtype: "int32" })).toArray(), [true, true]);
  assert.deepEqual(a.le(2).toArray(), [true, true, false, false]);
});

backendTest("logical ops: truth tables, non-zero (and NaN) is true", () => {
  const p = tensor([true, true, false, false]);
  const q = tensor([true, false, true, false]);
  assert.deepEqual(logicalAnd(p, q).toArray(), [true, false, false, false]);
  assert.deepEqual(logicalOr(p, q).toArray(), [true, true, true, false]);
  assert.deepEqual(logicalXor(p, q).toArray(), [false, true, true, false]);
  assert.deepEqual(logicalNot(p).toArray(), [false, false, true, true]);
  const f = tensor([2, -0.5, 0, NaN]);
  assert.deepEqual(logicalNot(f).toArray(), [false, false, true, false]);
  assert.deepEqual(logicalAnd(f, tensor([1, 1, 1, 1])).toArray(), [true, true, false, true]);
  assert.deepEqual(logicalOr(f, 0).toArray(), [true, true, false, true]);
  assert.deepEqual(logicalXor(f, 1).toArray(), [false, false, true, false]);
  assert.equal(logicalAnd(p, q).dtype, "bool");
  assert.deepEqual(p.logicalAnd(q).logicalNot().toArray(), [false, true, true, true]);
});

// ---------- broadcasting ----------

backendTest("broadcasting: scalar, row, column, rank mismatch and size 0", () => {
  const m = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(add(m, tensor(10)).toArray(), [[11, 12, 13], [14, 15, 16]]);
  assert.deepEqual(add(tensor(10), m).toArray(), [[11, 12, 13], [14, 15, 16]]);
  assert.deepEqual(mul(m, tensor([[1, 0, -1]])).toArray(), [[1, 0, -3], [4, 0, -6]]);
  assert.deepEqual(sub(m, tensor([[1], [4]])).toArray(), [[0, 1, 2], [0, 1, 2]]);
  assert.deepEqual(add(tensor([[1], [2]]), tensor([[10, 20, 30]])).toArray(), [[11, 21, 31], [12, 22, 32]]);
  const r = add(tensor([[[1, 2, 3]], [[4, 5, 6]]]), tensor([[0], [100]])); // [2,1,3] + [2,1] -> [2,2,3]
  assert.deepEqual(r.shape, [2, 2, 3]);
  assert.deepEqual(r.toArray(), [[[1, 2, 3], [101, 102, 103]], [[4, 5, 6], [104, 105, 106]]]);
  const e = add(zeros([0, 3]), tensor([1, 2, 3]));
  assert.deepEqual(e.shape, [0, 3]);
  assert.equal(e.size, 0);
  assert.deepEqual(mul(zeros([2, 0]), tensor(5)).shape, [2, 0]);
  assert.deepEqual(add(zeros([0]), zeros([1])).shape, [0]);
  assert.deepEqual(eq(zeros([3, 1]), zeros([1, 4])).shape, [3, 4]);
  assert.throws(() => add(zeros([2, 3]), zeros([4])), /add: \[2,3\] and \[4\] cannot broadcast/);
  assert.throws(() => mul(zeros([2, 3]), zeros([3, 2])), /mul: .*cannot broadcast/);
  assert.throws(() => add(zeros([0]), zeros([2])), /cannot broadcast/);
  // where broadcasts all three operands
  const w = where(tensor([[true], [false]]), tensor([1, 2, 3]), tensor(-1));
  assert.deepEqual(w.toArray(), [[1, 2, 3], [-1, -1, -1]]);
});

// ---------- dtypes ----------

backendTest("dtype promotion follows PyTorch", () => {
  const i = tensor([7, -7, 2], { dtype: "int32" });
  const j = tensor([2, 2, 3], { dtype: "int32" });
  const f = tensor([0.5, 0.5, 0.5]);
  const b = tensor([true, false, true]);
  const expect = (t: Tensor, dtype: string, v: number[], what: string): void => {
    assert.equal(t.dtype, dtype, `${what}: dtype`);
    assert.deepEqual(vals(t), v, what);
  };
  expect(add(i, j), "int32", [9, -5, 5], "int+int");
  expect(mul(i, j), "int32", [14, -14, 6], "int*int");
  expect(add(i, f), "float32", [7.5, -6.5, 2.5], "int+float");
  expect(add(f, i), "float32", [7.5, -6.5, 2.5], "float+int");
  expect(add(i, 1), "int32", [8, -6, 3], "int+int scalar");
  expect(add(i, 0.5), "float32", [7.5, -6.5, 2.5], "int+float scalar");
  expect(sub(0.5, i), "float32", [-6.5, 7.5, -1.5], "float scalar-int");
  expect(div(i, j), "float32", [3.5, -3.5, 2 / 3].map(Math.fround), "int/int is true division");
  expect(div(i, 2), "float32", [3.5, -3.5, 1], "int/int scalar is true division");
  expect(div(7, j), "float32", [3.5, 3.5, 7 / 3].map(Math.fround), "int scalar/int");
  expect(add(b, b), "int32", [2, 0, 2], "bool+bool");
  expect(add(b, 1), "int32", [2, 1, 2], "bool+int scalar");
  expect(mul(b, f), "float32", [0.5, 0, 0.5], "bool*float");
  expect(pow(j, 2), "int32", [4, 4, 9], "int^2");
  expect(pow(j, 3), "int32", [8, 8, 27], "int^3");
  expect(pow(j, -1), "float32", [0.5, 0.5, 1 / 3].map(Math.fround), "int^-1");
  expect(pow(tensor([4], { dtype: "int32" }), 0.5), "float32", [2], "int^0.5");
  expect(atan2(tensor([1], { dtype: "int32" }), 1), "float32", [Math.fround(Math.PI / 4)], "atan2 int,scalar");
  expect(atan2(i, j), "float32", [Math.atan2(7, 2), Math.atan2(-7, 2), Math.atan2(2, 3)].map(Math.fround), "atan2 int,int");
  expect(maximum(i, f), "float32", [7, 0.5, 2], "maximum int,float");
  expect(neg(i), "int32", [-7, 7, -2], "neg int");
  expect(abs(i), "int32", [7, 7, 2], "abs int");
  expect(square(i), "int32", [49, 49, 4], "square int");
  expect(relu(i), "int32", [7, 0, 2], "relu int");
  expect(floor(i), "int32", [7, -7, 2], "floor int");
  expect(exp(tensor([0], { dtype: "int32" })), "float32", [1], "exp int");
  expect(sqrt(tensor([9], { dtype: "int32" })), "float32", [3], "sqrt int");
  expect(sigmoid(tensor([0], { dtype: "int32" })), "float32", [0.5], "sigmoid int");
  assert.equal(eq(i, j).dtype, "bool");
  assert.equal(gt(i, f).dtype, "bool");
  assert.equal(lt(f, 1).dtype, "bool");
  expect(where(tensor([true, false]), 1, 0), "int32", [1, 0], "where(int, int)");
  expect(where(tensor([true, false]), 1.5, 0), "float32", [1.5, 0], "where(float, int)");
  expect(where(tensor([true, false]), tensor([1, 2], { dtype: "int32" }), 0.5), "float32", [1, 0.5], "where(int tensor, float)");
});

backendTest("cast, to, float, int and bool convert like PyTorch", () => {
  const x = tensor([-1.7, -0.2, 0, 0.6, 2.9, NaN]);
  const i = x.int();
  assert.equal(i.dtype, "int32");
  assert.deepEqual(vals(i).slice(0, 5), [-1, 0, 0, 0, 2], "float to int truncates toward zero");
  assert.deepEqual(x.bool().toArray(), [true, true, false, true, true, true], "non-zero (and NaN) is true");
  assert.deepEqual(tensor([0, 3, -2], { dtype: "int32" }).bool().toArray(), [false, true, true]);
  assert.deepEqual(vals(tensor([true, false]).float()), [1, 0]);
  assert.deepEqual(vals(tensor([true, false]).int()), [1, 0]);
  assert.equal(x.to("int32").dtype, "int32");
  assert.equal(x.to("cpu"), x, "to(current device) is the same tensor");
  assert.throws(() => x.to("cuda"), /cuda/);
  const c = cast(x, "float32");
  assert.notEqual(c, x);
  assert.notEqual(c.storage, x.storage, "cast always copies");
  assert.equal(tensor([1, 2], { dtype: "int32" }).float().dtype, "float32");
  // gradient flows through float->float casts only
  const leaf = tensor([1, 2]).requiresGrad_();
  const y = cast(leaf, "float32").mul(3).sum();
  y.backward();
  assert.deepEqual(vals(leaf.grad!), [3, 3]);
  assert.equal(leaf.int().requiresGrad, false);
});

backendTest("where and maskedFill select, keep dtypes and check their arguments", () => {
  const c = tensor([true, false, true]);
  assert.deepEqual(vals(where(c, tensor([1, 2, 3]), tensor([-1, -2, -3]))), [1, -2, 3]);
  assert.deepEqual(vals(where(c, 5, tensor([0, 0, 0]))), [5, 0, 5]);
  assert.deepEqual(vals(where(c, tensor([1, 2, 3]), 0)), [1, 0, 3]);
  assert.deepEqual(vals(tensor([1, 2, 3]).where(c, 9)), [1, 9, 3]);
  // a non-bool condition is read as "non-zero"
  assert.deepEqual(vals(where(tensor([2, 0, -1]), 1, 0)), [1, 0, 1]);
  const x = tensor([[1, 2], [3, 4]]);
  const m = tensor([true, false]);
  assert.deepEqual(maskedFill(x, m, -9).toArray(), [[-9, 2], [-9, 4]]);
  assert.deepEqual(x.maskedFill(tensor([[false], [true]]), 0).toArray(), [[1, 2], [0, 0]]);
  const xi = tensor([1, 2, 3], { dtype: "int32" });
  const fi = maskedFill(xi, c, 7.9);
  assert.equal(fi.dtype, "int32", "maskedFill keeps the input dtype");
  assert.deepEqual(vals(fi), [7, 2, 7]);
  const fb = maskedFill(tensor([true, true, false]), c, 0);
  assert.equal(fb.dtype, "bool");
  assert.deepEqual(fb.toArray(), [false, true, false]);
  assert.deepEqual(vals(maskedFill(x, m, -Infinity)), [-Infinity, 2, -Infinity, 4]);
  assert.throws(() => maskedFill(x, tensor([1, 0]), 0), /maskedFill: mask must be bool/);
  assert.throws(() => maskedFill(tensor([1, 2]), tensor([[true], [false]]), 0), /maskedFill: mask \[2,1\] does not broadcast to \[2\]/);
  assert.throws(() => where(c, tensor([1, 2]), 0), /where: .*cannot broadcast/);
});

// ---------- gradients ----------

backendTest("gradcheck: every differentiable unary op", () => {
  const around = tensor([-1.7, -0.9, -0.35, 0.4, 1.1, 2.3]); // away from 0, the kink of relu/abs/...
  const positive = tensor([0.3, 0.7, 1.4, 2.6, 4.1]);
  const cases: [string, (x: Tensor) => Tensor, Tensor][] = [
    ["neg", neg, around], ["abs", abs, around], ["exp", exp, around], ["expm1", expm1, around],
    ["log", log, positive], ["log1p", log1p, tensor([-0.5, -0.2, 0.3, 1.5, 3])], ["sqrt", sqrt, positive], ["rsqrt", rsqrt, positive],
    ["square", square, around], ["reciprocal", reciprocal, tensor([-2, -0.6, 0.5, 1.5])], ["sin", sin, around], ["cos", cos, around],
    ["tanh", tanh, around], ["sigmoid", sigmoid, around], ["relu", relu, around], ["leakyRelu", (x) => leakyRelu(x, 0.1), around],
    ["elu", (x) => elu(x, 1.3), around], ["gelu", (x) => gelu(x), around], ["gelu tanh", (x) => gelu(x, "tanh"), around],
    ["silu", silu, around], ["softplus", softplus, around], ["erf", erf, around], ["clamp", (x) => clamp(x, -1, 1.5), around],
    ["clamp min", (x) => clamp(x, 0), around], ["pow 3", (x) => pow(x, 3), around], ["pow -0.5", (x) => pow(x, -0.5), positive],
    ["pow 2", (x) => pow(x, 2), around], ["pow 0.5", (x) => pow(x, 0.5), positive], ["pow 1.7", (x) => pow(x, 1.7), positive],
    ["clone", clone, around], ["sign (zero grad)", sign, around], ["floor (zero grad)", floor, around], ["round (zero grad)", round, around],
  ];
  for (const [name, f, x] of cases) {
    assert.doesNotThrow(() => gradcheck(f, [x]), `${name}`);
  }
});

backendTest("gradcheck: binary ops, tensor-tensor with broadcasting", () => {
  manualSeed(11);
  const a = randn([3, 4]);
  const rowPos = tensor([[0.6, 1.3, 2.2, 0.9]]);
  const colOff = tensor([[0.5], [-1.5], [2.5]]); // far from a's values: no ties for maximum/minimum
  gradcheck(add, [a, randn([4])]);
  gradcheck(sub, [randn([4]), a]);
  gradcheck(mul, [a, colOff]);
  gradcheck(div, [a, rowPos]);
  gradcheck(div, [rowPos, tensor([[1.5], [-0.7], [2]])]);
  gradcheck(pow, [tensor([[0.5, 1.2, 2.5]]), tensor([[1.5], [-0.5], [2.2]])]);
  gradcheck(maximum, [tensor([[-1, 0.5, 2]]), colOff]);
  gradcheck(minimum, [colOff, tensor([[-1, 0.5, 2]])]);
  gradcheck(atan2, [a, colOff]);
  gradcheck(remainder, [tensor([[5.3, -2.6, 7.7]]), tensor([[2.1], [-3.2]])]);
  gradcheck((x, y) => where(tensor([[true, false, true, false]]), x, y), [a, randn([3, 1])]);
  gradcheck((x) => maskedFill(x, tensor([false, true, false, true]), 2), [a]);
  gradcheck((x) => mul(x, x), [a]);
});

backendTest("gradcheck: tensor ⊙ scalar and scalar ⊙ tensor", () => {
  const x = tensor([-1.3, -0.4, 0.6, 1.7]);
  const p = tensor([0.4, 0.9, 1.6, 2.8]);
  const cases: [string, (t: Tensor) => Tensor, Tensor][] = [
    ["x+s", (t) => add(t, 2.5), x], ["s+x", (t) => add(2.5, t), x],
    ["x-s", (t) => sub(t, 2.5), x], ["s-x", (t) => sub(2.5, t), x],
    ["x*s", (t) => mul(t, -1.5), x], ["s*x", (t) => mul(-1.5, t), x],
    ["x/s", (t) => div(t, 4), x], ["s/x", (t) => div(3, t), p],
    ["x^s", (t) => pow(t, 2.5), p], ["s^x", (t) => pow(2.5, t), x],
    ["max(x,s)", (t) => maximum(t, 0.1), x], ["max(s,x)", (t) => maximum(0.1, t), x],
    ["min(x,s)", (t) => minimum(t, 0.1), x], ["min(s,x)", (t) => minimum(0.1, t), x],
    ["atan2(x,s)", (t) => atan2(t, 1.5), x], ["atan2(s,x)", (t) => atan2(1.5, t), x],
    ["rem(x,s)", (t) => remainder(t, 0.7), tensor([-1.3, -0.4, 0.6, 1.7])], ["rem(s,x)", (t) => remainder(2.3, t), tensor([0.9, 1.3, -0.8, -1.7])],
  ];
  for (const [name, f, t] of cases) assert.doesNotThrow(() => gradcheck(f, [t]), name);
});

backendTest("maximum/minimum split a tied gradient evenly; pow(0, 0) has a zero base gradient", () => {
  const a = tensor([1, 2, 3]).requiresGrad_();
  const b = tensor([1, 5, 0]).requiresGrad_();
  maximum(a, b).sum().backward();
  assert.deepEqual(vals(a.grad!), [0.5, 0, 1]);
  assert.deepEqual(vals(b.grad!), [0.5, 1, 0]);
  const c = tensor([2, 1]).requiresGrad_();
  minimum(c, 2).sum().backward();
  assert.deepEqual(vals(c.grad!), [0.5, 1]);
  const base = tensor([0, 0, 2]).requiresGrad_();
  const e = tensor([0, 2, 0]).requiresGrad_();
  pow(base, e).sum().backward();
  assert.deepEqual(vals(base.grad!), [0, 0, 0], "d/da a^b is 0 where b = 0 (not NaN)");
  assert.deepEqual(vals(e.grad!).map(Math.fround), [0, 0, Math.fround(Math.log(2))]);
  const s = tensor([-1, 2]).requiresGrad_();
  pow(0, s).sum().backward();
  assert.ok(vals(s.grad!).every(Number.isFinite), "0^x has a finite gradient");
});

backendTest("ops on int and bool tensors record no gradient", () => {
  const x = tensor([1, 2]).requiresGrad_();
  const y = gt(x, 1);
  assert.equal(y.requiresGrad, false);
  assert.equal(y.gradFn, null);
  assert.equal(floor(x).requiresGrad, true, "floor is differentiable (zero gradient)");
  const f = mul(x, tensor([2, 3], { dtype: "int32" }));
  assert.equal(f.dtype, "float32");
  f.sum().backward();
  assert.deepEqual(vals(x.grad!), [2, 3]);
});
