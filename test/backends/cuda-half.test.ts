// bfloat16 / float16 in the cuda backend. Part (a) needs no GPU: a stand-in addon records what the TS
// side passes (dtype codes 3 and 4, 2-byte elements). Part (b) runs every native half kernel on the GPU
// against the js backend run on float32 copies and then rounded to the half, skipped (saying why) where
// there is no built addon or no GPU.
import assert from "node:assert/strict";
import { test } from "node:test";
import { broadcastStrides } from "../../src/tensor/shape.js";
import { JsBackend, type Backend, type DType, type Storage, type TypedArray } from "../../src/index.js";
import type { BinaryOp, MatmulParams, ReduceOp, StridedMatmulParams, UnaryOp } from "../../src/backends/backend.js";
import { loadCudaBackend } from "../../src/backends/cuda/load.js";
import { CUDA_HALF_KERNELS, CudaBackend, CudaStorage } from "../../src/backends/cuda/index.js";
import type { CudaAddon, CudaDeviceInfo, CudaHandle } from "../../src/backends/cuda/addon.js";
import { float32ToHalf, halfToFloat32, type HalfDType } from "../../src/tensor/half.js";
import { mulberry32 } from "../../src/tensor/random.js";

const HALVES: readonly HalfDType[] = ["bfloat16", "float16"];
const CODE = { float32: 0, int32: 1, bool: 2, bfloat16: 3, float16: 4 } as const;

// ================= (a) the TS side, with a stand-in addon =================

interface Call {
  name: string;
  args: unknown[];
}

/** A stand-in addon recording every call; alloc hands out a fresh opaque handle. */
function recordingBackend(): { backend: CudaBackend; calls: Call[] } {
  const calls: Call[] = [];
  const addon = new Proxy({} as CudaAddon, {
    get: (_target, name) => (...args: unknown[]): unknown => {
      calls.push({ name: String(name), args });
      return name === "alloc" ? ({} as CudaHandle) : undefined;
    },
  });
  const info: CudaDeviceInfo = { ok: true, reason: "" };
  return { backend: new CudaBackend(addon, info), calls };
}
const st = (size: number, dtype: DType): CudaStorage => new CudaStorage({} as CudaHandle, dtype, size);
function only(calls: Call[], name: string): unknown[] {
  const hits = calls.filter((c) => c.name === name);
  assert.equal(hits.length, 1, `expected one ${name} call, got ${hits.length}`);
  return hits[0].args;
}

test("cuda half: halfKernels lists exactly the kernels made native", () => {
  const { backend } = recordingBackend();
  const want = ["binary", "binaryScalar", "flashAttention", "flashAttentionGrad", "gather", "indexSelect", "matmul", "matmulStrided", "reduce", "unary", "unaryGrad", "where"];
  assert.deepEqual([...(backend.halfKernels ?? [])].sort(), want);
  assert.equal(backend.halfKernels, CUDA_HALF_KERNELS);
  // every name is a kernel of the backend; the float32-only and atomic kernels stay emulated
  for (const k of want) assert.equal(typeof (backend as unknown as Record<string, unknown>)[k], "function", k);
  for (const k of ["scatterAdd", "indexAdd", "softmax", "layerNorm", "crossEntropy", "adamStep", "sort", "cumsum", "argReduce"]) {
    assert.equal(backend.halfKernels?.has(k), false, `${k} must stay emulated`);
  }
});

test("cuda half: memory methods size halves at 2 bytes and pass dtype codes 3 and 4", () => {
  for (const dtype of HALVES) {
    const { backend, calls } = recordingBackend();
    const s = backend.alloc(dtype, 10);
    assert.deepEqual(only(calls, "alloc"), [20, true]);
    backend.fill(s, 0.1);
    assert.deepEqual(only(calls, "fill").slice(1), [CODE[dtype], 10, 0.1]);
    const f = st(10, "float32");
    backend.cast(f, s);
    backend.cast(s, st(10, "int32"));
    const casts = calls.filter((c) => c.name === "cast").map((c) => [c.args[1], c.args[3], c.args[4]]);
    assert.deepEqual(casts, [[0, CODE[dtype], 10], [CODE[dtype], 1, 10]]);
    const dst = st(10, dtype);
    backend.copyStrided(s, 1, [1, 3], dst, 0, [3, 1], [3, 3]);
    assert.deepEqual(only(calls, "copyStrided").slice(1), [1, [1, 3], dst.handle, 0, [3, 1], [3, 3], 2]);
    const d = backend.download(s);
    assert.ok(d instanceof Uint16Array && d.length === 10, "download gives the bit patterns");
  }
});

test("cuda half: upload takes bit patterns as they are and rounds numbers to nearest even", () => {
  const { backend, calls } = recordingBackend();
  const bits = new Uint16Array([0x3f80, 0x7fc0, 0x0001]);
  backend.upload(bits, "bfloat16");
  assert.equal(only(calls, "upload")[1], bits);
  const values = new Float32Array([1 + 2 ** -8, 1 + 3 * 2 ** -8, 65520, -0]);
  for (const dtype of HALVES) {
    const r = recordingBackend();
    r.backend.upload(values, dtype);
    const sent = only(r.calls, "upload")[1];
    assert.ok(sent instanceof Uint16Array);
    assert.deepEqual([...sent], [...float32ToHalf(values, dtype)]);
  }
  // the ties went to even: 1 + 2^-8 → 1, 1 + 3·2^-8 → 1 + 2^-6 in bfloat16
  const r = recordingBackend();
  r.backend.upload(values, "bfloat16");
  assert.deepEqual([...(only(r.calls, "upload")[1] as Uint16Array)].slice(0, 2), [0x3f80, 0x3f82]);
  assert.throws(() => backend.upload(bits, "float32"), /Uint16Array holds 16-bit float bits, not float32/);
});

test("cuda half: elementwise, reduce and indexing kernels pass each storage's dtype code or element size", () => {
  for (const dtype of HALVES) {
    const c = CODE[dtype];
    const { backend, calls } = recordingBackend();
    const x = st(6, dtype), o = st(6, dtype), f = st(6, "float32"), b = st(6, "bool"), idx = st(6, "int32");
    backend.unary("exp", x, o, 6);
    assert.deepEqual([only(calls, "unary")[2], only(calls, "unary")[4]], [c, c]);
    backend.unaryGrad("tanh", x, x, f, o, 6);
    assert.deepEqual(only(calls, "unaryGrad").slice(10), [c, c, 0, c]);
    backend.binary("add", x, [1], f, [1], f, [6]);
    const bin = only(calls, "binary");
    assert.deepEqual([bin[2], bin[5], bin[8]], [c, 0, 0]);
    backend.binaryScalar("lt", x, 0.5, b, 6, true);
    assert.deepEqual(only(calls, "binaryScalar").slice(2), [c, 0.5, b.handle, 2, 6, true]);
    backend.reduce("sum", x, f, 2, 3, 1);
    assert.deepEqual([only(calls, "reduce")[2], only(calls, "reduce")[4]], [c, 0]);
    backend.where(b, [1], x, [1], x, [1], o, [6]);
    assert.deepEqual([only(calls, "where")[1], only(calls, "where")[8]], [2, 2]);
    backend.gather(x, idx, o, 1, 6, 6, 1);
    assert.equal(only(calls, "gather")[1], 2);
    backend.indexSelect(x, idx, o, 1, 6, 6, 1);
    assert.equal(only(calls, "indexSelect")[1], 2);
  }
});

test("cuda half: unaryGrad and matmul refuse dtypes they do not take, naming them", () => {
  const { backend, calls } = recordingBackend();
  const h = st(4, "bfloat16"), i = st(4, "int32");
  assert.throws(() => backend.unaryGrad("exp", h, h, i, h, 4), /unaryGrad: gy must be float32, bfloat16 or float16, got int32/);
  const p: MatmulParams = { batch: 1, m: 2, n: 2, k: 2, transA: false, transB: false, strideA: 4, strideB: 4 };
  assert.throws(() => backend.matmul(h, st(4, "float32"), h, p), /matmul needs a, b and out of one dtype .* got bfloat16, float32 and bfloat16/);
  assert.throws(() => backend.matmul(i, i, i, p), /got int32, int32 and int32/);
  assert.equal(calls.length, 0, "nothing was launched");
});

test("cuda half: matmul and matmulStrided pass the operands' half dtype code to cuBLAS", () => {
  for (const dtype of [...HALVES, "float32"] as const) {
    const { backend, calls } = recordingBackend();
    const a = st(12, dtype), b = st(12, dtype), o = st(12, dtype);
    backend.matmul(a, b, o, { batch: 1, m: 3, n: 3, k: 4, transA: false, transB: true, strideA: 12, strideB: 12 });
    assert.equal(only(calls, "gemm")[3], CODE[dtype]);
    const sp: StridedMatmulParams = { batch: 1, m: 2, n: 2, k: 2, transA: false, transB: false, strideA: 0, strideB: 0, strideC: 0, lda: 4, ldb: 4, ldc: 4, offsetA: 1, offsetB: 2, offsetC: 0 };
    backend.matmulStrided(a, b, o, sp);
    assert.equal(only(calls, "gemmStrided")[3], CODE[dtype]);
  }
});

// ================= (b) the GPU against the js reference =================

const loaded = loadCudaBackend();
const cuda = loaded.backend;
const skip: string | false = cuda ? false : `cuda backend unavailable: ${loaded.reason}`;
if (!cuda) console.log(`# cuda half GPU tests skipped: ${loaded.reason}`);
const js = new JsBackend();
const rnd = mulberry32(2024);

function uniform(n: number, lo = -3, hi = 3): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rnd();
  return a;
}
/** Values already on the half's grid (so both sides start from the same numbers), with a few specials mixed in. */
function halfValues(dtype: HalfDType, n: number, lo = -3, hi = 3, specials: readonly number[] = []): Float32Array {
  const v = uniform(n, lo, hi);
  specials.forEach((s, i) => (v[(i * 7) % n] = s));
  return halfToFloat32(float32ToHalf(v, dtype), dtype);
}
const isHalfDtype = (d: DType): d is HalfDType => d === "bfloat16" || d === "float16";
/** Host values of a storage's contents as numbers (halves decoded). */
function values(data: TypedArray, dtype: DType): Float64Array {
  const f = isHalfDtype(dtype) ? halfToFloat32(data as Uint16Array, dtype) : data;
  return Float64Array.from(f as ArrayLike<number>);
}
/** A value as the given dtype would hold it (the reference's last rounding). */
function roundTo(v: ArrayLike<number>, dtype: DType): Float64Array {
  if (isHalfDtype(dtype)) return Float64Array.from(halfToFloat32(float32ToHalf(v, dtype), dtype));
  if (dtype === "float32") return Float64Array.from(Float32Array.from(v));
  if (dtype === "int32") return Float64Array.from(Int32Array.from(Array.from(v, (x) => Math.trunc(x))));
  return Float64Array.from(v, (x) => (x !== 0 ? 1 : 0));
}
/** Bits of the half's last place at |w|: 2^-7·2^e for bfloat16, 2^-10·2^e for float16, floored at subnormals. */
function ulp(w: number, dtype: DType): number {
  if (dtype === "float32") return 2 ** -23 * 2 ** Math.max(Math.floor(Math.log2(Math.abs(w) || 2 ** -126)), -126);
  const [mant, minExp] = dtype === "bfloat16" ? [7, -126] : [10, -14];
  const e = w === 0 || !Number.isFinite(w) ? minExp : Math.max(Math.floor(Math.log2(Math.abs(w))), minExp);
  return 2 ** (e - mant);
}
/**
 * got and want agree when equal (NaN with NaN, ±inf with itself) or at most `ulps` of the output
 * dtype's last place apart: float arithmetic on the device against double in js can round a value that
 * lies near the midpoint of two halves to the other one.
 */
function assertHalfClose(what: string, got: Float64Array, want: Float64Array, dtype: DType, ulps = 1, atol = 0): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i];
    if (Object.is(g, w) || g === w || (Number.isNaN(g) && Number.isNaN(w))) continue;
    const tol = dtype === "bool" || dtype === "int32" ? 0 : ulps * ulp(w, dtype) + atol;
    if (!(Math.abs(g - w) <= tol)) assert.fail(`${what}: element ${i}: cuda ${g} vs reference ${w} (tolerance ${tol})`);
  }
}

interface Operand {
  /** Values on the operand dtype's grid. */
  v: ArrayLike<number>;
  dtype: DType;
}
function uploadTo(b: Backend, o: Operand): Storage {
  if (isHalfDtype(o.dtype)) return b.upload(float32ToHalf(o.v, o.dtype), o.dtype);
  const data = o.dtype === "float32" ? Float32Array.from(o.v) : o.dtype === "int32" ? Int32Array.from(o.v) : Uint8Array.from(o.v);
  return b.upload(data, o.dtype);
}
/** The reference's dtype for an operand: halves become float32 copies. */
const wide = (d: DType): DType => (isHalfDtype(d) ? "float32" : d);

/**
 * Runs `fn` on cuda with the operands as given and on js with float32 copies of the half operands; returns
 * each output's cuda values and the js values rounded to the output's dtype.
 */
function versus(inputs: Operand[], outputs: { dtype: DType; size: number }[], fn: (b: Backend, ins: Storage[], outs: Storage[]) => void): { got: Float64Array[]; want: Float64Array[] } {
  const c = cuda as Backend;
  const cin = inputs.map((o) => uploadTo(c, o));
  const cout = outputs.map((o) => c.alloc(o.dtype, o.size));
  fn(c, cin, cout);
  const got = cout.map((s, i) => values(c.download(s), outputs[i].dtype));
  const jin = inputs.map((o) => uploadTo(js, { v: o.v, dtype: wide(o.dtype) }));
  const jout = outputs.map((o) => js.alloc(wide(o.dtype), o.size));
  fn(js, jin, jout);
  const want = jout.map((s, i) => roundTo(values(js.download(s), wide(outputs[i].dtype)), outputs[i].dtype));
  for (const s of cin.concat(cout)) c.release(s);
  return { got, want };
}

const UNARY: UnaryOp[] = ["neg", "abs", "sign", "exp", "expm1", "log", "log1p", "sqrt", "rsqrt", "square", "reciprocal", "sin", "cos", "tanh", "sigmoid", "relu", "leakyRelu", "elu", "gelu", "geluTanh", "silu", "softplus", "erf", "floor", "ceil", "round", "trunc", "clamp", "powScalar", "logicalNot", "isnan", "isinf"];
const BINARY: BinaryOp[] = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "atan2", "remainder", "eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr", "logicalXor"];
const CMP = new Set<BinaryOp>(["eq", "ne", "lt", "le", "gt", "ge", "logicalAnd", "logicalOr", "logicalXor"]);
const BOOL_UNARY = new Set<UnaryOp>(["logicalNot", "isnan", "isinf"]);
const SPECIALS = [0, -0, 0.5, -0.5, 1.5, 2.5, -2.5, NaN, Infinity, -Infinity];

test("cuda half: cast between every pair of dtypes, with round-to-nearest-even ties, NaN and inf", { skip }, () => {
  const c = cuda as Backend;
  // float32 sources: ties of both halves, overflow, subnormals, NaN, ±inf, ±0, values that truncate toward zero
  const f32 = new Float32Array([
    1 + 2 ** -8, 1 + 3 * 2 ** -8, -(1 + 2 ** -8), 1 + 2 ** -11, 1 + 3 * 2 ** -11, 65504, 65519, 65520, 1e6, 3.4e38, 2 ** -25, 3 * 2 ** -25, 2 ** -24, 1e-40,
    NaN, Infinity, -Infinity, 0, -0, 2.5, -2.5, 2.7, -2.7, 0.1, 1 / 3, 2 ** 31, -(2 ** 31) - 1e4, 16777217,
  ]);
  const n = f32.length;
  const sources: Record<DType, TypedArray> = {
    float32: f32,
    int32: Int32Array.from([0, 1, -1, 255, 257, 2049, 16777217, 2147483647, -2147483648, 65519, 65520, 100000, 7, -7, 3, 5, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31]),
    bool: Uint8Array.from(f32, (_, i) => i % 3 === 0 ? 1 : 0),
    bfloat16: js.download(js.upload(f32, "bfloat16")),
    float16: js.download(js.upload(f32, "float16")),
  };
  const dtypes: DType[] = ["float32", "int32", "bool", "bfloat16", "float16"];
  for (const from of dtypes) {
    for (const to of dtypes) {
      if (!isHalfDtype(from) && !isHalfDtype(to)) continue; // the float32/int32/bool pairs are cuda.test.ts's
      const src = c.upload(sources[from], from), dst = c.alloc(to, n);
      c.cast(src, dst);
      const got = c.download(dst);
      const jsrc = js.upload(sources[from], from), jdst = js.alloc(to, n);
      js.cast(jsrc, jdst);
      const want = js.download(jdst);
      const gv = values(got, to), wv = values(want, to);
      for (let i = 0; i < n; i++) {
        if (Number.isNaN(wv[i]) && Number.isNaN(gv[i])) continue;
        assert.ok(Object.is(gv[i], wv[i]), `cast ${from} → ${to}: element ${i} (${sources[from][i]}): cuda ${gv[i]} vs js ${wv[i]}`);
      }
      c.release(src);
      c.release(dst);
    }
  }
});

test("cuda half: fill rounds the number to the half's nearest bit pattern", { skip }, () => {
  const c = cuda as Backend;
  for (const dtype of HALVES) {
    for (const v of [0.1, 1 + 2 ** -8, 65520, -1e-30, NaN, -Infinity, 1e9]) {
      const s = c.alloc(dtype, 37);
      c.fill(s, v);
      const got = values(c.download(s), dtype), want = roundTo([v], dtype)[0];
      for (const g of got) assert.ok(Object.is(g, want) || (Number.isNaN(g) && Number.isNaN(want)), `fill ${dtype} with ${v}: got ${g}, want ${want}`);
      c.release(s);
    }
  }
});

test("cuda half: unary, every op, half in and half (or bool) out", { skip }, () => {
  const n = 1031;
  for (const dtype of HALVES) {
    const x = halfValues(dtype, n, -4, 4, SPECIALS);
    for (const op of UNARY) {
      const od: DType = BOOL_UNARY.has(op) ? "bool" : dtype;
      const p = op === "clamp" ? { min: -1.25, max: 0.75 } : op === "powScalar" ? { exponent: 3 } : op === "leakyRelu" || op === "elu" ? { alpha: 0.2 } : {};
      const { got, want } = versus([{ v: x, dtype }], [{ dtype: od, size: n }], (b, [xs], [o]) => b.unary(op, xs, o, n, p));
      assertHalfClose(`unary ${op} ${dtype}`, got[0], want[0], od);
    }
  }
});

test("cuda half: unaryGrad, every differentiable op, halves alone and mixed with float32", { skip }, () => {
  const n = 517;
  for (const dtype of HALVES) {
    const x = halfValues(dtype, n, 0.05, 3); // positive: log, sqrt and rsqrt have real gradients
    const gy = halfValues(dtype, n, -2, 2);
    for (const op of UNARY) {
      if (BOOL_UNARY.has(op)) continue;
      const p = op === "clamp" ? { min: 0.5, max: 2 } : op === "powScalar" ? { exponent: 2.5 } : op === "leakyRelu" || op === "elu" ? { alpha: 0.2 } : {};
      // y = f(x) rounded to the half, as the forward pass stored it
      const yOut = versus([{ v: x, dtype }], [{ dtype, size: n }], (b, [xs], [o]) => b.unary(op, xs, o, n, p)).want[0];
      for (const gyd of [dtype, "float32"] as const) {
        const gxd = gyd;
        const { got, want } = versus([{ v: x, dtype }, { v: yOut, dtype }, { v: gy, dtype: gyd }], [{ dtype: gxd, size: n }], (b, [xs, ys, gs], [gx]) => b.unaryGrad(op, xs, ys, gs, gx, n, p));
        // gy·f'(x) in float: one rounding to the output, plus float32-level differences in f'
        assertHalfClose(`unaryGrad ${op} ${dtype} (gy ${gyd})`, got[0], want[0], gxd, gxd === "float32" ? 64 : 1);
      }
    }
  }
});

test("cuda half: binary, every op on two halves, broadcast and flat", { skip }, () => {
  const shapes: [number[], number[], number[]][] = [
    [[5, 7], [5, 7], [5, 7]], // flat
    [[5, 7], [1, 1], [5, 7]], // b broadcast from one element
    [[4, 1, 6], [3, 1], [4, 3, 6]], // both broadcast
  ];
  for (const dtype of HALVES) {
    for (const [as, bs, os] of shapes) {
      const na = as.reduce((p, q) => p * q, 1), nb = bs.reduce((p, q) => p * q, 1), no = os.reduce((p, q) => p * q, 1);
      const a = halfValues(dtype, na, -3, 3, [0, NaN, Infinity, 2]);
      const b = halfValues(dtype, nb, -3, 3, [2]);
      for (const op of BINARY) {
        const od: DType = CMP.has(op) ? "bool" : dtype;
        const { got, want } = versus([{ v: a, dtype }, { v: b, dtype }], [{ dtype: od, size: no }], (be, [sa, sb], [o]) => be.binary(op, sa, broadcastStrides(as, os), sb, broadcastStrides(bs, os), o, os));
        assertHalfClose(`binary ${op} ${dtype} ${JSON.stringify(as)}⊙${JSON.stringify(bs)}`, got[0], want[0], od);
      }
    }
  }
});

test("cuda half: binary mixes of float32, bfloat16, float16 (and int32) operands, each read by its own dtype", { skip }, () => {
  const os = [6, 9], as = [6, 9], bs = [9], n = 54;
  const mixes: [DType, DType, DType][] = [
    ["bfloat16", "float32", "float32"], ["float32", "float16", "float32"], ["bfloat16", "float16", "float32"],
    ["float32", "bfloat16", "bfloat16"], ["float16", "float32", "float16"], ["bfloat16", "bfloat16", "float32"],
    ["bfloat16", "int32", "bfloat16"], ["int32", "float16", "float16"], ["float16", "bool", "float16"],
  ];
  for (const [ad, bd, od] of mixes) {
    const gen = (d: DType, k: number): ArrayLike<number> =>
      d === "int32" ? Int32Array.from({ length: k }, () => Math.floor(rnd() * 9) - 4) : d === "bool" ? Uint8Array.from({ length: k }, () => (rnd() < 0.5 ? 1 : 0)) : isHalfDtype(d) ? halfValues(d, k) : uniform(k);
    const a = gen(ad, n), b = gen(bd, 9);
    for (const op of ["add", "sub", "mul", "div", "maximum", "pow", "lt", "eq"] as BinaryOp[]) {
      const o: DType = CMP.has(op) ? "bool" : od;
      const { got, want } = versus([{ v: a, dtype: ad }, { v: b, dtype: bd }], [{ dtype: o, size: n }], (be, [sa, sb], [so]) => be.binary(op, sa, broadcastStrides(as, os), sb, broadcastStrides(bs, os), so, os));
      assertHalfClose(`binary ${op} ${ad}⊙${bd}→${o}`, got[0], want[0], o);
    }
  }
});

test("cuda half: binaryScalar, every op, both orders", { skip }, () => {
  const n = 301;
  for (const dtype of HALVES) {
    const a = halfValues(dtype, n, -3, 3, [0, NaN, Infinity, 0.1]);
    for (const s of [0.1, -1.5, 2]) {
      for (const reversed of [false, true]) {
        for (const op of BINARY) {
          const od: DType = CMP.has(op) ? "bool" : dtype;
          const { got, want } = versus([{ v: a, dtype }], [{ dtype: od, size: n }], (b, [sa], [o]) => b.binaryScalar(op, sa, s, o, n, reversed));
          assertHalfClose(`binaryScalar ${op} ${dtype} ${s}${reversed ? " reversed" : ""}`, got[0], want[0], od);
        }
      }
    }
  }
});

test("cuda half: reduce sum/prod/max/min into halves and float32, rows and columns, long rows split", { skip }, () => {
  const shapes: [number, number, number][] = [[7, 33, 1], [3, 300, 5], [2, 70000, 1], [1, 2048, 40]];
  for (const dtype of HALVES) {
    for (const [outer, r, inner] of shapes) {
      const size = outer * r * inner;
      for (const op of ["sum", "prod", "max", "min"] as ReduceOp[]) {
        // products of many values leave the half's range: values near 1 for them
        const x = op === "prod" ? halfValues(dtype, size, 0.97, 1.03) : halfValues(dtype, size, -2, 2);
        for (const od of [dtype, "float32"] as const) {
          const { got, want } = versus([{ v: x, dtype }], [{ dtype: od, size: outer * inner }], (b, [sx], [o]) => b.reduce(op, sx, o, outer, r, inner));
          // js adds in double, the device in double in another order: float32 outputs agree to a few float32 ulps of Σ|x|
          const atol = op === "sum" && od === "float32" ? 2 ** -22 * r * 2 : 0;
          assertHalfClose(`reduce ${op} ${dtype} → ${od} [${outer}, ${r}, ${inner}]`, got[0], want[0], od, od === "float32" ? 4 : 1, atol);
        }
      }
    }
  }
});

test("cuda half: where, copyStrided, gather and indexSelect move 16-bit elements exactly", { skip }, () => {
  const c = cuda as Backend;
  for (const dtype of HALVES) {
    // where with broadcast condition and operands
    const os = [4, 5, 6];
    const cond = Uint8Array.from({ length: 30 }, () => (rnd() < 0.5 ? 1 : 0));
    const a = halfValues(dtype, 120, -3, 3, [NaN, -0]), b = halfValues(dtype, 6);
    let r = versus([{ v: cond, dtype: "bool" }, { v: a, dtype }, { v: b, dtype }], [{ dtype, size: 120 }], (be, [sc, sa, sb], [o]) =>
      be.where(sc, broadcastStrides([1, 5, 6], os), sa, broadcastStrides(os, os), sb, broadcastStrides([6], os), o, os));
    assertHalfClose(`where ${dtype}`, r.got[0], r.want[0], dtype, 0);

    // copyStrided: a transpose (elementwise kernel) and rows of 16 contiguous halves (the 16-byte vector path)
    const x = halfValues(dtype, 64 * 24);
    r = versus([{ v: x, dtype }], [{ dtype, size: 24 * 64 }], (be, [sx], [o]) => be.copyStrided(sx, 0, [1, 24], o, 0, [64, 1], [24, 64]));
    assertHalfClose(`copyStrided transpose ${dtype}`, r.got[0], r.want[0], dtype, 0);
    r = versus([{ v: x, dtype }], [{ dtype, size: 48 * 16 }], (be, [sx], [o]) => be.copyStrided(sx, 8, [32, 1], o, 0, [16, 1], [48, 16]));
    assertHalfClose(`copyStrided rows ${dtype}`, r.got[0], r.want[0], dtype, 0);

    // gather along the middle axis of [3, 8, 5], and indexSelect (with a repeated index)
    const g = halfValues(dtype, 120, -3, 3, [NaN, -0, Infinity]);
    const gi = Int32Array.from({ length: 3 * 4 * 5 }, () => Math.floor(rnd() * 8));
    r = versus([{ v: g, dtype }, { v: gi, dtype: "int32" }], [{ dtype, size: 60 }], (be, [sx, si], [o]) => be.gather(sx, si, o, 3, 8, 4, 5));
    assertHalfClose(`gather ${dtype}`, r.got[0], r.want[0], dtype, 0);
    const ii = Int32Array.from([7, 0, 3, 3, 1, 5]);
    r = versus([{ v: g, dtype }, { v: ii, dtype: "int32" }], [{ dtype, size: 3 * 6 * 5 }], (be, [sx, si], [o]) => be.indexSelect(sx, si, o, 3, 8, 6, 5));
    assertHalfClose(`indexSelect ${dtype}`, r.got[0], r.want[0], dtype, 0);
  }
  // the cuda storages above were released by versus(); the backend still answers
  assert.ok(c.alloc("bfloat16", 1));
});

/** C = op(A)·op(B) in float64 from the same half values (the exact product, up to double rounding) and Σ|a||b| per element. */
function product64(a: Float32Array, b: Float32Array, p: StridedMatmulParams): { exact: Float64Array; mag: Float64Array } {
  const exact = new Float64Array(p.batch * p.m * p.n), mag = new Float64Array(exact.length);
  for (let t = 0; t < p.batch; t++) {
    for (let i = 0; i < p.m; i++) {
      for (let j = 0; j < p.n; j++) {
        let s = 0, m = 0;
        for (let l = 0; l < p.k; l++) {
          const av = a[p.offsetA + t * p.strideA + (p.transA ? l * p.lda + i : i * p.lda + l)];
          const bv = b[p.offsetB + t * p.strideB + (p.transB ? j * p.ldb + l : l * p.ldb + j)];
          s += av * bv;
          m += Math.abs(av * bv);
        }
        exact[(t * p.m + i) * p.n + j] = s;
        mag[(t * p.m + i) * p.n + j] = m;
      }
    }
  }
  return { exact, mag };
}

test("cuda half: matmul and matmulStrided in bfloat16 and float16 with float32 accumulation", { skip }, () => {
  const c = cuda as Backend;
  const cases: { name: string; p: StridedMatmulParams; sizeA: number; sizeB: number }[] = [
    { name: "plain", p: { batch: 1, m: 33, n: 40, k: 257, transA: false, transB: false, strideA: 0, strideB: 0, strideC: 0, lda: 257, ldb: 40, ldc: 40, offsetA: 0, offsetB: 0, offsetC: 0 }, sizeA: 33 * 257, sizeB: 257 * 40 },
    { name: "transposed, batched", p: { batch: 3, m: 16, n: 24, k: 64, transA: true, transB: true, strideA: 16 * 64, strideB: 24 * 64, strideC: 16 * 24, lda: 16, ldb: 64, ldc: 24, offsetA: 0, offsetB: 0, offsetC: 0 }, sizeA: 3 * 16 * 64, sizeB: 3 * 24 * 64 },
    { name: "broadcast B", p: { batch: 2, m: 8, n: 8, k: 128, transA: false, transB: false, strideA: 8 * 128, strideB: 0, strideC: 64, lda: 128, ldb: 8, ldc: 8, offsetA: 0, offsetB: 0, offsetC: 0 }, sizeA: 2 * 8 * 128, sizeB: 128 * 8 },
  ];
  for (const dtype of HALVES) {
    const u = dtype === "bfloat16" ? 2 ** -7 : 2 ** -10;
    const check = (what: string, got: Float64Array, exact: Float64Array, mag: Float64Array, k: number): void => {
      for (let i = 0; i < exact.length; i++) {
        // one rounding to the half, plus fp32 accumulation error over k products
        const tol = u * Math.abs(exact[i]) + k * 2 ** -23 * mag[i] + 1e-30;
        if (!(Math.abs(got[i] - exact[i]) <= tol)) assert.fail(`${what}: element ${i}: cuda ${got[i]} vs float64 ${exact[i]} (tolerance ${tol})`);
      }
    };
    for (const { name, p, sizeA, sizeB } of cases) {
      const a = halfValues(dtype, sizeA, -1, 1), b = halfValues(dtype, sizeB, -1, 1);
      const { exact, mag } = product64(a, b, p);
      const sa = uploadTo(c, { v: a, dtype }), sb = uploadTo(c, { v: b, dtype }), so = c.alloc(dtype, exact.length);
      const mp: MatmulParams = { batch: p.batch, m: p.m, n: p.n, k: p.k, transA: p.transA, transB: p.transB, strideA: p.strideA, strideB: p.strideB };
      c.matmul(sa, sb, so, mp);
      check(`matmul ${name} ${dtype}`, values(c.download(so), dtype), exact, mag, p.k);
      // accumulate: C += A·B on top of the first result
      c.matmul(sa, sb, so, { ...mp, accumulate: true });
      const twice = Float64Array.from(exact, (v) => 2 * v), mag2 = Float64Array.from(mag, (v) => 2 * v);
      check(`matmul accumulate ${name} ${dtype}`, values(c.download(so), dtype), twice, mag2, p.k + 1);
      for (const s of [sa, sb, so]) c.release(s);
    }
    // matmulStrided: heads read out of a packed [t, 3·d] buffer at offsets, alpha and beta, C inside a bigger buffer
    const t = 12, d = 16, heads = 2, hd = 8;
    const qkv = halfValues(dtype, t * 3 * d, -1, 1);
    const p: StridedMatmulParams = { batch: heads, m: t, n: t, k: hd, transA: false, transB: true, strideA: hd, strideB: hd, strideC: t * t, lda: 3 * d, ldb: 3 * d, ldc: t, offsetA: 0, offsetB: d, offsetC: 5, alpha: 0.5, beta: 1 };
    const { exact, mag } = product64(qkv, qkv, p);
    const c0 = halfValues(dtype, 5 + heads * t * t + 3, -1, 1);
    const sq = uploadTo(c, { v: qkv, dtype }), sc = uploadTo(c, { v: c0, dtype });
    c.matmulStrided?.(sq, sq, sc, p);
    const got = values(c.download(sc), dtype);
    const want = Float64Array.from(exact, (v, i) => 0.5 * v + c0[5 + i]);
    const wmag = Float64Array.from(mag, (v, i) => 0.5 * v + Math.abs(c0[5 + i]));
    check(`matmulStrided ${dtype}`, got.subarray(5, 5 + exact.length), want, wmag, hd + 1);
    for (const i of [0, 1, 2, 3, 4, got.length - 3, got.length - 2, got.length - 1]) assert.equal(got[i], c0[i], `matmulStrided ${dtype}: element ${i} outside C was written`);
    c.release(sq);
    c.release(sc);
  }
});

