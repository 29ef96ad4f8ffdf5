import assert from "node:assert/strict";
import { test } from "node:test";
import {
  arange, defaultGenerator, eye, full, fullLike, Generator, linspace, manualSeed, normal, ones, onesLike, rand, randint, randn, tensor, uniform,
  zeros, zerosLike, type NestedArray, type Tensor,
} from "../../src/index.js";
import { philoxBlock } from "../../src/tensor/random.js";
import { backendTest } from "../helpers/backends.js";

const vals = (t: Tensor): number[] => Array.from(t.dataSync());

// ---------- tensor() ----------

backendTest("tensor() infers shape and dtype from nested arrays", () => {
  const a = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(a.shape, [2, 3]);
  assert.equal(a.dtype, "float32");
  assert.deepEqual(a.toArray(), [[1, 2, 3], [4, 5, 6]]);
  const c = tensor([[[1], [2]], [[3], [4]]]);
  assert.deepEqual(c.shape, [2, 2, 1]);
  assert.deepEqual(vals(c), [1, 2, 3, 4]);
  const s = tensor(2.5);
  assert.deepEqual(s.shape, []);
  assert.equal(s.item(), 2.5);
  assert.deepEqual(tensor([]).shape, [0]);
  assert.deepEqual(tensor([[], []]).shape, [2, 0]);
  const b = tensor([[true, false], [false, true]]);
  assert.equal(b.dtype, "bool");
  assert.deepEqual(b.toArray(), [[true, false], [false, true]]);
  assert.equal(tensor(true).dtype, "bool");
  const i = tensor([1.9, -1.9, 3], { dtype: "int32" });
  assert.equal(i.dtype, "int32");
  assert.deepEqual(vals(i), [1, -1, 3]);
  assert.deepEqual(tensor([0, 2, -1], { dtype: "bool" }).toArray(), [false, true, true]);
  assert.deepEqual(tensor([1, 2, 3, 4, 5, 6], { shape: [3, 2] }).toArray(), [[1, 2], [3, 4], [5, 6]]);
  assert.deepEqual(tensor([0.1]).dataSync()[0], Math.fround(0.1));
});

backendTest("tensor() rejects ragged and malformed input, naming the path", () => {
  assert.throws(() => tensor([[1, 2], [3]]), /tensor: ragged nested array at \[1\]: length 1, expected 2/);
  assert.throws(() => tensor([[1, 2], 3]), /tensor: ragged nested array at \[1\]: found a scalar where a list of length 2 was expected/);
  assert.throws(() => tensor([1, [2]]), /tensor: ragged nested array at \[1\]: found a list where a scalar was expected/);
  assert.throws(() => tensor([[[1, 2], [3, 4]], [[5, 6], [7]]]), /ragged nested array at \[1\]\[1\]: length 1, expected 2/);
  assert.throws(() => tensor([[1, [2, 3]], [4, 5]]), /ragged nested array at \[0\]\[1\]/);
  assert.throws(() => tensor([[], [1]]), /ragged nested array at \[1\]: length 1, expected 0/);
  assert.throws(() => tensor(["a"] as unknown as NestedArray), /tensor: element at \[0\] is string, expected a number or boolean/);
  assert.throws(() => tensor([[1, null]] as unknown as NestedArray), /tensor: element at \[0\]\[1\] is null/);
  assert.throws(() => tensor([1, 2, 3], { shape: [2, 2] }), /tensor: shape \[2,2\] needs 4 elements, got 3/);
  assert.throws(() => tensor([1, 2], { shape: [-2, -1] }), /tensor: invalid shape \[-2,-1\]/);
  assert.throws(() => tensor([1], { dtype: "float64" as "float32" }), /tensor: unknown dtype "float64"/);
});

backendTest("tensor() from typed arrays copies the data", () => {
  const f = new Float32Array([1, 2, 3, 4, 5, 6]);
  const t = tensor(f, { shape: [2, 3] });
  assert.equal(t.dtype, "float32");
  assert.deepEqual(t.toArray(), [[1, 2, 3], [4, 5, 6]]);
  f[0] = 100;
  assert.equal(t.dataSync()[0], 1, "the tensor does not alias the source array");
  const d = t.dataSync();
  d[1] = 100;
  assert.equal(t.dataSync()[1], 2, "dataSync returns a copy");
  assert.equal(tensor(new Int32Array([1, 2])).dtype, "int32");
  assert.equal(tensor(new Uint8Array([1, 0])).dtype, "bool");
  assert.deepEqual(tensor(new Int32Array([0, 2, -1]), { dtype: "bool" }).toArray(), [false, true, true]);
  assert.deepEqual(vals(tensor(new Float32Array([1.5, -2.5]), { dtype: "int32" })), [1, -2]);
  const wide = tensor(new Float64Array([0.5, 1.5]) as unknown as Float32Array);
  assert.equal(wide.dtype, "float32", "other typed arrays are read as float32");
  assert.deepEqual(vals(wide), [0.5, 1.5]);
  assert.deepEqual(tensor(new Float32Array(0)).shape, [0]);
  assert.throws(() => tensor(new Float32Array(5), { shape: [2, 2] }), /tensor: shape \[2,2\] needs 4 elements, got 5/);
});

// ---------- filled and ranged ----------

backendTest("zeros, ones, full and the *Like variants", () => {
  assert.deepEqual(zeros([2, 2]).toArray(), [[0, 0], [0, 0]]);
  assert.deepEqual(ones([3]).toArray(), [1, 1, 1]);
  assert.deepEqual(full([2], 7.5).toArray(), [7.5, 7.5]);
  assert.deepEqual(vals(full([2], 7.9, { dtype: "int32" })), [7, 7]);
  assert.deepEqual(full([2], 3, { dtype: "bool" }).toArray(), [true, true]);
  assert.ok(vals(full([3], NaN)).every(Number.isNaN));
  assert.deepEqual(zeros([]).shape, []);
  assert.deepEqual(zeros([0, 4]).shape, [0, 4]);
  assert.equal(zeros([2], { dtype: "int32" }).dtype, "int32");
  const src = tensor([[1, 2]], { dtype: "int32" });
  const z = zerosLike(src);
  assert.equal(z.dtype, "int32");
  assert.deepEqual(z.shape, [1, 2]);
  assert.deepEqual(onesLike(src).toArray(), [[1, 1]]);
  assert.equal(onesLike(src, { dtype: "float32" }).dtype, "float32");
  assert.deepEqual(fullLike(src, 4).toArray(), [[4, 4]]);
  const g = zeros([2], { requiresGrad: true });
  assert.equal(g.requiresGrad, true);
  assert.equal(zerosLike(g).requiresGrad, false, "*Like does not copy requiresGrad");
  assert.throws(() => zeros([2, -1]), /zeros: invalid shape \[2,-1\]/);
  assert.throws(() => ones([1.5]), /invalid shape \[1.5\]/);
  assert.throws(() => full([2], 1, { dtype: "int8" as "int32" }), /full: unknown dtype "int8"/);
  assert.throws(() => zeros([2], { dtype: "int32", requiresGrad: true }), /only float tensors can require grad/);
});

backendTest("arange: ints, floats, negative steps, empty ranges", () => {
  const a = arange(5);
  assert.equal(a.dtype, "int32");
  assert.deepEqual(vals(a), [0, 1, 2, 3, 4]);
  assert.deepEqual(vals(arange(2, 6)), [2, 3, 4, 5]);
  assert.deepEqual(vals(arange(1, 10, 3)), [1, 4, 7]);
  assert.deepEqual(vals(arange(5, 0, -1)), [5, 4, 3, 2, 1]);
  assert.deepEqual(vals(arange(5, -6, -5)), [5, 0, -5]);
  const f = arange(1, 2, 0.25);
  assert.equal(f.dtype, "float32");
  assert.deepEqual(vals(f), [1, 1.25, 1.5, 1.75]);
  assert.deepEqual(vals(arange(0, -1, -0.25)), [0, -0.25, -0.5, -0.75]);
  assert.equal(arange(0, 1, 0.1).size, 10);
  assert.equal(arange(0.5).dtype, "float32");
  assert.deepEqual(vals(arange(0.5)), [0]);
  assert.deepEqual(arange(0).shape, [0]);
  assert.deepEqual(arange(3, 1).shape, [0], "an empty range in the step's direction");
  assert.deepEqual(arange(1, 3, -1).shape, [0]);
  assert.equal(arange(3, undefined, 1, { dtype: "float32" }).dtype, "float32");
  assert.throws(() => arange(0, 5, 0), /arange: step must be a non-zero finite number, got 0/);
  assert.throws(() => arange(0, Infinity), /arange: start and end must be finite/);
  assert.throws(() => arange(NaN), /arange: start and end must be finite/);
});

backendTest("linspace and eye", () => {
  assert.deepEqual(vals(linspace(0, 1, 5)), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(vals(linspace(1, -1, 3)), [1, 0, -1]);
  assert.deepEqual(vals(linspace(2, 3, 1)), [2]);
  assert.deepEqual(linspace(0, 1, 0).shape, [0]);
  const l = vals(linspace(-3, 7, 11));
  assert.deepEqual(l, [-3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(vals(linspace(0, 0.3, 7))[6], Math.fround(0.3), "the end point is exact");
  assert.throws(() => linspace(0, 1, -1), /linspace: steps must be a non-negative integer/);
  assert.throws(() => linspace(0, 1, 2.5), /linspace: steps must be a non-negative integer/);
  assert.deepEqual(eye(3).toArray(), [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  assert.deepEqual(eye(2, 3).toArray(), [[1, 0, 0], [0, 1, 0]]);
  assert.deepEqual(eye(3, 2).toArray(), [[1, 0], [0, 1], [0, 0]]);
  assert.equal(eye(2, 2, { dtype: "int32" }).dtype, "int32");
  assert.deepEqual(eye(2, 2, { dtype: "bool" }).toArray(), [[true, false], [false, true]]);
  assert.deepEqual(eye(0).shape, [0, 0]);
  assert.throws(() => eye(-1), /eye: invalid shape/);
});

// ---------- randomness ----------

test("Philox4x32-10 matches the Random123 known-answer vectors", () => {
  const o = new Uint32Array(4);
  const hex = (): string[] => Array.from(o, (v) => v.toString(16).padStart(8, "0"));
  philoxBlock(0, 0, 0, 0, 0, 0, o);
  assert.deepEqual(hex(), ["6627e8d5", "e169c58d", "bc57ac4c", "9b00dbd8"]);
  philoxBlock(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, o);
  assert.deepEqual(hex(), ["408f276d", "41c83b0e", "a20bc7c6", "6d5451fd"]);
  philoxBlock(0xa4093822, 0x299f31d0, 0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, o);
  assert.deepEqual(hex(), ["d16cfe09", "94fdcceb", "5001e420", "24126ea1"]);
});

test("a Generator is deterministic, seedable, and resumes exactly from getState()", () => {
  const a = new Generator(123);
  const b = new Generator(123);
  assert.deepEqual(a.uint32(37), b.uint32(37));
  assert.deepEqual(a.normal(11), b.normal(11));
  assert.notDeepEqual(new Generator(1).uniform(8), new Generator(2).uniform(8));
  const big = new Generator(2 ** 40 + 5);
  assert.notDeepEqual(big.uniform(8), new Generator(5).uniform(8), "seeds above 2^32 use the high word");

  const g = new Generator(9);
  g.uniform(5);
  const state = g.getState();
  const next = [g.uniform(7), g.normal(5), g.integers(9, -3, 4)];
  g.uniform(100);
  g.setState(state);
  assert.deepEqual([g.uniform(7), g.normal(5), g.integers(9, -3, 4)], next, "setState resumes the same stream");
  const h = new Generator(0);
  h.setState(state);
  assert.deepEqual(h.uniform(7), next[0], "state moves between generators");
  g.manualSeed(9);
  const again = new Generator(9);
  assert.deepEqual(g.uniform(3), again.uniform(3), "manualSeed restarts the stream");
  assert.throws(() => g.setState([1, 2]), /Generator.setState: expected \[seed-lo, seed-hi, counter\]/);
  assert.throws(() => g.setState([1, 2, -1]), /Generator.setState/);
  assert.throws(() => g.setState([2 ** 33, 0, 0]), /Generator.setState/);
});

backendTest("rand/randn/randint follow the default generator and accept their own", () => {
  manualSeed(42);
  const r1 = vals(rand([3, 4]));
  const n1 = vals(randn([5]));
  manualSeed(42);
  assert.deepEqual(vals(rand([3, 4])), r1);
  assert.deepEqual(vals(randn([5])), n1);
  const state = defaultGenerator.getState();
  const ri = vals(randint(0, 10, [6]));
  defaultGenerator.setState(state);
  assert.deepEqual(vals(randint(0, 10, [6])), ri);
  // a private generator leaves the default stream alone
  manualSeed(42);
  const g = new Generator(7);
  rand([100], { generator: g });
  assert.deepEqual(vals(rand([3, 4])), r1);
  assert.deepEqual(vals(rand([4], { generator: new Generator(7) })), vals(rand([4], { generator: new Generator(7) })));
  const t = randn([2, 3], { requiresGrad: true });
  assert.deepEqual(t.shape, [2, 3]);
  assert.equal(t.requiresGrad, true);
  assert.throws(() => rand([2], { dtype: "int32" }), /rand: samples are float32/);
  assert.throws(() => randn([-1]), /randn: invalid shape/);
  assert.throws(() => randint(3, 3, [2]), /randint: high \(3\) must be greater than low \(3\)/);
});

backendTest("rand, randn, randint, uniform and normal are statistically sound on 100k samples", () => {
  // Seeded, so deterministic; the tolerances are also > 8 standard errors wide, so any seed passes.
  const n = 100_000;
  const g = new Generator(2024);
  const moments = (xs: ArrayLike<number>): { mean: number; sd: number; min: number; max: number } => {
    let s = 0, s2 = 0, mn = Infinity, mx = -Infinity;
    for (let i = 0; i < xs.length; i++) {
      s += xs[i];
      s2 += xs[i] * xs[i];
      mn = Math.min(mn, xs[i]);
      mx = Math.max(mx, xs[i]);
    }
    const mean = s / xs.length;
    return { mean, sd: Math.sqrt(s2 / xs.length - mean * mean), min: mn, max: mx };
  };
  const u = moments(rand([n], { generator: g }).dataSync());
  assert.ok(Math.abs(u.mean - 0.5) < 0.008, `rand mean ${u.mean}`); // se 0.0009
  assert.ok(Math.abs(u.sd - Math.sqrt(1 / 12)) < 0.005, `rand sd ${u.sd}`);
  assert.ok(u.min >= 0 && u.max < 1, `rand range [${u.min}, ${u.max}]`);
  const z = randn([n], { generator: g }).dataSync();
  const m = moments(z);
  assert.ok(Math.abs(m.mean) < 0.025, `randn mean ${m.mean}`); // se 0.0032
  assert.ok(Math.abs(m.sd - 1) < 0.02, `randn sd ${m.sd}`); // se 0.0022
  let within1 = 0;
  for (const v of z) if (Math.abs(v) < 1) within1++;
  assert.ok(Math.abs(within1 / n - 0.6827) < 0.013, `randn P(|z|<1) = ${within1 / n}`); // se 0.0015
  assert.ok(z.every(Number.isFinite));
  const ints = randint(-3, 5, [n], { generator: g });
  assert.equal(ints.dtype, "int32");
  const counts = new Array<number>(8).fill(0);
  for (const v of ints.dataSync()) {
    assert.ok(v >= -3 && v < 5 && Number.isInteger(v));
    counts[v + 3]++;
  }
  for (const c of counts) assert.ok(Math.abs(c / n - 1 / 8) < 0.01, `randint bucket ${c / n}`); // se 0.001
  const un = moments(uniform([n], -2, 6, { generator: g }).dataSync());
  assert.ok(Math.abs(un.mean - 2) < 0.07 && un.min >= -2 && un.max < 6, `uniform mean ${un.mean}`);
  const no = moments(normal([n], 10, 0.5, { generator: g }).dataSync());
  assert.ok(Math.abs(no.mean - 10) < 0.013 && Math.abs(no.sd - 0.5) < 0.01, `normal ${no.mean} ${no.sd}`);
});
