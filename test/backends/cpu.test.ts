// Native cpu kernels against the js reference, on seeded random data at awkward sizes.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  Generator, HostStorage, JsBackend, availableBackends, getBackend, withBackend,
  type Backend, type BinaryOp, type ConvGeometry, type PoolGeometry, type ReduceOp, type Storage, type UnaryOp, type UnaryParams,
} from "../../src/index.js";
import { BINARY_OPS, UNARY_OPS } from "../../src/backends/backend.js";
import type { TypedArray } from "../../src/tensor/dtype.js";
import { assertClose } from "../helpers/gradcheck.js";

const loaded = availableBackends().includes("cpu");
if (!loaded && process.env.INGOT_REQUIRE_CPU === "1") throw new Error("INGOT_REQUIRE_CPU=1 but the native cpu backend did not load");
const skip = loaded ? false : "native cpu backend not loaded (build it with `node scripts/build-native.mjs`)";
if (skip) console.log(`# skipping cpu backend tests: ${skip}`);
const cpu: Backend | null = loaded ? withBackend("cpu", () => getBackend()) : null;
const js = new JsBackend();

let seed = 1;
function randn(n: number, scale = 1): Float32Array {
  const g = new Generator(seed++).normal(n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = g[i] * scale;
  return out;
}
/** Random data with NaN, ±Infinity, ±0 and exact halves sprinkled in (only where n allows). */
function special(n: number, scale = 3): Float32Array {
  const a = randn(n, scale);
  const extras = [NaN, Infinity, -Infinity, 0, -0, 0.5, -0.5, 2.5, -2.5, 1, -1, 1e-30, 100, -100, 20.5, -30];
  for (let i = 0; i < extras.length && i * 7 < n; i++) a[i * 7] = extras[i];
  return a;
}
const f32 = (a: ArrayLike<number>): HostStorage => new HostStorage(Float32Array.from(a), "float32");
const i32 = (a: ArrayLike<number>): HostStorage => new HostStorage(Int32Array.from(a), "int32");
const u8 = (a: ArrayLike<number>): HostStorage => new HostStorage(Uint8Array.from(a), "bool");
const data = (s: Storage): TypedArray => (s as HostStorage).data;
const clone = (s: HostStorage): HostStorage => new HostStorage(s.data.slice(), s.dtype);
const prod = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Runs `run` on both backends with cloned inputs and compares every output. */
function same(what: string, inputs: HostStorage[], run: (b: Backend, xs: HostStorage[]) => void, rtol = 1e-5, atol = 1e-6): void {
  const a = inputs.map(clone), e = inputs.map(clone);
  run(cpu!, a);
  run(js, e);
  a.forEach((s, i) => {
    if (s.dtype === "float32") assertClose(data(s), data(e[i]), rtol, atol, `${what} [arg ${i}]`);
    else assert.deepEqual(data(s), data(e[i]), `${what} [arg ${i}]`);
  });
}

describe("cpu backend", { skip }, () => {
  test("loads and reports a thread count", () => {
    assert.equal(cpu!.name, "cpu");
    assert.ok((cpu as unknown as { threads: number }).threads >= 1);
  });

  // ---- GEMM ----
  // js accumulates in double, the native kernel in float32 (blocked, FMA). The float32 rounding error of a
  // k-term dot product is at most ~k·2⁻²⁴·Σ|a||b| ≤ k·6e-8·max|a|·max|b|; we allow 2e-6·k·max|a|·max|b|
  // (typical errors grow like √k and are far smaller). A wrong, missing or duplicated term is off by
  // O(|a||b|) ≈ 1, and a missing k-block by O(√KC) — both far outside the tolerance.
  function maxAbs(a: Float32Array): number {
    let m = 0;
    for (const v of a) m = Math.max(m, Math.abs(v));
    return m;
  }
  function checkGemm(batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean, bcastA: boolean, bcastB: boolean, accumulate: boolean): void {
    const strideA = bcastA ? 0 : m * k, strideB = bcastB ? 0 : k * n;
    const A = randn(bcastA ? m * k : batch * m * k), B = randn(bcastB ? k * n : batch * k * n);
    const C0 = randn(batch * m * n);
    const p = { batch, m, n, k, transA, transB, strideA, strideB, accumulate };
    const got = f32(C0), want = f32(C0);
    cpu!.matmul(f32(A), f32(B), got, p);
    js.matmul(f32(A), f32(B), want, p);
    const g = data(got), w = data(want);
    const tol = 2e-6 * k * maxAbs(A) * maxAbs(B) + 1e-6 * (accumulate ? maxAbs(C0) + 1 : 1);
    for (let i = 0; i < g.length; i++) {
      if (!(Math.abs(g[i] - w[i]) <= tol)) assert.fail(`matmul ${JSON.stringify(p)}: element ${i}: ${g[i]} vs ${w[i]} (tol ${tol})`);
    }
  }

  test("matmul: every m, n, k in {1,3,17,64,65,129,300} with all transposes", () => {
    const dims = [1, 3, 17, 64, 65, 129, 300];
    for (const m of dims) for (const n of dims) for (const k of dims) for (let t = 0; t < 4; t++) checkGemm(1, m, n, k, (t & 1) !== 0, (t & 2) !== 0, false, false, false);
  });

  test("matmul: batches, stride-0 broadcast and accumulate", () => {
    for (const [m, n, k] of [[1, 1, 1], [3, 17, 65], [17, 64, 3], [65, 33, 129], [13, 40, 7]]) {
      for (let t = 0; t < 4; t++) {
        for (const [ba, bb] of [[false, false], [true, false], [false, true], [true, true]]) {
          for (const acc of [false, true]) checkGemm(3, m, n, k, (t & 1) !== 0, (t & 2) !== 0, ba, bb, acc);
        }
      }
    }
    checkGemm(7, 32, 64, 64, false, false, false, false, false); // batch split across threads
  });

  test("matmul: large 513x257x1031 and small MLP shapes", () => {
    checkGemm(1, 513, 257, 1031, false, false, false, false, false);
    checkGemm(1, 513, 257, 1031, true, true, false, false, true);
    checkGemm(1, 32, 64, 1000, false, false, false, false, false);
    checkGemm(1, 32, 64, 1000, false, true, false, false, false);
    checkGemm(1, 1000, 32, 64, true, false, false, false, false);
  });

  test("matmul: k = 0 writes zeros (or leaves out with accumulate) and empty shapes are no-ops", () => {
    checkGemm(2, 5, 7, 0, false, false, false, false, false);
    checkGemm(2, 5, 7, 0, false, false, false, false, true);
    checkGemm(2, 0, 7, 3, false, false, false, false, false);
    checkGemm(0, 4, 7, 3, false, false, false, false, false);
  });

  test("matmul: undersized buffers throw instead of reading out of bounds", () => {
    const p = { batch: 1, m: 4, n: 4, k: 4, transA: false, transB: false, strideA: 0, strideB: 0 };
    assert.throws(() => cpu!.matmul(f32(new Float32Array(15)), f32(new Float32Array(16)), f32(new Float32Array(16)), p), /a too small/);
  });

  // ---- elementwise ----
  const SIZES = [0, 1, 7, 17, 33, 100, 1001, 70001]; // the last one is split across threads
  const PARAMS: Partial<Record<UnaryOp, UnaryParams[]>> = {
    leakyRelu: [{}, { alpha: 0.2 }],
    elu: [{}, { alpha: 1.5 }],
    clamp: [{ min: -0.5, max: 0.7 }, { min: 0 }, { max: 1 }],
    powScalar: [{ exponent: 2 }, { exponent: 3 }, { exponent: 0.5 }, { exponent: -1.5 }, { exponent: 0 }],
  };

  test("unary: every op matches js", () => {
    for (const op of UNARY_OPS) {
      for (const p of PARAMS[op] ?? [{}]) {
        for (const n of SIZES) {
          const x = f32(special(n));
          same(`unary ${op} ${JSON.stringify(p)} n=${n}`, [x, f32(new Float32Array(n))], (b, [xx, o]) => b.unary(op, xx, o, n, p));
        }
      }
    }
  });

  test("unary: gradients of every op match js", () => {
    for (const op of UNARY_OPS) {
      for (const p of PARAMS[op] ?? [{}]) {
        for (const n of [0, 1, 17, 100, 70001]) {
          const x = f32(special(n));
          const y = f32(new Float32Array(n));
          js.unary(op, x, y, n, p);
          const gy = f32(randn(n));
          same(`unaryGrad ${op} ${JSON.stringify(p)} n=${n}`, [x, y, gy, f32(new Float32Array(n))], (b, [xx, yy, g, o]) => b.unaryGrad(op, xx, yy, g, o, n, p));
        }
      }
    }
  });

  test("unary: transcendental activations over a dense range", () => {
    const n = 40001;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = -20 + (40 * i) / (n - 1);
    for (const op of ["exp", "tanh", "sigmoid", "gelu", "geluTanh", "silu", "erf", "softplus"] as UnaryOp[]) {
      same(`unary ${op} dense`, [f32(x), f32(new Float32Array(n))], (b, [xx, o]) => b.unary(op, xx, o, n));
    }
  });

  function binaryCase(op: BinaryOp, shape: number[], aStrides: number[], bStrides: number[], aSize: number, bSize: number): void {
    const a = f32(special(aSize)), b = f32(special(bSize, 2));
    // equal pairs so eq/le/ge and remainder-by-self are exercised
    for (let i = 0; i < Math.min(aSize, bSize); i += 5) data(b)[i] = data(a)[i];
    const out = (): HostStorage => (["eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr", "logicalXor"].includes(op) ? u8(new Uint8Array(prod(shape))) : f32(new Float32Array(prod(shape))));
    same(`binary ${op} ${JSON.stringify({ shape, aStrides, bStrides })}`, [a, b, out()], (be, [x, y, o]) => be.binary(op, x, aStrides, y, bStrides, o, shape));
  }

  test("binary: contiguous, scalar, row/column broadcast and general strides", () => {
    for (const op of BINARY_OPS) {
      for (const n of SIZES) binaryCase(op, [n], [1], [1], n, n);
      binaryCase(op, [], [], [], 1, 1);
      binaryCase(op, [17, 33], [33, 1], [0, 0], 17 * 33, 1); // scalar b
      binaryCase(op, [17, 33], [0, 0], [33, 1], 1, 17 * 33); // scalar a
      binaryCase(op, [17, 33], [33, 1], [0, 1], 17 * 33, 33); // row broadcast [m,n] ⊙ [n]
      binaryCase(op, [17, 33], [33, 1], [1, 0], 17 * 33, 17); // column broadcast [m,n] ⊙ [m,1]
      binaryCase(op, [17, 33], [1, 17], [33, 1], 17 * 33, 17 * 33); // transposed a
      binaryCase(op, [3, 5, 7, 2], [70, 2, 10, 1], [0, 7, 1, 0], 210, 35); // permuted + broadcast 4-D
      binaryCase(op, [301, 1000], [1000, 1], [0, 1], 301000, 1000); // threaded rows
      binaryCase(op, [1, 70001], [70001, 1], [0, 0], 70001, 1); // one long threaded row
    }
  });

  test("binaryScalar: both orders and special scalars", () => {
    for (const op of BINARY_OPS) {
      const cmp = ["eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr", "logicalXor"].includes(op);
      for (const s of [2.5, -3, 0, NaN, Infinity]) {
        for (const reversed of [false, true]) {
          for (const n of [0, 1, 17, 70001]) {
            const o = cmp ? u8(new Uint8Array(n)) : f32(new Float32Array(n));
            same(`binaryScalar ${op} s=${s} reversed=${reversed} n=${n}`, [f32(special(n)), o], (b, [x, out]) => b.binaryScalar(op, x, s, out, n, reversed));
          }
        }
      }
    }
  });

  test("binary: int32 operands fall back to js (truncating division)", () => {
    const a = i32([7, -7, 9, 100]), b = i32([2, 2, -4, 7]);
    same("binary int32 div", [a, b, i32([0, 0, 0, 0])], (be, [x, y, o]) => be.binary("div", x, [1], y, [1], o, [4]));
  });

  test("where: broadcast condition and operands", () => {
    const cases: [number[], number[], number[], number[]][] = [
      [[0], [1], [1], [1]],
      [[100], [1], [1], [1]],
      [[17, 33], [33, 1], [33, 1], [0, 1]],
      [[17, 33], [1, 0], [0, 1], [33, 1]],
      [[5, 4, 3], [0, 3, 1], [12, 3, 1], [0, 0, 0]],
      [[300, 1001], [1001, 1], [1001, 1], [1, 0]],
    ];
    for (const [shape, cs, as, bs] of cases) {
      const size = (st: number[]): number => (shape.length === 0 ? 1 : Math.max(1, shape.reduce((acc, d, i) => acc + (d - 1) * st[i], 0) + 1));
      const cond = u8(Array.from(randn(size(cs)), (v) => (v > 0 ? 1 : 0)));
      same(`where ${JSON.stringify(shape)}`, [cond, f32(randn(size(as))), f32(randn(size(bs))), f32(new Float32Array(prod(shape)))], (be, [c, a, b, o]) => be.where(c, cs, a, as, b, bs, o, shape));
    }
  });

  // ---- reductions ----
  const RSHAPES: [number, number, number][] = [[1, 0, 1], [3, 0, 2], [1, 1, 1], [3, 7, 1], [2, 17, 33], [5, 100, 3], [1, 100003, 1], [64, 513, 1], [4, 33, 700], [0, 5, 3]];

  test("reduce: sum/prod/max/min over [outer, r, inner], with and without NaN", () => {
    for (const op of ["sum", "prod", "max", "min"] as ReduceOp[]) {
      for (const [outer, r, inner] of RSHAPES) {
        for (const withNaN of [false, true]) {
          const n = outer * r * inner;
          const x = op === "prod" ? randn(n, 0.3).map((v) => 1 + v) : randn(n);
          if (withNaN && n > 0) x[Math.floor(n / 2)] = NaN;
          same(`reduce ${op} ${[outer, r, inner]} nan=${withNaN}`, [f32(x), f32(new Float32Array(outer * inner))], (b, [xx, o]) => b.reduce(op, xx, o, outer, r, inner), 1e-5, 1e-5);
        }
      }
    }
  });

  test("argReduce: first extreme index, NaN wins, ties keep the first", () => {
    for (const op of ["argmax", "argmin"] as const) {
      for (const [outer, r, inner] of RSHAPES.filter(([, r]) => r > 0)) {
        for (const mode of ["plain", "nan", "ties"]) {
          const n = outer * r * inner;
          const x = mode === "ties" ? randn(n).map((v) => Math.round(v)) : randn(n);
          if (mode === "nan" && n > 0) x[Math.floor(n / 3)] = NaN;
          same(`${op} ${[outer, r, inner]} ${mode}`, [f32(x), i32(new Int32Array(outer * inner))], (b, [xx, o]) => b.argReduce(op, xx, o, outer, r, inner));
        }
      }
    }
  });

  // ---- nn kernels ----
  const SM: [number, number][] = [[1, 1], [3, 7], [17, 33], [100, 1000], [2, 100003], [0, 5]];

  test("softmax and log-softmax, forward and backward", () => {
    for (const log of [false, true]) {
      for (const [rows, cols] of SM) {
        const x = randn(rows * cols, 3);
        if (rows > 1 && cols > 1) for (let j = 0; j < cols; j++) x[cols + j] = -Infinity; // a fully masked row gives NaN
        same(`softmax log=${log} ${rows}x${cols}`, [f32(x), f32(new Float32Array(rows * cols))], (b, [xx, o]) => b.softmax(xx, o, rows, cols, log));
        const y = f32(new Float32Array(rows * cols));
        js.softmax(f32(randn(rows * cols)), y, rows, cols, log);
        same(`softmaxGrad log=${log} ${rows}x${cols}`, [y, f32(randn(rows * cols)), f32(new Float32Array(rows * cols))], (b, [yy, g, o]) => b.softmaxGrad(yy, g, o, rows, cols, log), 1e-5, 1e-5);
      }
    }
  });

  test("layerNorm forward and backward, with and without affine params", () => {
    for (const [rows, cols] of [[1, 1], [3, 7], [17, 33], [64, 768], [3, 10001]] as [number, number][]) {
      for (const affine of [false, true]) {
        const x = randn(rows * cols, 2).map((v) => v + 5);
        const w = affine ? f32(randn(cols)) : null, bias = affine ? f32(randn(cols)) : null;
        const outs = (): HostStorage[] => [f32(new Float32Array(rows * cols)), f32(new Float32Array(rows)), f32(new Float32Array(rows))];
        same(`layerNorm ${rows}x${cols} affine=${affine}`, [f32(x), ...outs()], (b, [xx, o, mu, rs]) => b.layerNorm(xx, w, bias, o, mu, rs, rows, cols, 1e-5));
        const mean = f32(new Float32Array(rows)), rstd = f32(new Float32Array(rows));
        js.layerNorm(f32(x), w, bias, f32(new Float32Array(rows * cols)), mean, rstd, rows, cols, 1e-5);
        const gw = affine ? f32(new Float32Array(cols)) : f32(new Float32Array(0)), gb = affine ? f32(new Float32Array(cols)) : f32(new Float32Array(0));
        same(`layerNormGrad ${rows}x${cols} affine=${affine}`, [f32(x), f32(randn(rows * cols)), f32(new Float32Array(rows * cols)), gw, gb],
          (b, [xx, gy, gx, gww, gbb]) => b.layerNormGrad(xx, w, mean, rstd, gy, gx, affine ? gww : null, affine ? gbb : null, rows, cols), 1e-4, 1e-5);
      }
    }
  });

  test("adamStep: Adam and AdamW, with and without weight decay", () => {
    for (const n of [0, 1, 17, 100003]) {
      for (const [decoupled, weightDecay] of [[false, 0], [false, 0.01], [true, 0.1]] as [boolean, number][]) {
        for (const step of [1, 10]) {
          const p = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, decoupled, step };
          same(`adamStep n=${n} ${JSON.stringify(p)}`, [f32(randn(n)), f32(randn(n)), f32(randn(n, 0.1)), f32(randn(n, 0.1).map(Math.abs))], (b, [pp, g, m, v]) => b.adamStep(pp, g, m, v, n, p), 1e-5, 1e-6);
        }
      }
    }
  });

  function conv(n: number, c: number, h: number, w: number, kh: number, kw: number, s: number, pad: number, dil: number): ConvGeometry {
    const oh = Math.floor((h + 2 * pad - dil * (kh - 1) - 1) / s) + 1, ow = Math.floor((w + 2 * pad - dil * (kw - 1) - 1) / s) + 1;
    return { n, c, h, w, kh, kw, strideH: s, strideW: s, padH: pad, padW: pad, dilationH: dil, dilationW: dil, oh, ow };
  }
  const GEOMS = [conv(1, 1, 1, 1, 1, 1, 1, 0, 1), conv(2, 3, 7, 9, 3, 3, 1, 1, 1), conv(2, 3, 8, 8, 3, 3, 2, 1, 1), conv(1, 2, 11, 13, 3, 2, 1, 2, 2), conv(4, 16, 17, 17, 5, 5, 2, 2, 1)];

  test("im2col and col2im over strides, padding and dilation", () => {
    for (const g of GEOMS) {
      const xs = g.n * g.c * g.h * g.w, cs = g.n * g.c * g.kh * g.kw * g.oh * g.ow;
      same(`im2col ${JSON.stringify(g)}`, [f32(randn(xs)), f32(new Float32Array(cs))], (b, [x, c]) => b.im2col(x, c, g));
      same(`col2im ${JSON.stringify(g)}`, [f32(randn(cs)), f32(new Float32Array(xs))], (b, [c, x]) => b.col2im(c, x, g));
    }
  });

  test("maxPool2d forward (values and argmax) and backward", () => {
    for (const g of GEOMS) {
      const p: PoolGeometry = { ...g, planes: g.n * g.c, countIncludePad: true };
      const x = randn(p.planes * g.h * g.w);
      if (x.length > 10) x[10] = NaN;
      const no = p.planes * g.oh * g.ow;
      same(`maxPool2d ${JSON.stringify(g)}`, [f32(x), f32(new Float32Array(no)), i32(new Int32Array(no))], (b, [xx, o, a]) => b.maxPool2d(xx, o, a, p));
      const am = i32(new Int32Array(no));
      js.maxPool2d(f32(x), f32(new Float32Array(no)), am, p);
      same(`maxPool2dGrad ${JSON.stringify(g)}`, [f32(randn(no)), am, f32(new Float32Array(x.length))], (b, [gy, a, gx]) => b.maxPool2dGrad(gy, a, gx, p));
    }
  });

  // ---- memory and indexing ----
  test("copyStrided: transposes, permutes, slices, broadcasts, reversed strides and other dtypes", () => {
    const cases: [number[], number, number[], number, number[], number, number][] = [
      // shape, srcOffset, srcStrides, dstOffset, dstStrides, srcSize, dstSize
      [[], 3, [], 1, [], 5, 2],
      [[0, 4], 0, [4, 1], 0, [4, 1], 1, 1],
      [[100], 0, [1], 0, [1], 100, 100],
      [[17, 33], 0, [1, 17], 0, [33, 1], 561, 561], // 2-D transpose
      [[129, 65], 0, [1, 129], 0, [65, 1], 129 * 65, 129 * 65],
      [[3, 4, 5], 0, [1, 3, 12], 0, [20, 5, 1], 60, 60], // permute
      [[2, 3, 4, 5], 0, [60, 4, 1, 12], 0, [60, 20, 5, 1], 120, 120],
      [[5, 7], 13, [20, 2], 3, [7, 1], 120, 40], // strided slice with offsets
      [[6, 9], 0, [0, 1], 0, [9, 1], 9, 54], // row broadcast
      [[6, 9], 0, [1, 0], 0, [9, 1], 6, 54], // column broadcast
      [[4, 6], 23, [-6, -1], 0, [6, 1], 24, 24], // flipped
      [[300, 1000], 0, [1, 300], 0, [1000, 1], 300000, 300000], // threaded transpose
      [[1000, 300], 5, [300, 1], 0, [300, 1], 300005, 300000], // threaded contiguous rows
    ];
    for (const [shape, so, ss, dof, ds, srcSize, dstSize] of cases) {
      const what = `copyStrided ${JSON.stringify({ shape, ss, ds })}`;
      same(what, [f32(randn(srcSize)), f32(new Float32Array(dstSize))], (b, [s, d]) => b.copyStrided(s, so, ss, d, dof, ds, shape));
      same(`${what} int32`, [i32(Array.from(randn(srcSize), (v) => Math.round(v * 1000))), i32(new Int32Array(dstSize))], (b, [s, d]) => b.copyStrided(s, so, ss, d, dof, ds, shape));
      same(`${what} bool`, [u8(Array.from(randn(srcSize), (v) => (v > 0 ? 1 : 0))), u8(new Uint8Array(dstSize))], (b, [s, d]) => b.copyStrided(s, so, ss, d, dof, ds, shape));
    }
  });

  test("copyStrided: out-of-bounds strides throw", () => {
    assert.throws(() => cpu!.copyStrided(f32(new Float32Array(10)), 0, [1], f32(new Float32Array(20)), 0, [1], [11]), /out of bounds/);
  });

  test("fill: float32 (large and small) and other dtypes", () => {
    for (const n of [0, 5, 100003]) {
      same(`fill f32 n=${n}`, [f32(randn(n))], (b, [s]) => b.fill(s, 2.5));
      same(`fill i32 n=${n}`, [i32(new Int32Array(n))], (b, [s]) => b.fill(s, 7));
      same(`fill bool n=${n}`, [u8(new Uint8Array(n))], (b, [s]) => b.fill(s, 3));
    }
  });

  test("indexSelect and indexAdd (embedding forward/backward, repeated indices)", () => {
    for (const [outer, rx, nIdx, inner] of [[1, 1, 1, 1], [1, 10, 7, 1], [1, 50, 33, 17], [3, 20, 100, 5], [1, 1000, 512, 256], [2, 5, 0, 3]] as [number, number, number, number][]) {
      const idx = i32(Array.from({ length: nIdx }, (_, j) => (j * 7 + 3) % rx));
      same(`indexSelect ${[outer, rx, nIdx, inner]}`, [f32(randn(outer * rx * inner)), idx, f32(new Float32Array(outer * nIdx * inner))], (b, [x, ix, o]) => b.indexSelect(x, ix, o, outer, rx, nIdx, inner));
      same(`indexAdd ${[outer, rx, nIdx, inner]}`, [f32(randn(outer * nIdx * inner)), idx, f32(randn(outer * rx * inner))], (b, [s, ix, o]) => b.indexAdd(s, ix, o, outer, rx, nIdx, inner));
    }
    assert.throws(() => cpu!.indexSelect(f32(new Float32Array(4)), i32([4]), f32(new Float32Array(1)), 1, 4, 1, 1), /index out of range/);
  });
});
