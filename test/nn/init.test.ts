import assert from "node:assert/strict";
import { empty, Generator, manualSeed, tensor, type Tensor } from "../../src/index.js";
import {
  BatchNorm2d, Bilinear, calculateFanInAndFanOut, calculateGain, constant_, Conv2d, ConvTranspose2d, Embedding, kaimingNormal_,
  kaimingUniform_, LayerNorm, Linear, normal_, ones_, orthogonal_, Parameter, truncNormal_, uniform_, xavierNormal_, xavierUniform_,
  zeros_, type Nonlinearity,
} from "../../src/nn/index.js";
import { backendTest } from "../helpers/backends.js";
import { fixtures } from "./helpers.js";

function stats(t: Tensor): { mean: number; std: number; min: number; max: number } {
  const d = t.dataSync();
  let s = 0, min = Infinity, max = -Infinity;
  for (const v of d) {
    s += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = s / d.length;
  let ss = 0;
  for (const v of d) ss += (v - mean) ** 2;
  return { mean, std: Math.sqrt(ss / (d.length - 1)), min, max };
}

const near = (got: number, want: number, rel: number, what: string): void =>
  assert.ok(Math.abs(got - want) <= rel * Math.abs(want), `${what}: ${got} vs expected ${want} (±${rel * 100}%)`);

const fresh = (shape: number[]): Parameter => Parameter.adopt(empty(shape));

backendTest("calculateGain and fan computation match PyTorch", () => {
  for (const [key, want] of Object.entries(fixtures.init.gains)) {
    const [name, param] = key.split(":");
    assert.ok(Math.abs(calculateGain(name as Nonlinearity, param === undefined ? undefined : Number(param)) - want) < 1e-12, key);
  }
  for (const [shape, [fanIn, fanOut]] of Object.entries(fixtures.init.fans)) {
    assert.deepEqual(calculateFanInAndFanOut(JSON.parse(shape) as number[]), { fanIn, fanOut }, shape);
  }
  assert.throws(() => calculateFanInAndFanOut([5]), /calculateFanInAndFanOut: needs a tensor with at least 2 dims, got \[5\]/);
  assert.throws(() => calculateGain("swish" as Nonlinearity), /calculateGain: unknown nonlinearity "swish"/);
});

backendTest("constant_, zeros_, ones_, normal_ and uniform_ fill in place (also on parameters)", () => {
  const p = fresh([300, 200]);
  assert.equal(constant_(p, 2.5), p);
  assert.ok(p.dataSync().every((v) => v === 2.5));
  zeros_(p);
  assert.ok(p.dataSync().every((v) => v === 0));
  ones_(p);
  assert.ok(p.dataSync().every((v) => v === 1));
  const g = new Generator(1);
  const n = stats(normal_(p, 3, 0.5, g));
  near(n.mean, 3, 0.005, "normal mean");
  near(n.std, 0.5, 0.02, "normal std");
  const u = stats(uniform_(p, -1, 3, g));
  assert.ok(u.min >= -1 && u.max < 3 && u.min < -0.99 && u.max > 2.99, `uniform range [${u.min}, ${u.max}]`);
  near(u.mean, 1, 0.01, "uniform mean");
  near(u.std, 4 / Math.sqrt(12), 0.02, "uniform std");
  assert.throws(() => normal_(tensor([1, 2], { dtype: "int32" })), /normal_: expects a float32 tensor, got int32 \[2\]/);
  assert.throws(() => uniform_(p, 1, 0), /uniform_: needs a <= b, got a=1, b=0/);
});

backendTest("truncNormal_ stays inside [a, b] with the truncated normal's spread", () => {
  const t = truncNormal_(fresh([200, 200]), 0, 1, -2, 2, new Generator(3));
  const s = stats(t);
  assert.ok(s.min >= -2 && s.max <= 2);
  // std of N(0,1) truncated to [−2, 2]: √(1 − 2·2φ(2)/(Φ(2) − Φ(−2))) = 0.8796
  near(s.std, 0.8796, 0.02, "truncated std");
  assert.throws(() => truncNormal_(fresh([2]), 0, 1, 10, 12), /truncNormal_: \[10, 12\] lies more than 6 std from the mean 0/);
});

backendTest("xavier and kaiming inits have the variances their formulas give", () => {
  const g = new Generator(4);
  const w = fresh([400, 600]); // fanIn 600, fanOut 400
  near(stats(xavierNormal_(w, 1, g)).std, Math.sqrt(2 / 1000), 0.02, "xavierNormal std");
  near(stats(xavierNormal_(w, 2, g)).std, 2 * Math.sqrt(2 / 1000), 0.02, "xavierNormal std with gain 2");
  const xu = stats(xavierUniform_(w, 1, g));
  const xb = Math.sqrt(6 / 1000);
  assert.ok(xu.max < xb && xu.max > 0.99 * xb && xu.min >= -xb, "xavierUniform bound");
  near(xu.std, xb / Math.sqrt(3), 0.02, "xavierUniform std");
  near(stats(kaimingNormal_(w, { nonlinearity: "relu", generator: g })).std, Math.sqrt(2 / 600), 0.02, "kaimingNormal fanIn std");
  near(stats(kaimingNormal_(w, { mode: "fanOut", nonlinearity: "relu", generator: g })).std, Math.sqrt(2 / 400), 0.02, "kaimingNormal fanOut std");
  const ku = stats(kaimingUniform_(w, { a: Math.sqrt(5), generator: g }));
  assert.ok(ku.max < 1 / Math.sqrt(600) && ku.max > 0.99 / Math.sqrt(600), "kaimingUniform with a=√5 is U(−1/√fanIn, 1/√fanIn)");
  const conv = fresh([16, 8, 3, 3]); // fanIn 72
  near(stats(kaimingNormal_(conv, { generator: g })).std, Math.sqrt(2 / 72), 0.03, "kaimingNormal on a conv weight");
  assert.throws(() => kaimingNormal_(fresh([3])), /calculateFanInAndFanOut: needs a tensor with at least 2 dims/);
});

function gram(q: Float32Array, rows: number, cols: number, byRows: boolean): number {
  // largest |G − I| where G = Q·Qᵀ (byRows) or Qᵀ·Q
  const n = byRows ? rows : cols;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      const k = byRows ? cols : rows;
      for (let t = 0; t < k; t++) s += byRows ? q[i * cols + t] * q[j * cols + t] : q[t * cols + i] * q[t * cols + j];
      worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
    }
  }
  return worst;
}

backendTest("orthogonal_ gives orthonormal columns (tall), rows (wide) and scales by gain", () => {
  const g = new Generator(6);
  const sq = orthogonal_(fresh([48, 48]), 1, g).dataSync() as Float32Array;
  assert.ok(gram(sq, 48, 48, false) < 1e-5, "square: QᵀQ = I");
  assert.ok(gram(sq, 48, 48, true) < 1e-5, "square: QQᵀ = I");
  const tall = orthogonal_(fresh([60, 20]), 1, g).dataSync() as Float32Array;
  assert.ok(gram(tall, 60, 20, false) < 1e-5, "tall: QᵀQ = I");
  const wide = orthogonal_(fresh([10, 3, 2, 2]), 1, g).dataSync() as Float32Array; // viewed as [10, 12]
  assert.ok(gram(wide, 10, 12, true) < 1e-5, "wide: QQᵀ = I");
  const scaled = orthogonal_(fresh([8, 8]), 3, g).dataSync() as Float32Array;
  assert.ok(gram(scaled.map((v) => v / 3), 8, 8, false) < 1e-5, "gain 3 scales Q");
  assert.throws(() => orthogonal_(fresh([4])), /orthogonal_: needs a tensor with at least 2 dims, got \[4\]/);
});

backendTest("the same seed gives the same weights; another seed does not", () => {
  const a = xavierUniform_(fresh([5, 7]), 1, new Generator(42)).dataSync();
  const b = xavierUniform_(fresh([5, 7]), 1, new Generator(42)).dataSync();
  const c = xavierUniform_(fresh([5, 7]), 1, new Generator(43)).dataSync();
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.deepEqual(orthogonal_(fresh([6, 4]), 1, new Generator(1)).dataSync(), orthogonal_(fresh([6, 4]), 1, new Generator(1)).dataSync());
  manualSeed(7);
  const l1 = new Linear(4, 3);
  manualSeed(7);
  const l2 = new Linear(4, 3);
  assert.deepEqual(l1.weight.dataSync(), l2.weight.dataSync());
  assert.deepEqual(l1.bias!.dataSync(), l2.bias!.dataSync());
  const e1 = new Embedding(5, 2, { generator: new Generator(2) }).weight.dataSync();
  assert.deepEqual(new Embedding(5, 2, { generator: new Generator(2) }).weight.dataSync(), e1);
});

backendTest("layers initialise like PyTorch: U(−1/√fanIn, 1/√fanIn), N(0,1) embeddings, ones/zeros norms", () => {
  manualSeed(0);
  const layers: Record<string, { weight: Tensor; bias: Tensor | null }> = {
    "Linear(50,400)": new Linear(50, 400),
    "Conv2d(16,32,k3,g2)": new Conv2d(16, 32, 3, { groups: 2 }),
    "ConvTranspose2d(16,32,k3,g2)": new ConvTranspose2d(16, 32, 3, { groups: 2 }),
    "Bilinear(20,10,30)": new Bilinear(20, 10, 30),
  };
  for (const [key, { bound, weightStd }] of Object.entries(fixtures.init.bounds)) {
    const l = layers[key];
    const w = stats(l.weight);
    assert.ok(w.max <= bound && w.min >= -bound && w.max > 0.97 * bound, `${key}: weights span [${w.min}, ${w.max}], bound ${bound}`);
    near(w.std, weightStd, 0.05, `${key} weight std vs PyTorch's`);
    const b = stats(l.bias!);
    assert.ok(b.max <= bound && b.min >= -bound, `${key}: bias within ±${bound}`);
  }
  const e = stats(new Embedding(200, 50).weight);
  near(e.std, 1, 0.03, "Embedding std");
  assert.ok(Math.abs(e.mean) < 0.02, "Embedding mean");
  const ln = new LayerNorm(4);
  assert.deepEqual([...ln.weight!.dataSync(), ...ln.bias!.dataSync()], [1, 1, 1, 1, 0, 0, 0, 0]);
  const bn = new BatchNorm2d(2);
  assert.deepEqual([...bn.weight!.dataSync(), ...bn.bias!.dataSync()], [1, 1, 0, 0]);
});
