// The cuda backend against the js reference, kernel by kernel, plus a small MLP through the op layer.
// Without a built addon or a GPU (CI) every GPU test is skipped, printing why.
import assert from "node:assert/strict";
import { test } from "node:test";
import { broadcastStrides, contiguousStrides } from "../../src/tensor/shape.js";
import { HostStorage, JsBackend, causalSelfAttention, conv1d, conv2d, crossEntropy, linear, mean, noGrad, registerBackend, relu, scaledDotProductAttention, square, sub, tanh, tensor, withBackend, type Backend, type DType, type Storage, type Tensor, type TypedArray } from "../../src/index.js";
import type { AdamParams, AttentionLayout, Conv2dParams, ConvGeometry, FlashAttentionParams, PoolGeometry, UnaryOp, BinaryOp, ReduceOp } from "../../src/backends/backend.js";
import { loadCudaBackend } from "../../src/backends/cuda/load.js";
import { mulberry32 } from "../../src/tensor/random.js";
import { CudaBackend, CudaStorage } from "../../src/backends/cuda/index.js";
import type { CudaAddon, CudaDeviceInfo, CudaHandle } from "../../src/backends/cuda/addon.js";
import { toDevice } from "../../src/tensor/ops/device.js";
import { assertUntouchedOutside, attentionReference, flashSetup, readHeads, rowStart, writeHeads, type FlashCase } from "../helpers/attention-reference.js";

const loaded = loadCudaBackend();
const cuda = loaded.backend;
const skip: string | false = cuda ? false : `cuda backend unavailable: ${loaded.reason}`;
if (cuda) registerBackend(cuda);
else console.log(`# cuda tests skipped: ${loaded.reason}`);
const js = new JsBackend();

test("loadCudaBackend never throws and explains itself", () => {
  const r = loadCudaBackend();
  if (r.backend) {
    assert.equal(r.backend.device, "cuda");
    assert.equal(r.backend.name, "cuda");
  } else assert.ok(r.reason.length > 0);
});

// ---------- helpers ----------
const rnd = mulberry32(12345);
function uniform(n: number, lo = -3, hi = 3): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rnd();
  return a;
}
function ints(n: number, lo: number, hi: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + Math.floor((hi - lo) * rnd());
  return a;
}
function bools(n: number): Uint8Array {
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = rnd() < 0.5 ? 1 : 0;
  return a;
}
const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

interface Tol {
  rtol: number;
  atol: number;
}
const F32: Tol = { rtol: 2e-5, atol: 2e-6 };
const EXACT: Tol = { rtol: 0, atol: 0 };

function assertClose(what: string, got: TypedArray, want: TypedArray, tol: Tol): void {
  assert.equal(got.length, want.length, `${what}: length ${got.length} != ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i];
    if (Number.isNaN(w) && Number.isNaN(g)) continue;
    if (g === w) continue;
    if (!(Math.abs(g - w) <= tol.atol + tol.rtol * Math.abs(w))) {
      assert.fail(`${what}: element ${i}: cuda ${g} vs js ${w} (rtol ${tol.rtol}, atol ${tol.atol})`);
    }
  }
}

function relErr(got: TypedArray, want: TypedArray): number {
  let num = 0, den = 0;
  for (let i = 0; i < want.length; i++) {
    num += (got[i] - want[i]) ** 2;
    den += want[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

type Arg = { data: TypedArray; dtype: DType };
const f = (data: Float32Array): Arg => ({ data, dtype: "float32" });
const i32 = (data: Int32Array): Arg => ({ data, dtype: "int32" });
const b8 = (data: Uint8Array): Arg => ({ data, dtype: "bool" });
/** An output: poisoned (NaN / sentinel) so that an element the kernel skips shows up, or given initial contents. */
function out(dtype: DType, size: number, init?: TypedArray): Arg {
  if (init) return { data: init, dtype };
  const data = dtype === "float32" ? new Float32Array(size).fill(NaN) : dtype === "int32" ? new Int32Array(size).fill(-123456) : new Uint8Array(size).fill(7);
  return { data, dtype };
}

/** Runs fn on both backends over the same uploaded args; returns every arg's final contents [cuda, js]. */
function runBoth(args: Arg[], fn: (b: Backend, s: Storage[]) => void): [TypedArray[], TypedArray[]] {
  const results: TypedArray[][] = [];
  for (const b of [cuda as Backend, js]) {
    const s = args.map((a) => b.upload(a.data, a.dtype));
    fn(b, s);
    results.push(s.map((x) => b.download(x)));
    for (const x of s) b.release(x);
  }
  return [results[0], results[1]];
}

/** Compares the args at `outs` (indices) between cuda and js. */
function check(what: string, args: Arg[], outs: number[], fn: (b: Backend, s: Storage[]) => void, tol: Tol = F32): void {
  const [c, j] = runBoth(args, fn);
  for (const k of outs) assertClose(`${what} (arg ${k})`, c[k], j[k], tol);
}

const UNARY: UnaryOp[] = ["neg", "abs", "sign", "exp", "expm1", "log", "log1p", "sqrt", "rsqrt", "square", "reciprocal", "sin", "cos", "tanh", "sigmoid", "relu", "leakyRelu", "elu", "gelu", "geluTanh", "silu", "softplus", "erf", "floor", "ceil", "round", "trunc", "clamp", "powScalar", "logicalNot", "isnan", "isinf"];
const BINARY: BinaryOp[] = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "atan2", "remainder", "eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr", "logicalXor"];
const CMP = new Set<BinaryOp>(["eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr", "logicalXor"]);
const UNARY_BOOL = new Set<UnaryOp>(["logicalNot", "isnan", "isinf"]);
const PARAMS = { alpha: 0.2, min: -1, max: 0.5, exponent: 2.5 };

function specialFloats(n: number): Float32Array {
  const a = uniform(n);
  const sp = [0, -0, 0.5, 1.5, 2.5, -2.5, NaN, Infinity, -Infinity, 1, -1, 25, -25];
  for (let i = 0; i < sp.length && i < n; i++) a[i * 3] = sp[i];
  return a;
}

// ---------- memory ----------
test("cuda: upload, download, alloc zero and fill", { skip }, () => {
  const b = cuda as Backend;
  for (const a of [f(uniform(1000)), i32(ints(1000, -1e9, 1e9)), b8(bools(1000))]) {
    const s = b.upload(a.data, a.dtype);
    assert.deepEqual(b.download(s), a.data);
    b.release(s);
  }
  const z = b.alloc("float32", 777);
  assert.ok(b.download(z).every((v) => v === 0));
  b.fill(z, 2.5);
  assert.ok(b.download(z).every((v) => v === 2.5));
  b.release(z);
  const zi = b.alloc("int32", 5);
  b.fill(zi, -2.7);
  assert.deepEqual([...b.download(zi)], [-2, -2, -2, -2, -2]);
  b.release(zi);
  const zb = b.alloc("bool", 3);
  b.fill(zb, 5);
  assert.deepEqual([...b.download(zb)], [1, 1, 1]);
  b.release(zb);
  // a float array uploaded as int32 converts like the js backend
  const conv = b.upload(new Float32Array([1.7, -1.7, 3]), "int32");
  assert.deepEqual([...b.download(conv)], [1, -1, 3]);
  b.release(conv);
  // empty storages are fine
  const e = b.alloc("float32", 0);
  assert.equal(b.download(e).length, 0);
  b.release(e);
});

test("cuda: cast between every dtype pair", { skip }, () => {
  const srcs: Arg[] = [f(specialFloats(300)), i32(ints(300, -5, 5)), b8(bools(300))];
  for (const s of srcs) {
    for (const d of ["float32", "int32", "bool"] as DType[]) {
      check(`cast ${s.dtype}→${d}`, [s, out(d, 300)], [1], (b, [x, o]) => b.cast(x, o), EXACT);
    }
  }
});

test("cuda: copyStrided (transpose, broadcast, offsets, bool)", { skip }, () => {
  const shape = [3, 4, 5];
  const src = f(uniform(60));
  // a contiguous [5, 4, 3] source read with dims 0 and 2 swapped, written contiguous
  check("transpose", [src, out("float32", 60)], [1], (b, [x, o]) => b.copyStrided(x, 0, [1, 3, 12], o, 0, contiguousStrides(shape), shape), EXACT);
  // broadcast a row into a bigger buffer at an offset
  check("broadcast", [f(uniform(5)), out("float32", 100, uniform(100))], [1], (b, [x, o]) => b.copyStrided(x, 0, [0, 0, 1], o, 7, [20, 5, 1], shape), EXACT);
  check("src offset", [f(uniform(80)), out("float32", 60)], [1], (b, [x, o]) => b.copyStrided(x, 13, contiguousStrides(shape), o, 0, contiguousStrides(shape), shape), EXACT);
  check("bool", [b8(bools(60)), out("bool", 60)], [1], (b, [x, o]) => b.copyStrided(x, 0, [1, 3, 12], o, 0, contiguousStrides(shape), shape), EXACT);
  // 16-byte runs on both sides take the vectorised copy: a contiguous [4, 3, 8] read with dims 0 and 1 swapped
  check("vectorised transpose", [f(uniform(96)), out("float32", 96)], [1], (b, [x, o]) => b.copyStrided(x, 0, [8, 24, 1], o, 0, contiguousStrides([3, 4, 8]), [3, 4, 8]), EXACT);
  check("vectorised, misaligned offset", [f(uniform(100)), out("float32", 96)], [1], (b, [x, o]) => b.copyStrided(x, 1, [8, 24, 1], o, 0, contiguousStrides([3, 4, 8]), [3, 4, 8]), EXACT);
  check("rank 0", [f(uniform(3)), out("float32", 2)], [1], (b, [x, o]) => b.copyStrided(x, 2, [], o, 1, [], []), { rtol: 0, atol: 0 });
});

// ---------- elementwise ----------
test("cuda: unary, every op (float32)", { skip }, () => {
  const n = 4099;
  for (const op of UNARY) {
    const odt: DType = UNARY_BOOL.has(op) ? "bool" : "float32";
    check(`unary ${op}`, [f(specialFloats(n)), out(odt, n)], [1], (b, [x, o]) => b.unary(op, x, o, n, PARAMS), { rtol: 1e-5, atol: 1e-6 });
  }
});

test("cuda: unary on int32 and bool inputs", { skip }, () => {
  const n = 513;
  for (const op of ["neg", "abs", "sign", "square", "clamp"] as UnaryOp[]) {
    check(`unary ${op} int32`, [i32(ints(n, -50, 50)), out("int32", n)], [1], (b, [x, o]) => b.unary(op, x, o, n, { min: -3, max: 7 }), EXACT);
  }
  check("logicalNot int32", [i32(ints(n, -2, 2)), out("bool", n)], [1], (b, [x, o]) => b.unary("logicalNot", x, o, n), EXACT);
  check("logicalNot bool", [b8(bools(n)), out("bool", n)], [1], (b, [x, o]) => b.unary("logicalNot", x, o, n), EXACT);
});

test("cuda: unaryGrad, every op", { skip }, () => {
  const n = 2053;
  const positive = new Set<UnaryOp>(["log", "log1p", "sqrt", "rsqrt", "reciprocal", "powScalar"]);
  for (const op of UNARY) {
    if (UNARY_BOOL.has(op)) continue;
    const x = positive.has(op) ? uniform(n, 0.1, 3) : uniform(n);
    const ys = js.upload(new Float32Array(n), "float32");
    js.unary(op, js.upload(x, "float32"), ys, n, PARAMS);
    const yv = js.download(ys) as Float32Array;
    check(`unaryGrad ${op}`, [f(x), f(yv), f(uniform(n)), out("float32", n)], [3], (b, [xs, yy, g, gx]) => b.unaryGrad(op, xs, yy, g, gx, n, PARAMS), { rtol: 2e-5, atol: 2e-6 });
  }
});

test("cuda: binary, every op, contiguous and broadcast (float32)", { skip }, () => {
  const cases: [number[], number[]][] = [
    [[6, 7], [6, 7]],
    [[4, 1, 5], [3, 1]],
    [[3, 4], [1]],
    [[2, 3, 4, 5], [3, 1, 5]],
    [[1], [5, 2]],
  ];
  for (const op of BINARY) {
    for (const [sa, sb] of cases) {
      const shape = sa.length >= sb.length ? [...sa] : [...sb];
      const lead = Math.abs(sa.length - sb.length);
      const A = sa.length >= sb.length ? sa : sb;
      const B = sa.length >= sb.length ? sb : sa;
      for (let i = 0; i < B.length; i++) shape[lead + i] = Math.max(A[lead + i], B[i]);
      const n = numel(shape);
      const odt: DType = CMP.has(op) ? "bool" : "float32";
      const av = specialFloats(numel(sa));
      const bv = uniform(numel(sb));
      if (op === "eq" || op === "ne" || op === "le") for (let i = 0; i < bv.length; i += 2) bv[i] = av[i % av.length];
      check(`binary ${op} ${JSON.stringify(sa)}⊙${JSON.stringify(sb)}`, [f(av), f(bv), out(odt, n)], [2],
        (b, [x, y, o]) => b.binary(op, x, broadcastStrides(sa, shape), y, broadcastStrides(sb, shape), o, shape), { rtol: 1e-5, atol: 1e-6 });
    }
  }
});

test("cuda: binary on int32, bool and mixed dtypes", { skip }, () => {
  const shape = [5, 6];
  const n = 30;
  const s = contiguousStrides(shape);
  for (const op of ["add", "sub", "mul", "div", "remainder", "maximum", "minimum", "pow"] as BinaryOp[]) {
    const bv = ints(n, -4, 5);
    if (op === "remainder") for (let i = 0; i < n; i++) if (bv[i] === 0) bv[i] = 3;
    if (op === "pow") for (let i = 0; i < n; i++) bv[i] = Math.abs(bv[i]) % 4;
    check(`binary ${op} int32`, [i32(ints(n, -20, 20)), i32(bv), out("int32", n)], [2], (b, [x, y, o]) => b.binary(op, x, s, y, s, o, shape), EXACT);
  }
  for (const op of CMP) {
    check(`binary ${op} int32`, [i32(ints(n, -2, 2)), i32(ints(n, -2, 2)), out("bool", n)], [2], (b, [x, y, o]) => b.binary(op, x, s, y, s, o, shape), EXACT);
    check(`binary ${op} bool`, [b8(bools(n)), b8(bools(n)), out("bool", n)], [2], (b, [x, y, o]) => b.binary(op, x, s, y, s, o, shape), EXACT);
    check(`binary ${op} float32⊙int32`, [f(uniform(n, -2, 2).map(Math.round)), i32(ints(n, -2, 2)), out("bool", n)], [2], (b, [x, y, o]) => b.binary(op, x, s, y, s, o, shape), EXACT);
  }
});

test("cuda: binaryScalar, every op, both orders", { skip }, () => {
  const n = 1001;
  for (const op of BINARY) {
    for (const sc of [0.3, 2, -1.5]) {
      for (const reversed of [false, true]) {
        const odt: DType = CMP.has(op) ? "bool" : "float32";
        const x = specialFloats(n);
        x[5] = sc;
        check(`binaryScalar ${op} ${sc} ${reversed}`, [f(x), out(odt, n)], [1], (b, [a, o]) => b.binaryScalar(op, a, sc, o, n, reversed), { rtol: 1e-5, atol: 1e-6 });
      }
    }
  }
  for (const op of ["add", "mul", "sub", "maximum", "remainder"] as BinaryOp[]) {
    check(`binaryScalar ${op} int32`, [i32(ints(n, -50, 50)), out("int32", n)], [1], (b, [a, o]) => b.binaryScalar(op, a, 3, o, n, false), EXACT);
  }
  check("binaryScalar gt bool", [b8(bools(n)), out("bool", n)], [1], (b, [a, o]) => b.binaryScalar("gt", a, 0, o, n, false), EXACT);
});

test("cuda: where with broadcasting", { skip }, () => {
  const shape = [4, 3, 5];
  const n = numel(shape);
  check("where f32", [b8(bools(15)), f(uniform(20)), f(uniform(1)), out("float32", n)], [3],
    (b, [c, x, y, o]) => b.where(c, broadcastStrides([3, 5], shape), x, broadcastStrides([4, 1, 5], shape), y, broadcastStrides([1], shape), o, shape), EXACT);
  check("where int32, float cond", [f(specialFloats(n)), i32(ints(n, -9, 9)), i32(ints(n, -9, 9)), out("int32", n)], [3],
    (b, [c, x, y, o]) => b.where(c, contiguousStrides(shape), x, contiguousStrides(shape), y, contiguousStrides(shape), o, shape), EXACT);
});

// ---------- reductions ----------
test("cuda: reduce sum/prod/max/min over many layouts", { skip }, () => {
  // [1, 4096, 100] and [2, 5000, 40]: few long columns, reduced in row chunks then across the chunks
  const layouts: [number, number, number][] = [[3, 7, 1], [5, 300, 1], [2, 1000, 33], [1, 300000, 1], [4, 70000, 1], [7, 3, 40], [1, 5, 1], [3, 600, 2], [1, 4096, 100], [2, 5000, 40]];
  for (const op of ["sum", "prod", "max", "min"] as ReduceOp[]) {
    for (const [outer, r, inner] of layouts) {
      const n = outer * r * inner;
      const x = op === "prod" ? uniform(n, 0.999, 1.001) : uniform(n);
      if (op === "max" && r > 5) x[Math.floor(n / 2)] = NaN;
      check(`reduce ${op} [${outer},${r},${inner}]`, [f(x), out("float32", outer * inner)], [1], (b, [xs, o]) => b.reduce(op, xs, o, outer, r, inner), { rtol: 2e-5, atol: 2e-4 });
    }
  }
  check("reduce sum int32", [i32(ints(2 * 500 * 3, -1000, 1000)), out("int32", 6)], [1], (b, [x, o]) => b.reduce("sum", x, o, 2, 500, 3), EXACT);
  check("reduce max int32", [i32(ints(4 * 100, -1000, 1000)), out("int32", 4)], [1], (b, [x, o]) => b.reduce("max", x, o, 4, 100, 1), EXACT);
  check("reduce sum bool→int32", [b8(bools(3 * 100000)), out("int32", 3)], [1], (b, [x, o]) => b.reduce("sum", x, o, 3, 100000, 1), EXACT);
});

test("cuda: argmax/argmin with ties and NaN", { skip }, () => {
  const layouts: [number, number, number][] = [[3, 7, 1], [6, 500, 1], [2, 100, 9], [1, 100000, 1]];
  for (const op of ["argmax", "argmin"] as const) {
    for (const [outer, r, inner] of layouts) {
      const n = outer * r * inner;
      const x = Float32Array.from(ints(n, -5, 5));
      if (outer > 1) x[r * inner + 3] = NaN; // second slice has a NaN
      check(`${op} [${outer},${r},${inner}]`, [f(x), out("int32", outer * inner)], [1], (b, [xs, o]) => b.argReduce(op, xs, o, outer, r, inner), EXACT);
    }
  }
  check("argmax int32", [i32(ints(4 * 300, 0, 10)), out("int32", 4)], [1], (b, [x, o]) => b.argReduce("argmax", x, o, 4, 300, 1), EXACT);
});

test("cuda: cumsum forward and reverse", { skip }, () => {
  for (const [outer, r, inner] of [[3, 50, 1], [2, 20, 7]] as [number, number, number][]) {
    for (const rev of [false, true]) {
      const n = outer * r * inner;
      check(`cumsum ${rev}`, [f(uniform(n)), out("float32", n)], [1], (b, [x, o]) => b.cumsum(x, o, outer, r, inner, rev), { rtol: 1e-5, atol: 1e-5 });
      check(`cumsum int32 ${rev}`, [i32(ints(n, -9, 9)), out("int32", n)], [1], (b, [x, o]) => b.cumsum(x, o, outer, r, inner, rev), EXACT);
    }
  }
});

test("cuda: sort, stable, both directions, NaN last (first when descending), float32 and int32", { skip }, () => {
  const layouts: [number, number, number][] = [[3, 7, 1], [2, 50, 3], [1, 5000, 1], [4, 1, 2]];
  for (const [outer, r, inner] of layouts) {
    const n = outer * r * inner;
    const xf = Float32Array.from(ints(n, -20, 20), (v) => v / 4); // many ties, so stability shows
    xf[Math.floor(n / 3)] = NaN;
    for (const descending of [false, true]) {
      check(`sort float32 [${outer},${r},${inner}] desc=${descending}`, [f(xf), out("float32", n), out("int32", n)], [1, 2], (b, [x, v, ix]) => b.sort(x, v, ix, outer, r, inner, descending), EXACT);
      check(`sort int32 [${outer},${r},${inner}] desc=${descending}`, [i32(ints(n, -5, 5)), out("int32", n), out("int32", n)], [1, 2], (b, [x, v, ix]) => b.sort(x, v, ix, outer, r, inner, descending), EXACT);
    }
  }
});

// ---------- matmul ----------
test("cuda: matmul (TF32 and full float32), transposes, batch stride 0, accumulate", { skip }, () => {
  const c = cuda as NonNullable<typeof cuda>;
  for (const tf32 of [true, false]) {
    c.setTf32(tf32);
    const limit = tf32 ? 1e-2 : 1e-5;
    for (const [batch, m, n, k] of [[1, 33, 47, 65], [3, 16, 8, 128], [1, 1, 300, 20], [2, 64, 64, 1], [1, 128, 96, 512]]) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          for (const [sa0, sb0] of [[false, false], [true, false], [false, true]]) {
            for (const accumulate of [false, true]) {
              const strideA = sa0 ? 0 : m * k;
              const strideB = sb0 ? 0 : k * n;
              const A = uniform(sa0 ? m * k : batch * m * k, -1, 1);
              const B = uniform(sb0 ? k * n : batch * k * n, -1, 1);
              const C = uniform(batch * m * n, -1, 1);
              const p = { batch, m, n, k, transA, transB, strideA, strideB, accumulate };
              const [cu, jr] = runBoth([f(A), f(B), f(C)], (b, [a, bb, cc]) => b.matmul(a, bb, cc, p));
              const e = relErr(cu[2], jr[2]);
              assert.ok(e < limit, `matmul ${JSON.stringify(p)} tf32=${tf32}: relative error ${e} >= ${limit}`);
            }
          }
        }
      }
    }
  }
  c.setTf32(true);
});

// ---------- indexing ----------
test("cuda: gather, scatterAdd, indexSelect, indexAdd", { skip }, () => {
  const [outer, rx, ri, inner] = [3, 7, 5, 4];
  const idx = ints(outer * ri * inner, 0, rx);
  check("gather f32", [f(uniform(outer * rx * inner)), i32(idx), out("float32", outer * ri * inner)], [2], (b, [x, i, o]) => b.gather(x, i, o, outer, rx, ri, inner), EXACT);
  check("gather bool", [b8(bools(outer * rx * inner)), i32(idx), out("bool", outer * ri * inner)], [2], (b, [x, i, o]) => b.gather(x, i, o, outer, rx, ri, inner), EXACT);
  check("scatterAdd", [f(uniform(outer * ri * inner)), i32(idx), out("float32", 0, uniform(outer * rx * inner))], [2], (b, [s, i, o]) => b.scatterAdd(s, i, o, outer, rx, ri, inner), F32);
  const sel = ints(9, 0, rx);
  sel[3] = sel[0];
  check("indexSelect", [f(uniform(outer * rx * inner)), i32(sel), out("float32", outer * 9 * inner)], [2], (b, [x, i, o]) => b.indexSelect(x, i, o, outer, rx, 9, inner), EXACT);
  check("indexSelect int32", [i32(ints(outer * rx * inner, -9, 9)), i32(sel), out("int32", outer * 9 * inner)], [2], (b, [x, i, o]) => b.indexSelect(x, i, o, outer, rx, 9, inner), EXACT);
  check("indexAdd (duplicates)", [f(uniform(outer * 9 * inner)), i32(sel), out("float32", 0, uniform(outer * rx * inner))], [2], (b, [s, i, o]) => b.indexAdd(s, i, o, outer, rx, 9, inner), F32);
  // an embedding-sized lookup
  const vocab = 1000, dim = 64, tokens = 512;
  const tok = ints(tokens, 0, vocab);
  check("embedding lookup", [f(uniform(vocab * dim)), i32(tok), out("float32", tokens * dim)], [2], (b, [x, i, o]) => b.indexSelect(x, i, o, 1, vocab, tokens, dim), EXACT);
  check("embedding grad", [f(uniform(tokens * dim)), i32(tok), out("float32", 0, new Float32Array(vocab * dim))], [2], (b, [s, i, o]) => b.indexAdd(s, i, o, 1, vocab, tokens, dim), { rtol: 1e-5, atol: 1e-5 });
});

// ---------- nn kernels ----------
test("cuda: softmax and log-softmax, forward and backward", { skip }, () => {
  for (const [rows, cols] of [[37, 10], [5, 1000], [4, 3000], [3, 20000], [2, 1]]) {
    for (const log of [false, true]) {
      const x = uniform(rows * cols, -5, 5);
      if (rows > 2) for (let j = 0; j < cols; j++) x[cols + j] = -Infinity; // a fully masked row
      const [cu, jr] = runBoth([f(x), out("float32", rows * cols)], (b, [xs, o]) => b.softmax(xs, o, rows, cols, log));
      assertClose(`softmax ${rows}x${cols} log=${log}`, cu[1], jr[1], { rtol: 1e-5, atol: 1e-6 });
      const y = jr[1] as Float32Array;
      check(`softmaxGrad ${rows}x${cols} log=${log}`, [f(y), f(uniform(rows * cols)), out("float32", rows * cols)], [2], (b, [ys, g, gx]) => b.softmaxGrad(ys, g, gx, rows, cols, log), { rtol: 1e-4, atol: 1e-5 });
    }
  }
});

// reference causal softmax: row r is query r mod lq and sees keys j <= that query
function causalSoftmaxRef(x: Float32Array, rows: number, cols: number, lq: number, scale: number): Float32Array {
  const y = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const lim = Math.min(cols, (r % lq) + 1);
    let mx = -Infinity;
    for (let j = 0; j < lim; j++) mx = Math.max(mx, x[r * cols + j] * scale);
    let s = 0;
    for (let j = 0; j < lim; j++) s += Math.exp(x[r * cols + j] * scale - mx);
    for (let j = 0; j < lim; j++) y[r * cols + j] = Math.exp(x[r * cols + j] * scale - mx) / s;
  }
  return y;
}

test("cuda: causal softmax (fused scale and mask), forward and backward", { skip }, () => {
  const c = cuda as Backend;
  assert.ok(c.causalSoftmax && c.causalSoftmaxGrad, "the cuda backend has the fused causal softmax");
  for (const [batch, lq, lk, scale] of [[3, 50, 50, 0.125], [2, 7, 300, 1], [1, 64, 1024, 0.3], [2, 5, 3, 2]]) {
    const rows = batch * lq;
    const x = uniform(rows * lk, -4, 4);
    const xs = c.upload(x, "float32");
    const ys = c.alloc("float32", rows * lk, false);
    assert.equal(c.causalSoftmax(xs, ys, rows, lk, lq, scale), true);
    const y = c.download(ys) as Float32Array;
    const want = causalSoftmaxRef(x, rows, lk, lq, scale);
    assertClose(`causalSoftmax [${batch}·${lq}, ${lk}] scale ${scale}`, y, want, { rtol: 1e-5, atol: 1e-6 });
    // gradient from the exact output: scale · y ⊙ (gy − Σ gy·y) over the visible keys, 0 elsewhere
    const gy = uniform(rows * lk);
    const gys = c.upload(gy, "float32");
    const gxs = c.alloc("float32", rows * lk, false);
    const wantY = c.upload(want, "float32");
    assert.equal(c.causalSoftmaxGrad(wantY, gys, gxs, rows, lk, lq, scale), true);
    const gx = c.download(gxs) as Float32Array;
    const gwant = new Float32Array(rows * lk);
    for (let r = 0; r < rows; r++) {
      let dot = 0;
      for (let j = 0; j < lk; j++) dot += gy[r * lk + j] * want[r * lk + j];
      for (let j = 0; j < lk; j++) gwant[r * lk + j] = want[r * lk + j] === 0 ? 0 : scale * want[r * lk + j] * (gy[r * lk + j] - dot);
    }
    assertClose(`causalSoftmaxGrad [${batch}·${lq}, ${lk}]`, gx, gwant, { rtol: 1e-4, atol: 1e-6 });
    for (const st of [xs, ys, gys, gxs, wantY]) c.release(st);
  }
  const big = c.alloc("float32", 2 * 2000, false);
  assert.equal(c.causalSoftmax(big, big, 2, 2000, 2, 1), false, "rows longer than 1024 are declined, not miscomputed");
  c.release(big);
});

test("cuda: causal scaledDotProductAttention through the fused path matches the host", { skip }, () => {
  const [B, H, T, D] = [2, 3, 40, 16];
  const mk = (): Tensor => tensor(uniform(B * H * T * D, -1, 1), { shape: [B, H, T, D] }).requiresGrad_();
  const [q, k, v] = [mk(), mk(), mk()];
  const go = tensor(uniform(B * H * T * D), { shape: [B, H, T, D] });
  const host = scaledDotProductAttention(q, k, v, { isCausal: true });
  host.backward(go);
  const hostGrads = [q, k, v].map((t) => t.grad as Tensor);
  const dev = [q, k, v].map((t) => noGrad(() => toDevice(t, "cuda")).detach().requiresGrad_());
  (cuda as CudaBackend).setTf32(false);
  try {
    const y = scaledDotProductAttention(dev[0], dev[1], dev[2], { isCausal: true });
    y.backward(toDevice(go, "cuda"));
    close("attention output", y, host, 1e-5);
    dev.forEach((t, i) => close(`attention grad ${"qkv"[i]}`, t.grad as Tensor, hostGrads[i], 1e-4));
  } finally {
    (cuda as CudaBackend).setTf32(true);
  }
});

test("cuda: fused crossEntropy (values and gradients) matches the host for every reduction and ignoreIndex", { skip }, () => {
  for (const [n, c] of [[37, 10], [6, 50304], [3, 3000]]) {
    const logits = tensor(uniform(n * c, -6, 6), { shape: [n, c] });
    const t = ints(n, 0, c);
    t[1] = -100; // ignored
    const target = tensor(t, { shape: [n] });
    for (const reduction of ["mean", "sum", "none"] as const) {
      const x = logits.detach().requiresGrad_();
      const host = crossEntropy(x, target, { reduction });
      const gOut = reduction === "none" ? tensor(uniform(n), { shape: [n] }) : null;
      host.backward(gOut ?? undefined);
      const xd = noGrad(() => toDevice(logits, "cuda")).detach().requiresGrad_();
      const dev = crossEntropy(xd, toDevice(target, "cuda"), { reduction });
      dev.backward(gOut ? toDevice(gOut, "cuda") : undefined);
      close(`crossEntropy [${n}, ${c}] ${reduction}`, dev, host, 1e-5);
      close(`crossEntropy grad [${n}, ${c}] ${reduction}`, xd.grad as Tensor, x.grad as Tensor, 1e-5);
    }
  }
  const bad = tensor(Int32Array.of(0, 7), { shape: [2] });
  assert.throws(() => crossEntropy(toDevice(tensor(uniform(10), { shape: [2, 5] }), "cuda"), toDevice(bad, "cuda")), /out of range/);
});

test("cuda: causalSelfAttention on a packed qkv (strided head GEMMs) matches the host, values and gradients", { skip }, () => {
  for (const [B, T, d, nh] of [[3, 37, 24, 4], [5, 16, 16, 2], [1, 64, 32, 8]]) {
    const host = tensor(uniform(B * T * 3 * d, -1, 1), { shape: [B, T, 3 * d] }).requiresGrad_();
    const go = tensor(uniform(B * T * d), { shape: [B, T, d] });
    const y = causalSelfAttention(host, nh);
    y.backward(go);
    const dev = noGrad(() => toDevice(host, "cuda")).detach().requiresGrad_();
    (cuda as CudaBackend).setTf32(false);
    try {
      const yd = causalSelfAttention(dev, nh);
      yd.backward(toDevice(go, "cuda"));
      close(`causalSelfAttention [${B},${T},${3 * d}] heads ${nh}`, yd, y, 1e-5);
      close(`causalSelfAttention grad [${B},${T},${3 * d}] heads ${nh}`, dev.grad as Tensor, host.grad as Tensor, 1e-4);
    } finally {
      (cuda as CudaBackend).setTf32(true);
    }
  }
  const c = cuda as Backend;
  const small = c.alloc("float32", 16, false);
  assert.throws(() => c.matmulStrided?.(small, small, small, { batch: 1, m: 4, n: 4, k: 4, transA: false, transB: false, lda: 8, ldb: 4, ldc: 4, strideA: 0, strideB: 0, strideC: 0, offsetA: 0, offsetB: 0, offsetC: 0 }), /A reaches element 27 of a buffer of 16/);
  c.release(small);
});

test("cuda: float32 matmul precision medium (bf16 tensor cores) stays within bf16 rounding", { skip }, () => {
  const c = cuda as CudaBackend;
  const [m, n, k] = [64, 48, 256];
  const a = uniform(m * k, -1, 1);
  const bm = uniform(k * n, -1, 1);
  const p = { batch: 1, m, n, k, transA: false, transB: false, strideA: 0, strideB: 0 };
  const run = (precision: "highest" | "medium"): Float32Array => {
    c.setMatmulPrecision(precision);
    const [sa, sb, sc] = [c.upload(a, "float32"), c.upload(bm, "float32"), c.alloc("float32", m * n, false)];
    c.matmul(sa, sb, sc, p);
    const r = c.download(sc) as Float32Array;
    for (const st of [sa, sb, sc]) c.release(st);
    return r;
  };
  try {
    const exact = run("highest");
    const medium = run("medium");
    const e = relErr(medium, exact);
    // bf16 keeps 8 mantissa bits: ~2e-3 per input, averaging down over k; exact float32 would give ~1e-7
    assert.ok(e < 1e-2 && e > 1e-5, `medium vs highest relative error ${e}`);
  } finally {
    c.setMatmulPrecision("high");
  }
});

test("cuda: layerNorm forward and backward, with and without affine", { skip }, () => {
  for (const [rows, cols] of [[33, 64], [7, 2048], [3, 5000]]) {
    for (const affine of [true, false]) {
      const x = uniform(rows * cols, -2, 4);
      const w = uniform(cols);
      const bias = uniform(cols);
      const args = [f(x), f(w), f(bias), out("float32", rows * cols), out("float32", rows), out("float32", rows)];
      const [cu, jr] = runBoth(args, (b, [xs, ws, bs, o, mu, rs]) => b.layerNorm(xs, affine ? ws : null, affine ? bs : null, o, mu, rs, rows, cols, 1e-5));
      for (const k of [3, 4, 5]) assertClose(`layerNorm ${rows}x${cols} affine=${affine} (arg ${k})`, cu[k], jr[k], { rtol: 1e-4, atol: 1e-5 });
      const gargs = [f(x), f(w), f(jr[4] as Float32Array), f(jr[5] as Float32Array), f(uniform(rows * cols)), out("float32", rows * cols), out("float32", 0, uniform(cols)), out("float32", 0, uniform(cols))];
      check(`layerNormGrad ${rows}x${cols} affine=${affine}`, gargs, [5, 6, 7],
        (b, [xs, ws, mu, rs, g, gx, gw, gb]) => b.layerNormGrad(xs, affine ? ws : null, mu, rs, g, gx, affine ? gw : null, affine ? gb : null, rows, cols), { rtol: 1e-4, atol: 1e-4 });
    }
  }
});

test("cuda: im2col and col2im", { skip }, () => {
  const geoms: ConvGeometry[] = [
    { n: 2, c: 3, h: 9, w: 8, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, dilationH: 1, dilationW: 1, oh: 9, ow: 8 },
    { n: 1, c: 2, h: 11, w: 10, kh: 3, kw: 2, strideH: 2, strideW: 3, padH: 2, padW: 1, dilationH: 2, dilationW: 1, oh: 6, ow: 4 },
  ];
  for (const g of geoms) {
    const xs = g.n * g.c * g.h * g.w;
    const cs = g.n * g.c * g.kh * g.kw * g.oh * g.ow;
    check("im2col", [f(uniform(xs)), out("float32", cs)], [1], (b, [x, c]) => b.im2col(x, c, g), EXACT);
    check("col2im", [f(uniform(cs)), out("float32", 0, new Float32Array(xs))], [1], (b, [c, x]) => b.col2im(c, x, g), { rtol: 1e-5, atol: 1e-5 });
  }
});

test("cuda: max, average and adaptive pooling with gradients", { skip }, () => {
  const geoms: PoolGeometry[] = [
    { planes: 6, h: 8, w: 9, kh: 2, kw: 2, strideH: 2, strideW: 2, padH: 0, padW: 0, dilationH: 1, dilationW: 1, oh: 4, ow: 4, countIncludePad: true },
    { planes: 3, h: 7, w: 7, kh: 3, kw: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, dilationH: 1, dilationW: 1, oh: 4, ow: 4, countIncludePad: false },
    { planes: 3, h: 7, w: 7, kh: 3, kw: 3, strideH: 2, strideW: 2, padH: 1, padW: 1, dilationH: 1, dilationW: 1, oh: 4, ow: 4, countIncludePad: true },
  ];
  for (const g of geoms) {
    const xs = g.planes * g.h * g.w;
    const os = g.planes * g.oh * g.ow;
    const x = uniform(xs);
    check("maxPool2d", [f(x), out("float32", os), out("int32", os)], [1, 2], (b, [xx, o, a]) => b.maxPool2d(xx, o, a, g), EXACT);
    const am = new Int32Array(os);
    const jo = js.alloc("float32", os);
    const ja = js.alloc("int32", os);
    js.maxPool2d(js.upload(x, "float32"), jo, ja, g);
    am.set(js.download(ja));
    check("maxPool2dGrad", [f(uniform(os)), i32(am), out("float32", 0, new Float32Array(xs))], [2], (b, [gy, a, gx]) => b.maxPool2dGrad(gy, a, gx, g), { rtol: 1e-5, atol: 1e-6 });
    check("avgPool2d", [f(x), out("float32", os)], [1], (b, [xx, o]) => b.avgPool2d(xx, o, g), F32);
    check("avgPool2dGrad", [f(uniform(os)), out("float32", 0, new Float32Array(xs))], [1], (b, [gy, gx]) => b.avgPool2dGrad(gy, gx, g), F32);
  }
  const [planes, h, w, oh, ow] = [5, 10, 7, 3, 4];
  check("adaptiveAvgPool2d", [f(uniform(planes * h * w)), out("float32", planes * oh * ow)], [1], (b, [x, o]) => b.adaptiveAvgPool2d(x, o, planes, h, w, oh, ow), F32);
  check("adaptiveAvgPool2dGrad", [f(uniform(planes * oh * ow)), out("float32", 0, new Float32Array(planes * h * w))], [1], (b, [gy, gx]) => b.adaptiveAvgPool2dGrad(gy, gx, planes, h, w, oh, ow), F32);
});

test("cuda: adamStep (Adam and AdamW)", { skip }, () => {
  const n = 10007;
  for (const decoupled of [false, true]) {
    for (const weightDecay of [0, 0.01]) {
      const p = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, decoupled, step: 3 };
      check(`adam decoupled=${decoupled} wd=${weightDecay}`, [f(uniform(n)), f(uniform(n)), f(uniform(n, -0.1, 0.1)), f(uniform(n, 0, 0.1))], [0, 2, 3],
        (b, [pp, g, m, v]) => b.adamStep(pp, g, m, v, n, p), { rtol: 1e-5, atol: 1e-6 });
    }
  }
});

test("cuda: the allocator reuses freed blocks", { skip }, () => {
  const c = cuda as NonNullable<typeof cuda>;
  const warm = c.alloc("float32", 12345);
  c.release(warm);
  const before = c.memoryStats().deviceMallocs;
  for (let i = 0; i < 100; i++) c.release(c.alloc("float32", 12345));
  assert.equal(c.memoryStats().deviceMallocs, before);
  // a released handle is refused rather than reused
  const s = c.alloc("float32", 4);
  c.release(s);
  assert.throws(() => c.download(s), /used after release/);
});

// ---------- through the op layer ----------
function close(what: string, got: Tensor, want: Tensor, tol: number): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  const e = relErr(got.dataSync(), want.dataSync());
  assert.ok(e < tol, `${what}: relative error ${e} >= ${tol}`);
}

test("cuda: a small MLP forward and backward matches cpu", { skip }, () => {
  // full float32 matmuls: with TF32 (10-bit mantissa) the cancellation in a weight gradient summed over
  // the batch reaches a few percent; TF32 itself is covered by the matmul test's own tolerance
  (cuda as CudaBackend).setTf32(false);
  try {
    mlpMatchesCpu();
  } finally {
    (cuda as CudaBackend).setTf32(true);
  }
});

function mlpMatchesCpu(): void {
  const rows = 64, inF = 32, hid = 48, outF = 10;
  const mk = (shape: number[], scale: number): Tensor => tensor(uniform(numel(shape), -scale, scale), { shape });
  const x = mk([rows, inF], 1);
  const y = mk([rows, outF], 1);
  const cpuParams = [mk([hid, inF], 0.3), mk([hid], 0.1), mk([outF, hid], 0.3), mk([outF], 0.1)];
  for (const p of cpuParams) p.requiresGrad_();
  const gpuParams = cpuParams.map((p) => noGrad(() => toDevice(p, "cuda")).detach().requiresGrad_());
  for (const p of gpuParams) assert.equal(p.device, "cuda");
  const xc = x.requiresGrad_();
  const forward = (xin: Tensor, yt: Tensor, [w1, b1, w2, b2]: Tensor[]): Tensor => {
    const h = relu(linear(xin, w1, b1));
    const o = linear(tanh(h), w2, b2);
    return mean(square(sub(o, yt)));
  };
  const lossCpu = forward(xc, y, cpuParams);
  lossCpu.backward();
  const xGradCpu = xc.grad as Tensor;
  xc.grad = null;
  // the gpu run starts from the cpu x, so the gradient flows back through toDevice to the host
  const lossGpu = forward(toDevice(xc, "cuda"), toDevice(y, "cuda"), gpuParams);
  assert.equal(lossGpu.device, "cuda");
  lossGpu.backward();
  close("loss", lossGpu, lossCpu, 1e-4);
  for (let i = 0; i < cpuParams.length; i++) {
    const g = gpuParams[i].grad as Tensor;
    assert.equal(g.device, "cuda");
    close(`param ${i} grad`, g, cpuParams[i].grad as Tensor, 1e-4);
  }
  const xg = xc.grad as Tensor | null;
  assert.ok(xg, "x.grad reached the host through toDevice");
  assert.equal(xg.device, "cpu");
  close("x grad", xg, xGradCpu, 1e-4);
}

test("cuda: toDevice round trip keeps values and dtypes", { skip }, () => {
  for (const t of [tensor([[1.5, -2], [3, 4]]), tensor([1, 2, 3], { dtype: "int32" }), tensor([true, false, true])]) {
    const g = toDevice(t, "cuda");
    assert.equal(g.device, "cuda");
    assert.equal(g.dtype, t.dtype);
    assert.deepEqual(g.toArray(), t.toArray());
    const back = toDevice(g, "cpu");
    assert.equal(back.device, "cpu");
    assert.deepEqual(back.toArray(), t.toArray());
    assert.equal(toDevice(t, "cpu"), t);
  }
});

// ---------- flash attention and multi-tensor Adam ----------

const ADAM: AdamParams = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: true, step: 3 };

// no GPU needed: a stand-in addon records what the backend would launch
test("cuda backend: flash attention and adamStepMulti pass their arguments through and check them", () => {
  const calls: unknown[][] = [];
  const record = (result: unknown) => (...args: unknown[]): unknown => {
    calls.push(args);
    return result;
  };
  const fake = { flashAttention: record(true), flashAttentionGrad: record(true), adamStepMulti: record(undefined) } as unknown as CudaAddon;
  const info: CudaDeviceInfo = { ok: true, reason: "" };
  const st = (size: number, dtype: DType = "float32"): CudaStorage => new CudaStorage({} as CudaHandle, dtype, size);
  // packed qkv [2, 5, 3·16] with 2 heads of 8, out [2, 5, 16]
  const L = (offset: number, batchStride: number, rowStride: number): AttentionLayout => ({ offset, batchStride, headStride: 8, rowStride });
  const p: FlashAttentionParams = { batch: 2, heads: 2, lq: 5, lk: 5, headDim: 8, scale: 0.25, causal: true, q: L(0, 240, 48), k: L(16, 240, 48), v: L(32, 240, 48), out: L(0, 80, 16) };
  const qkv = st(480), out = st(160), lse = st(20), gOut = st(160), g = st(480);

  const on = new CudaBackend(fake, info);
  assert.equal(on.flashAttention(qkv, qkv, qkv, out, lse, p), true);
  assert.equal(calls.length, 1);
  assert.equal(calls[0][0], qkv.handle);
  assert.equal(calls[0][4], lse.handle);
  assert.deepEqual(calls[0].slice(5), [[2, 2, 5, 5, 8], 0.25, true, [0, 240, 8, 48, 16, 240, 8, 48, 32, 240, 8, 48, 0, 80, 8, 16]]);
  assert.equal(on.flashAttentionGrad(qkv, qkv, qkv, out, gOut, lse, g, g, g, p), true);
  assert.equal(calls[1][4], gOut.handle);
  assert.equal(calls[1][8], g.handle);
  assert.deepEqual(calls[1].slice(9), calls[0].slice(5));

  // layouts that leave their buffer, a short lse: clear errors, nothing launched
  assert.throws(() => on.flashAttention(qkv, qkv, qkv, out, lse, { ...p, k: { ...p.k, offset: 33 } }), /flashAttention: k \(offset 33.*reaches element 480 of a buffer of 480/);
  assert.throws(() => on.flashAttentionGrad(qkv, qkv, qkv, out, st(159), lse, g, g, g, p), /flashAttentionGrad: gOut .* of a buffer of 159/);
  assert.throws(() => on.flashAttention(qkv, qkv, qkv, out, st(19), p), /lse holds 19 elements, expected batch·heads·lq = 20/);
  // shapes the kernels do not take: false, so the op layer falls back
  assert.equal(on.flashAttention(qkv, qkv, qkv, out, lse, { ...p, headDim: 160 }), false);
  assert.equal(on.flashAttention(qkv, qkv, qkv, out, lse, { ...p, lk: 0 }), false);
  assert.equal(on.flashAttention(qkv, qkv, qkv, st(160, "int32"), lse, p), false);
  assert.equal(calls.length, 2);

  assert.throws(() => on.adamStepMulti([st(4)], [st(4), st(4)], [st(4)], [st(4)], [4], ADAM), /adamStepMulti: 1 params but 2 grads/);
  assert.throws(() => on.adamStepMulti([st(4)], [st(4)], [st(3)], [st(4)], [4], ADAM), /ms\[0\] holds 3 elements, fewer than sizes\[0\] = 4/);
  const ps = [st(4), st(1)], gs = [st(4), st(1)], ms = [st(4), st(1)], vs = [st(4), st(1)];
  assert.equal(on.adamStepMulti(ps, gs, ms, vs, [4, 1], ADAM), true);
  assert.deepEqual(calls[2], [ps.map((x) => x.handle), gs.map((x) => x.handle), ms.map((x) => x.handle), vs.map((x) => x.handle), [4, 1], 1e-3, 0.9, 0.999, 1e-8, 0.1, true, 3]);
});

/** ‖got − want‖ / ‖want‖ below tol (TF32 products: inputs keep 10 mantissa bits). */
function closeRel(what: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let num = 0, den = 0;
  for (let i = 0; i < want.length; i++) {
    assert.ok(Number.isFinite(got[i]), `${what}: element ${i} is ${got[i]}`);
    num += (got[i] - want[i]) ** 2;
    den += want[i] ** 2;
  }
  const e = Math.sqrt(num / Math.max(den, 1e-30));
  assert.ok(e < tol, `${what}: relative error ${e} >= ${tol}`);
}

const FLASH_CASES: FlashCase[] = [
  { name: "causal, T not a multiple of the tile, hd 64", batch: 2, heads: 3, lq: 70, lk: 70, headDim: 64, causal: true, layout: "dense" },
  { name: "non-causal, hd 64", batch: 2, heads: 3, lq: 70, lk: 70, headDim: 64, causal: false, layout: "dense" },
  { name: "causal, lq < lk (keys no query keeps), hd 32", batch: 1, heads: 2, lq: 37, lk: 100, headDim: 32, causal: true, layout: "dense" },
  { name: "non-causal, lq < lk, hd 32", batch: 1, heads: 2, lq: 37, lk: 100, headDim: 32, causal: false, layout: "dense" },
  { name: "causal, lq > lk, hd 128", batch: 1, heads: 2, lq: 100, lk: 37, headDim: 128, causal: true, layout: "dense" },
  { name: "non-causal, lq > lk, hd 128", batch: 1, heads: 2, lq: 100, lk: 37, headDim: 128, causal: false, layout: "dense" },
  { name: "non-causal, hd 96", batch: 1, heads: 2, lq: 50, lk: 50, headDim: 96, causal: false, layout: "dense" },
  { name: "packed qkv, causal, hd 64", batch: 2, heads: 2, lq: 65, lk: 65, headDim: 64, causal: true, layout: "packed" },
  { name: "strided unaligned rows, causal, hd 40 (padded to 64)", batch: 2, heads: 2, lq: 33, lk: 33, headDim: 40, causal: true, layout: "strided" },
];

test("cuda: flashAttention and flashAttentionGrad match float64 attention (causal or not, lq ≠ lk, hd 32–128, packed and strided layouts)", { skip }, () => {
  const fc = new CudaBackend((cuda as CudaBackend).addon, (cuda as CudaBackend).info);
  for (const c of FLASH_CASES) {
    const { p, shared, sizes } = flashSetup(c);
    const q = uniform(sizes.q, -1, 1);
    const k = shared ? q : uniform(sizes.k, -1, 1);
    const v = shared ? q : uniform(sizes.v, -1, 1);
    const gOut = uniform(sizes.out, -1, 1);
    const ref = attentionReference(p, readHeads(q, p.q, p, p.lq), readHeads(k, p.k, p, p.lk), readHeads(v, p.v, p, p.lk), readHeads(gOut, p.out, p, p.lq));
    const up = (a: Float32Array): Storage => fc.upload(a, "float32");
    const nan = (n: number): Storage => up(new Float32Array(n).fill(NaN));
    const sq = up(q), sk = shared ? sq : up(k), sv = shared ? sq : up(v);
    const owned = shared ? [sq] : [sq, sk, sv];

    // forward
    const sOut = nan(sizes.out), sLse = nan(p.batch * p.heads * p.lq);
    assert.equal(fc.flashAttention(sq, sk, sv, sOut, sLse, p), true, `${c.name}: taken`);
    const out = fc.download(sOut), lse = fc.download(sLse);
    closeRel(`${c.name}: out`, readHeads(out, p.out, p, p.lq), ref.out, 3e-3);
    closeRel(`${c.name}: lse`, lse, ref.lse, 1e-3);
    assertUntouchedOutside(`${c.name}: out`, out, p, [[p.out, p.lq]]);

    // backward, from the reference's out and lse
    const refOut = new Float32Array(sizes.out);
    writeHeads(refOut, p.out, p, p.lq, ref.out);
    const sRefOut = up(refOut), sRefLse = up(Float32Array.from(ref.lse)), sGOut = up(gOut);
    const sgq = nan(sizes.q), sgk = shared ? sgq : nan(sizes.k), sgv = shared ? sgq : nan(sizes.v);
    assert.equal(fc.flashAttentionGrad(sq, sk, sv, sRefOut, sGOut, sRefLse, sgq, sgk, sgv, p), true, `${c.name}: grad taken`);
    const gq = fc.download(sgq), gk = shared ? gq : fc.download(sgk), gv = shared ? gq : fc.download(sgv);
    closeRel(`${c.name}: gq`, readHeads(gq, p.q, p, p.lq), ref.gq, 1e-2);
    closeRel(`${c.name}: gk`, readHeads(gk, p.k, p, p.lk), ref.gk, 1e-2);
    closeRel(`${c.name}: gv`, readHeads(gv, p.v, p, p.lk), ref.gv, 1e-2);
    if (shared) assertUntouchedOutside(`${c.name}: gqkv`, gq, p, [[p.q, p.lq], [p.k, p.lk], [p.v, p.lk]]);
    else {
      assertUntouchedOutside(`${c.name}: gq`, gq, p, [[p.q, p.lq]]);
      assertUntouchedOutside(`${c.name}: gk`, gk, p, [[p.k, p.lk]]);
      assertUntouchedOutside(`${c.name}: gv`, gv, p, [[p.v, p.lk]]);
    }
    // and the js backend's kernels, where it has them, agree
    const jq = js.upload(q, "float32"), jk = shared ? jq : js.upload(k, "float32"), jv = shared ? jq : js.upload(v, "float32");
    const jOut = js.upload(new Float32Array(sizes.out), "float32"), jLse = js.alloc("float32", p.batch * p.heads * p.lq);
    if (js.flashAttention?.(jq, jk, jv, jOut, jLse, p)) closeRel(`${c.name}: out vs the js backend`, readHeads(out, p.out, p, p.lq), readHeads(js.download(jOut), p.out, p, p.lq), 3e-3);
    const jg = [sizes.q, sizes.k, sizes.v].map((n) => js.alloc("float32", n));
    const jRefOut = js.upload(refOut, "float32"), jRefLse = js.upload(Float32Array.from(ref.lse), "float32"), jGOut = js.upload(gOut, "float32");
    if (js.flashAttentionGrad?.(jq, jk, jv, jRefOut, jGOut, jRefLse, jg[0], jg[1], jg[2], p)) {
      closeRel(`${c.name}: gk vs the js backend`, readHeads(gk, p.k, p, p.lk), readHeads(js.download(jg[1]), p.k, p, p.lk), 1e-2);
    }
    if (p.causal && p.lk > p.lq) {
      // keys past the last query are kept by no row: exactly zero, not left over
      for (let b = 0; b < p.batch; b++) for (let h = 0; h < p.heads; h++) for (let j = p.lq; j < p.lk; j++) for (let d = 0; d < p.headDim; d++) {
        assert.equal(gk[rowStart(p.k, b, h, j) + d], 0, `${c.name}: gk of unkept key ${j}`);
        assert.equal(gv[rowStart(p.v, b, h, j) + d], 0, `${c.name}: gv of unkept key ${j}`);
      }
    }
    for (const s of [...owned, sOut, sLse, sRefOut, sRefLse, sGOut, ...(shared ? [sgq] : [sgq, sgk, sgv])]) fc.release(s);
  }
});

test("cuda: adamStepMulti matches adamStep tensor by tensor (odd sizes, several chunks, more tensors than one launch holds)", { skip }, () => {
  const fc = new CudaBackend((cuda as CudaBackend).addon, (cuda as CudaBackend).info);
  // 155 tensors: sizes 1 and 3, one just over a 16384-element chunk, one of several chunks, and many small odd ones
  const sizes = [1, 3, 16385, 40000, 999, ...Array.from({ length: 150 }, (_, i) => 1 + ((i * 37) % 301))];
  for (const [decoupled, weightDecay] of [[false, 0], [false, 0.01], [true, 0.1]] as const) {
    const p: AdamParams = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, decoupled, step: 3 };
    const init = sizes.map((n) => [uniform(n), uniform(n), uniform(n, -0.1, 0.1), uniform(n, 0, 0.1)]);
    const dev = init.map((arrs) => arrs.map((a) => fc.upload(a, "float32")));
    const col = (j: number): Storage[] => dev.map((x) => x[j]);
    assert.equal(fc.adamStepMulti(col(0), col(1), col(2), col(3), sizes, p), true);
    for (let i = 0; i < sizes.length; i++) {
      const [pp, g, m, v] = init[i].map((a) => js.upload(a, "float32"));
      js.adamStep(pp, g, m, v, sizes[i], p);
      const tol = { rtol: 1e-5, atol: 1e-6 };
      assertClose(`adamStepMulti decoupled=${decoupled} wd=${weightDecay} tensor ${i}: param`, fc.download(dev[i][0]), js.download(pp), tol);
      assertClose(`adamStepMulti tensor ${i}: m`, fc.download(dev[i][2]), js.download(m), tol);
      assertClose(`adamStepMulti tensor ${i}: v`, fc.download(dev[i][3]), js.download(v), tol);
      assert.deepEqual(fc.download(dev[i][1]), init[i][1], `adamStepMulti tensor ${i}: grad untouched`);
    }
    for (const s of dev.flat()) fc.release(s);
  }
});

// ---------- cuDNN convolutions ----------

// no GPU needed: a stand-in addon records what the backend would launch
test("cuda backend: cuDNN conv2d and its gradients are off with cudnnEnabled = false, pass their geometry through, and check their arguments", () => {
  const calls: unknown[][] = [];
  const record = (result: unknown) => (...args: unknown[]): unknown => {
    calls.push(args);
    return result;
  };
  // the addon answers false for the weight gradient: the backend passes that on
  const fake = { conv2d: record(true), conv2dGradInput: record(true), conv2dGradWeight: record(false) } as unknown as CudaAddon;
  const info: CudaDeviceInfo = { ok: true, reason: "" };
  const st = (size: number, dtype: DType = "float32"): CudaStorage => new CudaStorage({} as CudaHandle, dtype, size);
  // x [2, 4, 7, 9] ⋆ w [6, 2, 3, 3], groups 2, stride [2, 1], padding [1, 2], dilation [1, 2]:
  // oh = ⌊(7 + 2 − 2 − 1) / 2⌋ + 1 = 4, ow = ⌊(9 + 4 − 4 − 1) / 1⌋ + 1 = 9
  const p: Conv2dParams = { n: 2, c: 4, h: 7, w: 9, kh: 3, kw: 3, strideH: 2, strideW: 1, padH: 1, padW: 2, dilationH: 1, dilationW: 2, oh: 4, ow: 9, cout: 6, groups: 2 };
  const geometry = [2, 4, 7, 9, 3, 3, 2, 1, 1, 2, 1, 2, 4, 9, 6, 2];
  const x = st(2 * 4 * 7 * 9), w = st(6 * 2 * 3 * 3), out = st(2 * 6 * 4 * 9);

  const off = new CudaBackend(fake, info);
  off.cudnnEnabled = false;
  assert.equal(off.conv2d(x, w, out, p), false);
  assert.equal(off.conv2dGradInput(out, w, x, p), false);
  assert.equal(off.conv2dGradWeight(x, out, w, p), false);
  assert.equal(calls.length, 0, "nothing reaches the addon while the kernels are off");

  const on = new CudaBackend(fake, info);
  assert.equal(on.conv2d(x, w, out, p), true);
  assert.deepEqual(calls[0], [x.handle, w.handle, out.handle, geometry]);
  assert.equal(on.conv2dGradInput(out, w, x, p), true);
  assert.deepEqual(calls[1], [out.handle, w.handle, x.handle, geometry]);
  assert.equal(on.conv2dGradWeight(x, out, w, p), false, "the addon's false comes back");
  assert.deepEqual(calls[2], [x.handle, out.handle, w.handle, geometry]);

  // storages short of the geometry, a geometry at odds with itself: clear errors, nothing launched
  assert.throws(() => on.conv2d(x, w, st(431), p), /conv2d: out holds 431 elements, the geometry needs 432/);
  assert.throws(() => on.conv2dGradInput(out, st(107), x, p), /conv2dGradInput: w holds 107 elements, the geometry needs 108/);
  assert.throws(() => on.conv2dGradWeight(st(503), out, w, p), /conv2dGradWeight: x holds 503 elements, the geometry needs 504/);
  assert.throws(() => on.conv2d(x, w, out, { ...p, groups: 3 }), /groups=3 must divide input channels 4 and output channels 6/);
  assert.throws(() => on.conv2d(x, w, out, { ...p, oh: 5 }), /output \[5, 9\] does not match the window over \[7, 9\], which gives \[4, 9\]/);
  assert.throws(() => on.conv2d(x, w, out, { ...p, strideW: 0 }), /strideW must be at least 1, got 0/);
  assert.throws(() => on.conv2d(x, w, out, { ...p, padH: 0.5 }), /padH must be a non-negative integer, got 0.5/);
  // what cuDNN is not asked: other dtypes, empty tensors, tensors past 2^31 − 1 elements
  assert.equal(on.conv2d(x, w, st(432, "int32"), p), false);
  assert.equal(on.conv2d(x, w, out, { ...p, n: 0 }), false);
  assert.equal(on.conv2d(x, w, out, { ...p, n: 2 ** 24 }), false); // x: 2^24 · 252 elements
  assert.equal(calls.length, 3);
  // an addon built before the cuDNN entries
  assert.equal(new CudaBackend({} as CudaAddon, info).conv2d(x, w, out, p), false);
});

interface ConvCase {
  name: string;
  x: number[];
  w: number[];
  bias: boolean;
  run: (x: Tensor, w: Tensor, b: Tensor | null) => Tensor;
}

const CONV_CASES: ConvCase[] = [
  { name: "3×3, stride 2, padding 1, bias", x: [2, 3, 9, 11], w: [4, 3, 3, 3], bias: true, run: (x, w, b) => conv2d(x, w, b, { stride: 2, padding: 1 }) },
  { name: "3×3, dilation 2, padding 2", x: [2, 4, 10, 10], w: [6, 4, 3, 3], bias: false, run: (x, w, b) => conv2d(x, w, b, { dilation: 2, padding: 2 }) },
  { name: "groups 2, padding 1, bias", x: [3, 4, 8, 7], w: [6, 2, 3, 3], bias: true, run: (x, w, b) => conv2d(x, w, b, { padding: 1, groups: 2 }) },
  { name: "1×1", x: [2, 8, 5, 5], w: [16, 8, 1, 1], bias: true, run: (x, w, b) => conv2d(x, w, b) },
  { name: "5×5, stride [2, 1], padding [2, 1]", x: [1, 3, 13, 13], w: [5, 3, 5, 5], bias: false, run: (x, w, b) => conv2d(x, w, b, { stride: [2, 1], padding: [2, 1] }) },
  { name: "odd 2×4 kernel, stride [1, 3], padding [0, 2], dilation [2, 1]", x: [3, 5, 7, 9], w: [7, 5, 2, 4], bias: true, run: (x, w, b) => conv2d(x, w, b, { stride: [1, 3], padding: [0, 2], dilation: [2, 1] }) },
  { name: "conv1d, groups 2, stride 2, padding 2", x: [2, 4, 17], w: [6, 2, 5], bias: true, run: (x, w, b) => conv1d(x, w, b, { stride: 2, padding: 2, groups: 2 }) },
];

interface ConvResult {
  y: TypedArray;
  gy: Float32Array;
  gx: TypedArray;
  gw: TypedArray;
  gb: TypedArray | null;
}

/** Runs a case forward and backward on `device` (inputs uploaded there), with gy drawn afresh unless given. */
function convCase(c: ConvCase, data: { x: Float32Array; w: Float32Array; b: Float32Array }, device: "cpu" | "cuda", gyGiven?: Float32Array): ConvResult {
  const make = (a: Float32Array, shape: number[]): Tensor => {
    const t = tensor(a, { shape });
    return (device === "cuda" ? noGrad(() => toDevice(t, "cuda")).detach() : t).requiresGrad_();
  };
  const x = make(data.x, c.x), w = make(data.w, c.w), b = c.bias ? make(data.b, [c.w[0]]) : null;
  const y = c.run(x, w, b);
  const gy = gyGiven ?? uniform(y.size, -1, 1);
  const g = tensor(gy, { shape: y.shape });
  y.backward(device === "cuda" ? toDevice(g, "cuda") : g);
  const grad = (t: Tensor): TypedArray => (t.grad as Tensor).dataSync();
  return { y: y.dataSync(), gy, gx: grad(x), gw: grad(w), gb: b ? grad(b) : null };
}

function convData(c: ConvCase): { x: Float32Array; w: Float32Array; b: Float32Array } {
  return { x: uniform(numel(c.x), -1, 1), w: uniform(numel(c.w), -1, 1), b: uniform(c.w[0], -1, 1) };
}

function convAgree(what: string, got: ConvResult, want: ConvResult, tol: number): void {
  closeRel(`${what}: out`, got.y, want.y, tol);
  closeRel(`${what}: grad x`, got.gx, want.gx, tol);
  closeRel(`${what}: grad w`, got.gw, want.gw, tol);
  if (want.gb) closeRel(`${what}: grad bias`, got.gb as TypedArray, want.gb, tol);
}

/**
 * Visits every (output element, weight element, input element) product of a convolution, straight from
 * its definition (no im2col); out-of-bounds input positions (zero padding) are skipped.
 */
function convProducts(p: Conv2dParams, visit: (xi: number, wi: number, oi: number) => void): void {
  const cg = p.c / p.groups, og = p.cout / p.groups;
  for (let b = 0; b < p.n; b++) for (let o = 0; o < p.cout; o++) for (let i = 0; i < p.oh; i++) for (let j = 0; j < p.ow; j++) {
    const oi = ((b * p.cout + o) * p.oh + i) * p.ow + j;
    const grp = Math.floor(o / og);
    for (let ci = 0; ci < cg; ci++) for (let u = 0; u < p.kh; u++) for (let v = 0; v < p.kw; v++) {
      const yy = i * p.strideH - p.padH + u * p.dilationH, xx = j * p.strideW - p.padW + v * p.dilationW;
      if (yy < 0 || yy >= p.h || xx < 0 || xx >= p.w) continue;
      visit(((b * p.c + grp * cg + ci) * p.h + yy) * p.w + xx, ((o * cg + ci) * p.kh + u) * p.kw + v, oi);
    }
  }
}

/** A js backend with whole-convolution kernels written from the definition, recording each call; `decline` makes one refuse. */
class DirectConvBackend extends JsBackend {
  override readonly name = "js-direct-conv";
  readonly calls: Array<[string, Conv2dParams]> = [];
  decline: "conv2d" | "conv2dGradInput" | "conv2dGradWeight" | null = null;

  private take(op: "conv2d" | "conv2dGradInput" | "conv2dGradWeight", p: Conv2dParams): boolean {
    this.calls.push([op, p]);
    return this.decline !== op;
  }
  conv2d(x: Storage, w: Storage, out: Storage, p: Conv2dParams): boolean {
    if (!this.take("conv2d", p)) return false;
    const [X, W, O] = [x, w, out].map((s) => (s as HostStorage).data as Float32Array);
    const acc = new Float64Array(p.n * p.cout * p.oh * p.ow);
    convProducts(p, (xi, wi, oi) => (acc[oi] += X[xi] * W[wi]));
    O.set(acc);
    return true;
  }
  conv2dGradInput(gy: Storage, w: Storage, gx: Storage, p: Conv2dParams): boolean {
    if (!this.take("conv2dGradInput", p)) return false;
    const [G, W, GX] = [gy, w, gx].map((s) => (s as HostStorage).data as Float32Array);
    const acc = new Float64Array(p.n * p.c * p.h * p.w);
    convProducts(p, (xi, wi, oi) => (acc[xi] += G[oi] * W[wi]));
    GX.set(acc);
    return true;
  }
  conv2dGradWeight(x: Storage, gy: Storage, gw: Storage, p: Conv2dParams): boolean {
    if (!this.take("conv2dGradWeight", p)) return false;
    const [X, G, GW] = [x, gy, gw].map((s) => (s as HostStorage).data as Float32Array);
    const acc = new Float64Array(p.cout * (p.c / p.groups) * p.kh * p.kw);
    convProducts(p, (xi, wi, oi) => (acc[wi] += G[oi] * X[xi]));
    GW.set(acc);
    return true;
  }
}

// no GPU needed: the op layer's use of the optional kernels, checked with kernels written from the definition
test("conv2d and conv1d use a backend's whole-convolution kernels (geometry, bias, gradients) and fall back to im2col where one declines", () => {
  const direct = new DirectConvBackend();
  registerBackend(direct);
  for (const c of CONV_CASES) {
    const data = convData(c);
    const ref = withBackend("js", () => convCase(c, data, "cpu"));
    direct.calls.length = 0;
    direct.decline = null;
    const got = withBackend(direct.name, () => convCase(c, data, "cpu", ref.gy));
    convAgree(c.name, got, ref, 1e-5);
    assert.deepEqual(direct.calls.map(([op]) => op), ["conv2d", "conv2dGradInput", "conv2dGradWeight"], `${c.name}: every pass through the kernels`);
    const p = direct.calls[0][1];
    const is1d = c.x.length === 3;
    assert.deepEqual([p.n, p.c, p.cout, p.kh, p.kw], [c.x[0], c.x[1], c.w[0], is1d ? 1 : c.w[2], is1d ? c.w[2] : c.w[3]], `${c.name}: geometry`);
    assert.equal(p.groups * c.w[1], c.x[1], `${c.name}: groups`);
    for (const decline of ["conv2d", "conv2dGradInput", "conv2dGradWeight"] as const) {
      direct.decline = decline;
      convAgree(`${c.name}, ${decline} declined`, withBackend(direct.name, () => convCase(c, data, "cpu", ref.gy)), ref, 1e-5);
    }
  }
});

const cudnnSkip: string | false = skip || (cuda && (cuda as CudaBackend).info.cudnnError !== "" ? `cuDNN not loaded: ${(cuda as CudaBackend).info.cudnnError ?? "an addon built before cuDNN support"}` : false);

/** A cuda backend that notes each cuDNN convolution it ran (a decline would send the op layer to im2col unseen). */
class NotingCudnnBackend extends CudaBackend {
  readonly ran: string[] = [];
  override conv2d(x: Storage, w: Storage, out: Storage, p: Conv2dParams): boolean {
    return this.note("conv2d", super.conv2d(x, w, out, p));
  }
  override conv2dGradInput(gy: Storage, w: Storage, gx: Storage, p: Conv2dParams): boolean {
    return this.note("conv2dGradInput", super.conv2dGradInput(gy, w, gx, p));
  }
  override conv2dGradWeight(x: Storage, gy: Storage, gw: Storage, p: Conv2dParams): boolean {
    return this.note("conv2dGradWeight", super.conv2dGradWeight(x, gy, gw, p));
  }
  private note(op: string, ran: boolean): boolean {
    if (ran) this.ran.push(op);
    return ran;
  }
}

test("cuda: cuDNN conv2d and conv1d (forward, grad x, grad w) match the js im2col path, TF32 and full float32", { skip: cudnnSkip }, () => {
  const base = cuda as CudaBackend;
  const dnn = new NotingCudnnBackend(base.addon, base.info);
  registerBackend(dnn);
  try {
    for (const c of CONV_CASES) {
      const data = convData(c);
      const ref = withBackend("js", () => convCase(c, data, "cpu"));
      for (const precision of ["high", "highest"] as const) {
        dnn.setMatmulPrecision(precision);
        dnn.ran.length = 0;
        const got = convCase(c, data, "cuda", ref.gy);
        assert.deepEqual(dnn.ran, ["conv2d", "conv2dGradInput", "conv2dGradWeight"], `${c.name} [${precision}]: cuDNN ran every pass`);
        // TF32 keeps 10 mantissa bits; full float32 leaves only summation order (and Winograd/FFT rounding)
        convAgree(`${c.name} [${precision}]`, got, ref, precision === "high" ? 1e-2 : 1e-4);
      }
    }
  } finally {
    dnn.setMatmulPrecision("high");
    registerBackend(base);
  }
});
