import assert from "node:assert/strict";
import {
  amax, amin, arange, argmax, argmin, cumsum, full, logsumexp, manualSeed, max, mean, min, prod, randn, sort, std, sum, tensor, topk,
  variance, zeros, type Tensor,
} from "../../src/index.js";
import { backendTest } from "../helpers/backends.js";
import { assertClose, gradcheck } from "../helpers/gradcheck.js";

const vals = (t: Tensor): number[] => Array.from(t.dataSync());

/**
 * A float64 reference reducer: applies `f` to the list of elements of each output position, reducing
 * `dims` of `shape` (row-major `data`). Returns the keepdim-less values in row-major order.
 */
function refReduce(data: ArrayLike<number>, shape: number[], dims: number[], f: (xs: number[]) => number): number[] {
  const rank = shape.length;
  const ds = dims.map((d) => (d < 0 ? d + rank : d));
  const outShape = shape.map((s, i) => (ds.includes(i) ? 1 : s));
  const outSize = outShape.reduce((a, b) => a * b, 1);
  const groups: number[][] = Array.from({ length: outSize }, () => []);
  const idx = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < data.length; flat++) {
    let o = 0;
    for (let i = 0; i < rank; i++) o = o * outShape[i] + (ds.includes(i) ? 0 : idx[i]);
    groups[o].push(data[flat]);
    for (let i = rank - 1; i >= 0; i--) {
      if (++idx[i] < shape[i]) break;
      idx[i] = 0;
    }
  }
  return groups.map(f);
}

const fsum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const fmean = (xs: number[]): number => fsum(xs) / xs.length;
const fvar = (c: number) => (xs: number[]): number => {
  const m = fmean(xs);
  return fsum(xs.map((x) => (x - m) ** 2)) / (xs.length - c);
};
const flse = (xs: number[]): number => {
  const m = Math.max(...xs);
  return m + Math.log(fsum(xs.map((x) => Math.exp(x - m))));
};

const DIM_CASES: { dims: number | number[] | undefined; keptShape: number[]; shape: number[] }[] = [
  { dims: undefined, keptShape: [1, 1, 1], shape: [] },
  { dims: 0, keptShape: [1, 3, 4], shape: [3, 4] },
  { dims: 1, keptShape: [2, 1, 4], shape: [2, 4] },
  { dims: -1, keptShape: [2, 3, 1], shape: [2, 3] },
  { dims: [0, 2], keptShape: [1, 3, 1], shape: [3] },
  { dims: [-1, 0], keptShape: [1, 3, 1], shape: [3] },
  { dims: [1, 2], keptShape: [2, 1, 1], shape: [2] },
  { dims: [0, 1, 2], keptShape: [1, 1, 1], shape: [] },
];

function checkReduction(name: string, op: (x: Tensor, dims: number | number[] | undefined, keepdim: boolean) => Tensor, ref: (xs: number[]) => number, x: Tensor, rtol = 1e-5, atol = 1e-5): void {
  const data = vals(x);
  for (const c of DIM_CASES) {
    const allDims = c.dims === undefined ? [0, 1, 2] : typeof c.dims === "number" ? [c.dims] : c.dims;
    const want = refReduce(data, [...x.shape], allDims, ref);
    const k = op(x, c.dims, true);
    assert.deepEqual(k.shape, c.keptShape, `${name} dims=${JSON.stringify(c.dims)} keepdim shape`);
    assertClose(k, want, rtol, atol, `${name} dims=${JSON.stringify(c.dims)} keepdim`);
    const d = op(x, c.dims, false);
    assert.deepEqual(d.shape, c.shape, `${name} dims=${JSON.stringify(c.dims)} shape`);
    assertClose(d, want, rtol, atol, `${name} dims=${JSON.stringify(c.dims)}`);
  }
}

backendTest("sum, mean, max, min, amax, amin, var, std, logsumexp over every dim pattern", () => {
  manualSeed(3);
  const x = randn([2, 3, 4]);
  checkReduction("sum", (t, d, k) => sum(t, d, k), fsum, x);
  checkReduction("mean", (t, d, k) => mean(t, d, k), fmean, x);
  checkReduction("max", (t, d, k) => max(t, d, k), (xs) => Math.max(...xs), x);
  checkReduction("min", (t, d, k) => min(t, d, k), (xs) => Math.min(...xs), x);
  checkReduction("amax", (t, d, k) => amax(t, d, k), (xs) => Math.max(...xs), x);
  checkReduction("amin", (t, d, k) => amin(t, d, k), (xs) => Math.min(...xs), x);
  checkReduction("Tensor.amin", (t, d, k) => t.amin(d, k), (xs) => Math.min(...xs), x);
  checkReduction("var", (t, d, k) => variance(t, d, { keepdim: k }), fvar(1), x);
  checkReduction("var correction 0", (t, d, k) => t.var(d, { correction: 0, keepdim: k }), fvar(0), x);
  checkReduction("std", (t, d, k) => std(t, d, { keepdim: k }), (xs) => Math.sqrt(fvar(1)(xs)), x);
  checkReduction("std correction 0", (t, d, k) => t.std(d, { correction: 0, keepdim: k }), (xs) => Math.sqrt(fvar(0)(xs)), x);
  checkReduction("logsumexp", (t, d, k) => logsumexp(t, d, k), flse, x);
});

backendTest("reductions match hand-worked values", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(vals(sum(x)), [21]);
  assert.deepEqual(sum(x).shape, []);
  assert.deepEqual(sum(x, 0).toArray(), [5, 7, 9]);
  assert.deepEqual(sum(x, 1, true).toArray(), [[6], [15]]);
  assert.deepEqual(x.sum(-1).toArray(), [6, 15]);
  assert.deepEqual(mean(x, 0).toArray(), [2.5, 3.5, 4.5]);
  assert.deepEqual(vals(mean(x)), [3.5]);
  assert.deepEqual(max(x, 1).toArray(), [3, 6]);
  assert.deepEqual(min(x, 0).toArray(), [1, 2, 3]);
  assert.deepEqual(vals(prod(x)), [720]);
  assert.deepEqual(prod(x, 1).toArray(), [6, 120]);
  assert.deepEqual(prod(x, 0, true).toArray(), [[4, 10, 18]]);
  assert.deepEqual(variance(x, 1).toArray(), [1, 1]);
  assert.deepEqual(vals(variance(x, 1, { correction: 0 })), [2 / 3, 2 / 3].map(Math.fround));
  assert.deepEqual(vals(variance(tensor([2, 4, 4, 4, 5, 5, 7, 9]), undefined, { correction: 0 })), [4]);
  assert.deepEqual(vals(std(tensor([2, 4, 4, 4, 5, 5, 7, 9]), undefined, { correction: 0 })), [2]);
  assertClose(logsumexp(tensor([0, 0, 0, 0])), [Math.log(4)]);
  assertClose(logsumexp(tensor([[1000, 1000], [-1000, -1000]]), 1), [1000 + Math.LN2, -1000 + Math.LN2], 1e-6, 1e-3);
  assert.deepEqual(vals(logsumexp(tensor([-Infinity, -Infinity]))), [-Infinity]);
  assert.deepEqual(vals(logsumexp(tensor([Infinity, 0]))), [Infinity]);
  // an empty dim list reduces everything, as in PyTorch
  assert.deepEqual(vals(sum(x, [])), [21]);
});

backendTest("integer and bool reductions keep exact integer types", () => {
  const i = tensor([[1, 2, 3], [4, 5, 6]], { dtype: "int32" });
  const s = sum(i, 1);
  assert.equal(s.dtype, "int32");
  assert.deepEqual(vals(s), [6, 15]);
  assert.equal(max(i).dtype, "int32");
  assert.deepEqual(vals(max(i)), [6]);
  assert.deepEqual(vals(prod(i, 0)), [4, 10, 18]);
  assert.equal(mean(i).dtype, "float32");
  assert.deepEqual(vals(mean(i)), [3.5]);
  const b = tensor([true, false, true, true]);
  assert.equal(sum(b).dtype, "int32");
  assert.deepEqual(vals(sum(b)), [3], "sum of bool counts the trues");
  assert.deepEqual(vals(sum(tensor([2 ** 24, 1, 1], { dtype: "int32" }))), [2 ** 24 + 2], "int sums are exact past 2^24");
});

backendTest("float sums stay accurate over many elements", () => {
  const n = 1_000_000;
  const s = vals(sum(full([n], 0.1)))[0];
  assert.ok(Math.abs(s - n * Math.fround(0.1)) <= 1e-4 * n * 0.1, `sum of 1e6 × 0.1 = ${s}`);
  const m = vals(mean(full([1000, 1000], 0.1), 1));
  assert.ok(m.every((v) => Math.abs(v - 0.1) < 1e-6));
});

backendTest("NaN propagates through max/min; arg reductions pick the first extremum", () => {
  const x = tensor([[1, NaN, 3], [2, 5, 5]]);
  assert.ok(Number.isNaN(vals(max(x))[0]));
  assert.ok(Number.isNaN(vals(min(x))[0]));
  const m = vals(max(x, 1));
  assert.ok(Number.isNaN(m[0]));
  assert.equal(m[1], 5);
  assert.ok(Number.isNaN(vals(sum(x))[0]));
  assert.deepEqual(vals(argmax(x, 1)), [1, 1], "argmax takes NaN as the maximum, and the first of ties");
  assert.deepEqual(vals(argmin(x, 1)), [1, 0]);
  assert.deepEqual(vals(argmax(tensor([3, 7, 7, 1]))), [1]);
  assert.deepEqual(vals(argmin(tensor([3, 1, 7, 1]))), [1]);
  assert.deepEqual(vals(argmax(tensor([[1, 9], [9, 2]]))), [1], "no dim: index into the flattened tensor");
  const y = tensor([[[1, 8], [7, 2]], [[5, 5], [0, 6]]]);
  assert.deepEqual(argmax(y, 0).toArray(), [[1, 0], [0, 1]]);
  assert.deepEqual(argmax(y, 1).toArray(), [[1, 0], [0, 1]]);
  assert.deepEqual(argmin(y, -1).toArray(), [[0, 1], [0, 0]]);
  assert.deepEqual(argmax(y, 2, true).shape, [2, 2, 1]);
  assert.equal(argmax(y, 2).dtype, "int32");
  assert.deepEqual(y.argmax().shape, []);
});

backendTest("size-0 reductions: sum 0, prod 1, mean NaN; max/argmax refuse", () => {
  const e = zeros([0, 3]);
  assert.deepEqual(sum(e, 0).toArray(), [0, 0, 0]);
  assert.deepEqual(prod(e, 0).toArray(), [1, 1, 1]);
  assert.deepEqual(vals(sum(e)), [0]);
  assert.ok(vals(mean(e, 0)).every(Number.isNaN));
  assert.deepEqual(sum(e, 1).shape, [0]);
  assert.throws(() => max(e), /max: cannot reduce an empty tensor \[0,3\]/);
  assert.throws(() => argmax(e), /argmax: cannot reduce an empty tensor/);
});

backendTest("bad dims are rejected with the op and rank in the message", () => {
  const x = zeros([2, 3]);
  assert.throws(() => sum(x, 2), /sum: dim 2 out of range for a tensor of rank 2/);
  assert.throws(() => sum(x, -3), /sum: dim -3 out of range/);
  assert.throws(() => mean(x, [0, 5]), /mean: dim 5 out of range/);
  assert.throws(() => max(x, 1.5), /max: dim 1.5 out of range/);
  assert.throws(() => argmax(x, 2), /argmax: dim 2 out of range/);
  assert.throws(() => cumsum(x, 3), /cumsum: dim 3 out of range/);
  assert.throws(() => sort(x, -3), /sort: dim -3 out of range/);
  assert.throws(() => topk(x, 1, 2), /topk: dim 2 out of range/);
  assert.throws(() => topk(x, 4), /topk: k=4 out of range/);
  assert.throws(() => topk(x, -1), /topk: k=-1 out of range/);
  assert.throws(() => logsumexp(x, 9), /logsumexp: dim 9 out of range/);
  assert.throws(() => variance(x, 4), /var: dim 4 out of range/);
});

backendTest("cumsum along any dim, for floats, ints and bools", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(cumsum(x, 1).toArray(), [[1, 3, 6], [4, 9, 15]]);
  assert.deepEqual(cumsum(x, 0).toArray(), [[1, 2, 3], [5, 7, 9]]);
  assert.deepEqual(x.cumsum(-1).toArray(), [[1, 3, 6], [4, 9, 15]]);
  const i = cumsum(tensor([1, -2, 3], { dtype: "int32" }), 0);
  assert.equal(i.dtype, "int32");
  assert.deepEqual(vals(i), [1, -1, 2]);
  const b = cumsum(tensor([true, false, true]), 0);
  assert.equal(b.dtype, "int32");
  assert.deepEqual(vals(b), [1, 1, 2]);
  assert.deepEqual(cumsum(zeros([0]), 0).shape, [0]);
});

backendTest("sort is stable, handles NaN like PyTorch, and works along any dim", () => {
  const x = tensor([3, 1, 2, 1, NaN, -Infinity, 2]);
  const a = sort(x);
  assert.deepEqual(vals(a.values).map(String), ["-Infinity", "1", "1", "2", "2", "3", "NaN"]);
  assert.deepEqual(vals(a.indices), [5, 1, 3, 2, 6, 0, 4], "stable: equal keys keep their order");
  assert.equal(a.indices.dtype, "int32");
  const d = sort(x, 0, true);
  assert.deepEqual(vals(d.values).map(String), ["NaN", "3", "2", "2", "1", "1", "-Infinity"]);
  assert.deepEqual(vals(d.indices), [4, 0, 2, 6, 1, 3, 5], "stable descending too");
  const m = tensor([[3, 1], [1, 2], [2, 0]]);
  const s0 = m.sort(0);
  assert.deepEqual(s0.values.toArray(), [[1, 0], [2, 1], [3, 2]]);
  assert.deepEqual(s0.indices.toArray(), [[1, 2], [2, 0], [0, 1]]);
  const si = sort(tensor([5, -1, 3], { dtype: "int32" }));
  assert.equal(si.values.dtype, "int32");
  assert.deepEqual(vals(si.values), [-1, 3, 5]);
});

backendTest("topk returns sorted values and their indices", () => {
  const x = tensor([[1, 9, 3, 7], [4, 4, 8, 0]]);
  const t = topk(x, 2);
  assert.deepEqual(t.values.toArray(), [[9, 7], [8, 4]]);
  assert.deepEqual(t.indices.toArray(), [[1, 3], [2, 0]]);
  const s = x.topk(3, 1, false);
  assert.deepEqual(s.values.toArray(), [[1, 3, 7], [0, 4, 4]]);
  assert.deepEqual(s.indices.toArray(), [[0, 2, 3], [3, 0, 1]]);
  const c = topk(x, 1, 0);
  assert.deepEqual(c.values.toArray(), [[4, 9, 8, 7]]);
  assert.deepEqual(c.indices.toArray(), [[1, 0, 1, 0]]);
  assert.deepEqual(topk(x, 0).values.shape, [2, 0]);
  assert.deepEqual(vals(topk(tensor([1, NaN, 3]), 1).indices), [1], "NaN counts as the largest");
});

backendTest("gradcheck: every differentiable reduction", () => {
  manualSeed(5);
  const x = randn([3, 4, 2]);
  for (const d of [undefined, 0, 1, -1, [0, 2], [1, 2]] as const) {
    gradcheck((t) => sum(t, d), [x]);
    gradcheck((t) => mean(t, d, true), [x]);
    gradcheck((t) => max(t, d), [x]);
    gradcheck((t) => min(t, d, true), [x]);
    gradcheck((t) => variance(t, d), [x]);
    gradcheck((t) => variance(t, d, { correction: 0, keepdim: true }), [x]);
    gradcheck((t) => std(t, d), [x]);
    gradcheck((t) => logsumexp(t, d), [x]);
  }
  for (const d of [0, 1, 2]) {
    gradcheck((t) => cumsum(t, d), [x]);
    gradcheck((t) => sort(t, d).values, [x]);
    gradcheck((t) => sort(t, d, true).values, [x]);
    gradcheck((t) => topk(t, 2, d).values, [x]);
    gradcheck((t) => topk(t, 1, d, false).values, [x]);
  }
  const p = tensor([[0.9, -1.2, 1.5], [0.7, 1.1, -0.8]]);
  gradcheck((t) => prod(t), [p]);
  gradcheck((t) => prod(t, 0), [p]);
  gradcheck((t) => prod(t, 1, true), [p]);
});

backendTest("prod gradient is exact with zeros in the input", () => {
  const one = tensor([2, 0, 3, 4]).requiresGrad_();
  prod(one).backward();
  assert.deepEqual(vals(one.grad!), [0, 24, 0, 0]);
  const two = tensor([[2, 0, 0], [1, 5, 3]]).requiresGrad_();
  prod(two, 1).sum().backward();
  assert.deepEqual(two.grad!.toArray(), [[0, 0, 0], [15, 3, 5]]);
  gradcheck((t) => prod(t, 1), [tensor([[0, 1.3, -0.7], [2.1, 0, 0.4]])]);
  gradcheck((t) => prod(t), [tensor([1.2, 0, -0.8, 1.5])]);
});

backendTest("max/min share a tied gradient evenly", () => {
  const x = tensor([[1, 5, 5], [2, 2, 2]]).requiresGrad_();
  max(x, 1).sum().backward();
  assertClose(x.grad!, [0, 0.5, 0.5, 1 / 3, 1 / 3, 1 / 3]);
  const y = tensor([3, 1, 1]).requiresGrad_();
  min(y).backward();
  assert.deepEqual(vals(y.grad!), [0, 0.5, 0.5]);
});

backendTest("reductions on a scalar tensor and over the only dim", () => {
  const s = tensor(4);
  assert.deepEqual(vals(sum(s)), [4]);
  assert.deepEqual(sum(s).shape, []);
  assert.deepEqual(vals(max(s)), [4]);
  assert.deepEqual(vals(prod(s)), [4]);
  assert.deepEqual(vals(argmax(s)), [0]);
  assert.ok(Number.isNaN(vals(variance(tensor([3])))[0]), "var of one element with correction 1 is NaN");
  assert.deepEqual(vals(variance(tensor([3]), 0, { correction: 0 })), [0]);
  assert.deepEqual(arange(5).sum().shape, []);
  assert.deepEqual(vals(arange(5).sum()), [10]);
});
