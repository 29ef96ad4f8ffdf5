// The bfloat16 and float16 dtypes on the host backends: conversions round as PyTorch does (fixture recorded
// from torch), casts carry gradients back in the source dtype, type promotion follows PyTorch, and every
// kernel without a half version runs on float32 copies (src/backends/half-emulation.ts).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { add, cast, getBackend, matmul, mul, randn, sum, tensor, manualSeed, type Tensor } from "../../src/index.js";
import { float32ToBfloat16Bits, float32ToFloat16Bits, float32ToHalf, halfToFloat32, bfloat16BitsToFloat32, float16BitsToFloat32 } from "../../src/tensor/half.js";
import { promoteTypes } from "../../src/tensor/dtype.js";
import { backendTest } from "../helpers/backends.js";

interface HalfFixture {
  float32: number[];
  bfloat16: number[];
  float16: number[];
}
const fx = JSON.parse(readFileSync(new URL("../fixtures/half.json", import.meta.url), "utf8")) as HalfFixture;
const values = Array.from(new Float32Array(Uint32Array.from(fx.float32).buffer));

test("float32 → bfloat16 and float16 bits match PyTorch's rounding (ties to even, subnormals, overflow, inf)", () => {
  assert.ok(values.length > 200);
  for (let i = 0; i < values.length; i++) {
    assert.equal(float32ToBfloat16Bits(values[i]), fx.bfloat16[i], `bfloat16 of ${values[i]}`);
    assert.equal(float32ToFloat16Bits(values[i]), fx.float16[i], `float16 of ${values[i]}`);
  }
  // the bulk converters agree with the scalar ones, and widening back is exact
  const bf = float32ToHalf(values, "bfloat16");
  assert.deepEqual(Array.from(bf), fx.bfloat16);
  const back = halfToFloat32(bf, "bfloat16");
  for (let i = 0; i < bf.length; i++) assert.equal(back[i], bfloat16BitsToFloat32(bf[i]));
  const h = float32ToHalf(values, "float16");
  const hb = halfToFloat32(h, "float16");
  for (let i = 0; i < h.length; i++) assert.equal(hb[i], float16BitsToFloat32(h[i]));
});

test("NaN stays NaN in both halves", () => {
  assert.ok(Number.isNaN(bfloat16BitsToFloat32(float32ToBfloat16Bits(NaN))));
  assert.ok(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(NaN))));
});

test("type promotion follows PyTorch for the halves", () => {
  assert.equal(promoteTypes("bfloat16", "float32"), "float32");
  assert.equal(promoteTypes("float16", "bfloat16"), "float32");
  assert.equal(promoteTypes("bfloat16", "int32"), "bfloat16");
  assert.equal(promoteTypes("bool", "float16"), "float16");
});

/** x rounded to `dtype` and read back as float32 values. */
const rounded = (x: Float32Array, dtype: "bfloat16" | "float16"): Float32Array => halfToFloat32(float32ToHalf(x, dtype), dtype);

backendTest("tensors of halves: creation, dataSync as float32 values, item, toArray", () => {
  const t = tensor([[1.5, -2.25], [0.1, 3e5]], { dtype: "bfloat16" });
  assert.equal(t.dtype, "bfloat16");
  const d = t.dataSync();
  assert.ok(d instanceof Float32Array);
  assert.deepEqual(Array.from(d), Array.from(rounded(Float32Array.from([1.5, -2.25, 0.1, 3e5]), "bfloat16")));
  assert.equal(tensor([65519], { dtype: "float16" }).item(), 65504);
  assert.equal(tensor([65520], { dtype: "float16" }).item(), Infinity);
  // a Uint16Array with a half dtype holds bit patterns; uploaded as any other dtype it is refused by name
  assert.equal(tensor(Uint16Array.from([0x3f80]), { dtype: "bfloat16" }).item(), 1);
  assert.throws(() => getBackend().upload(Uint16Array.of(0x3f80), "float32"), /upload: a Uint16Array holds 16-bit float bits, not float32 values/);
  assert.deepEqual(tensor([[0.5, 2]], { dtype: "float16" }).toArray(), [[0.5, 2]]);
});

for (const dtype of ["bfloat16", "float16"] as const) {
  backendTest(`${dtype}: elementwise ops, reductions and matmul equal float32 on the rounded inputs, rounded`, () => {
    manualSeed(3);
    const a32 = randn([5, 7]), b32 = randn([7, 3]), c32 = randn([5, 7]);
    const a = cast(a32, dtype), b = cast(b32, dtype), c = cast(c32, dtype);
    const up = (t: Tensor): Tensor => cast(t, "float32");
    const cases: [string, Tensor, Tensor][] = [
      ["add", add(a, c), add(up(a), up(c))],
      ["mul scalar", mul(a, 2.5), mul(up(a), 2.5)],
      ["gelu", a.gelu(), up(a).gelu()],
      ["exp", a.exp(), up(a).exp()],
      ["sum dim", sum(a, 1), sum(up(a), 1)],
      ["softmax", a.softmax(1), up(a).softmax(1)],
    ];
    for (const [name, got, want] of cases) {
      assert.equal(got.dtype, dtype, name);
      assert.deepEqual(Array.from(got.dataSync()), Array.from(rounded(want.dataSync() as Float32Array, dtype)), name);
    }
    // matmul: float32 accumulation of the half inputs, rounded once
    const m = matmul(a, b);
    assert.equal(m.dtype, dtype);
    const want = rounded(matmul(up(a), up(b)).dataSync() as Float32Array, dtype);
    const got = m.dataSync();
    const ulp = dtype === "bfloat16" ? 2 ** -8 : 2 ** -11;
    for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 2 * ulp * Math.max(1, Math.abs(want[i])), `matmul[${i}]: ${got[i]} vs ${want[i]}`);
    // mixing with float32 promotes to float32; a whole-number int32 stays in the half
    assert.equal(add(a, c32).dtype, "float32");
    assert.equal(add(a, tensor([1, 2, 3, 4, 5, 6, 7], { dtype: "int32" })).dtype, dtype);
    assert.throws(() => matmul(a, b32), /one dtype/);
  });

  backendTest(`${dtype}: a cast's gradient comes back in the source dtype`, () => {
    const w = tensor([[0.3, -1.2], [2.5, 0.7]], { requiresGrad: true });
    const y = sum(mul(cast(w, dtype), cast(w, dtype)));
    assert.equal(y.dtype, dtype);
    y.backward();
    assert.equal(w.grad?.dtype, "float32");
    // d/dw Σ h(w)² = 2·h(w), with h the rounding (its derivative taken as 1, as PyTorch does)
    const hw = rounded(w.dataSync() as Float32Array, dtype);
    const g = w.grad?.dataSync() ?? new Float32Array();
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(g[i] - 2 * hw[i]) <= 2 * Math.abs(hw[i]) * 2 ** -7, `grad[${i}] ${g[i]} vs ${2 * hw[i]}`);
  });
}
