// The cuda backend's bfloat16/float16 FlashAttention-2 kernels. Without a GPU: a stand-in addon records
// which calls reach it and with which dtype code. With one: every output against float64 attention run on
// the same half-rounded inputs, and the memory outside each layout left as its NaN poison. GPU tests are
// skipped, printing why, where there is no built addon or no GPU.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Storage } from "../../src/index.js";
import type { AttentionLayout, FlashAttentionParams } from "../../src/backends/backend.js";
import { loadCudaBackend } from "../../src/backends/cuda/load.js";
import { CudaBackend, CudaStorage } from "../../src/backends/cuda/index.js";
import type { CudaAddon, CudaDeviceInfo, CudaHandle } from "../../src/backends/cuda/addon.js";
import type { DType } from "../../src/tensor/dtype.js";
import { float32ToHalf, halfToFloat32, type HalfDType } from "../../src/tensor/half.js";
import { mulberry32 } from "../../src/tensor/random.js";
import { assertUntouchedOutside, attentionReference, flashSetup, readHeads, rowStart, writeHeads, type FlashCase } from "../helpers/attention-reference.js";

const loaded = loadCudaBackend();
const cuda = loaded.backend;
const skip: string | false = cuda ? false : `cuda backend unavailable: ${loaded.reason}`;
if (!cuda) console.log(`# cuda flash half tests skipped: ${loaded.reason}`);

const HALVES: readonly HalfDType[] = ["bfloat16", "float16"];
const CODE = { float32: 0, bfloat16: 3, float16: 4 } as const;

// ================= the TS side, with a stand-in addon =================

interface FakeAddon {
  addon: CudaAddon;
  calls: unknown[][];
}
function fakeAddon(): FakeAddon {
  const calls: unknown[][] = [];
  const record = (result: unknown) => (...args: unknown[]): unknown => {
    calls.push(args);
    return result;
  };
  const addon = { flashAttention: record(true), flashAttentionGrad: record(true), setMatmulPrecision: () => undefined } as unknown as CudaAddon;
  return { addon, calls };
}
const info: CudaDeviceInfo = { ok: true, reason: "" };
const st = (size: number, dtype: DType): CudaStorage => new CudaStorage({} as CudaHandle, dtype, size);

// packed qkv [2, 5, 3·16] with 2 heads of 8, out [2, 5, 16]
const L = (offset: number, batchStride: number, rowStride: number): AttentionLayout => ({ offset, batchStride, headStride: 8, rowStride });
const P: FlashAttentionParams = { batch: 2, heads: 2, lq: 5, lk: 5, headDim: 8, scale: 0.25, causal: true, q: L(0, 240, 48), k: L(16, 240, 48), v: L(32, 240, 48), out: L(0, 80, 16) };

test("cuda flash half: the dtype code reaches the addon last; float32 calls keep the dtype-less form", () => {
  for (const dtype of ["bfloat16", "float16", "float32"] as const) {
    const { addon, calls } = fakeAddon();
    const be = new CudaBackend(addon, info);
    const qkv = st(480, dtype), out = st(160, dtype), gOut = st(160, dtype), g = st(480, dtype), lse = st(20, "float32");
    assert.equal(be.flashAttention(qkv, qkv, qkv, out, lse, P), true, dtype);
    assert.equal(be.flashAttentionGrad(qkv, qkv, qkv, out, gOut, lse, g, g, g, P), true, dtype);
    assert.equal(calls.length, 2);
    const rest = [[2, 2, 5, 5, 8], 0.25, true, [0, 240, 8, 48, 16, 240, 8, 48, 32, 240, 8, 48, 0, 80, 8, 16]];
    const tail = dtype === "float32" ? [] : [CODE[dtype]];
    assert.deepEqual(calls[0].slice(5), [...rest, ...tail], `${dtype}: forward arguments`);
    assert.deepEqual(calls[1].slice(9), [...rest, ...tail], `${dtype}: backward arguments`);
    assert.equal(calls[0][4], lse.handle);
    assert.equal(calls[1][4], gOut.handle);
  }
});

test("cuda flash half: mixed dtypes, a non-float32 lse and non-float dtypes are declined without a launch", () => {
  const { addon, calls } = fakeAddon();
  const be = new CudaBackend(addon, info);
  const bf = (n: number): CudaStorage => st(n, "bfloat16");
  const lse = st(20, "float32");
  assert.equal(be.flashAttention(bf(480), st(480, "float16"), bf(480), bf(160), lse, P), false, "k float16 among bfloat16");
  assert.equal(be.flashAttention(bf(480), bf(480), bf(480), st(160, "float32"), lse, P), false, "float32 out of bfloat16 inputs");
  assert.equal(be.flashAttention(bf(480), bf(480), bf(480), bf(160), bf(20), P), false, "bfloat16 lse");
  assert.equal(be.flashAttention(st(480, "float32"), st(480, "float32"), st(480, "float32"), st(160, "float32"), st(20, "float16"), P), false, "float16 lse");
  assert.equal(be.flashAttention(st(480, "int32"), st(480, "int32"), st(480, "int32"), st(160, "int32"), lse, P), false, "int32");
  const qkv = bf(480), out = bf(160);
  assert.equal(be.flashAttentionGrad(qkv, qkv, qkv, out, st(160, "float16"), lse, bf(480), bf(480), bf(480), P), false, "float16 gOut");
  assert.equal(be.flashAttentionGrad(qkv, qkv, qkv, out, bf(160), lse, bf(480), st(480, "float32"), bf(480), P), false, "float32 gk");
  assert.equal(be.flashAttentionGrad(qkv, qkv, qkv, out, bf(160), bf(20), bf(480), bf(480), bf(480), P), false, "bfloat16 lse");
  assert.equal(calls.length, 0);
  // sizes are in elements for halves too: a layout past the buffer is still a clear error
  assert.throws(() => be.flashAttention(bf(479), bf(479), bf(479), out, lse, P), /flashAttention: v .*reaches element 479 of a buffer of 479/);
  assert.equal(calls.length, 0);
});

test("cuda flash half: float32 is declined at matmul precision \"highest\" and taken at \"high\"; halves are taken at either", () => {
  const { addon, calls } = fakeAddon();
  const be = new CudaBackend(addon, info);
  const run = (dtype: "float32" | HalfDType): boolean => {
    const qkv = st(480, dtype), out = st(160, dtype), lse = st(20, "float32");
    const fwd = be.flashAttention(qkv, qkv, qkv, out, lse, P);
    const bwd = be.flashAttentionGrad(qkv, qkv, qkv, out, st(160, dtype), lse, st(480, dtype), st(480, dtype), st(480, dtype), P);
    assert.equal(fwd, bwd, `${dtype}: forward and backward agree`);
    return fwd;
  };
  be.setMatmulPrecision("highest");
  assert.equal(run("float32"), false);
  assert.equal(calls.length, 0);
  for (const d of HALVES) assert.equal(run(d), true, `${d} at highest`);
  be.setMatmulPrecision("high");
  assert.equal(run("float32"), true);
  for (const d of HALVES) assert.equal(run(d), true, `${d} at high`);
  assert.equal(calls.length, 10);
});

// ================= the kernels on the GPU =================

const CASES: FlashCase[] = [
  { name: "causal, T not a multiple of the tile, hd 64", batch: 2, heads: 3, lq: 70, lk: 70, headDim: 64, causal: true, layout: "dense" },
  { name: "non-causal, hd 64", batch: 2, heads: 3, lq: 70, lk: 70, headDim: 64, causal: false, layout: "dense" },
  { name: "causal, lq < lk (keys no query keeps), hd 32", batch: 1, heads: 2, lq: 37, lk: 100, headDim: 32, causal: true, layout: "dense" },
  { name: "non-causal, lq < lk, hd 32", batch: 1, heads: 2, lq: 37, lk: 100, headDim: 32, causal: false, layout: "dense" },
  { name: "causal, lq > lk, hd 128", batch: 1, heads: 2, lq: 100, lk: 37, headDim: 128, causal: true, layout: "dense" },
  { name: "non-causal, lq = lk = 130, hd 128", batch: 1, heads: 2, lq: 130, lk: 130, headDim: 128, causal: false, layout: "dense" },
  { name: "causal, hd 80 (padded to 96)", batch: 1, heads: 2, lq: 90, lk: 90, headDim: 80, causal: true, layout: "dense" },
  { name: "packed qkv, causal, 4 key tiles, hd 64", batch: 2, heads: 2, lq: 200, lk: 200, headDim: 64, causal: true, layout: "packed" },
  { name: "packed qkv, non-causal, hd 32", batch: 1, heads: 3, lq: 65, lk: 65, headDim: 32, causal: false, layout: "packed" },
  { name: "strided unaligned rows, non-causal, hd 80", batch: 2, heads: 2, lq: 33, lk: 47, headDim: 80, causal: false, layout: "strided" },
  { name: "strided unaligned rows, causal, hd 40 (padded to 64)", batch: 2, heads: 2, lq: 33, lk: 33, headDim: 40, causal: true, layout: "strided" },
];

/** The unit roundoff of each half (bfloat16 keeps 8 significant bits, float16 11). */
const UNIT: Record<HalfDType, number> = { bfloat16: 2 ** -8, float16: 2 ** -11 };
/**
 * |got − want| ≤ C·u·max|want| per tensor. The kernels round P and dS to the half before their products and
 * write out and the gradients as halves (each a relative u/2), and the backward pass takes D from the
 * half-rounded out: a few roundings of u/2 each, relative to the tensor's scale (on an H100 the worst case
 * over these tests was 1.5u). 4 leaves room for that and still fails an error of a few bits.
 */
const C = 4;

const NAN_BITS: Record<HalfDType, number> = { bfloat16: 0x7fc0, float16: 0x7e00 };

function assertNear(what: string, got: ArrayLike<number>, want: ArrayLike<number>, bound: number): number {
  assert.equal(got.length, want.length, `${what}: length`);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    assert.ok(Number.isFinite(got[i]), `${what}: element ${i} is ${got[i]}`);
    const e = Math.abs(got[i] - want[i]);
    worst = Math.max(worst, e);
    if (e > bound * scale) assert.fail(`${what}: element ${i}: ${got[i]} vs ${want[i]} (|err| ${e} > ${bound} · max|ref| ${scale})`);
  }
  return scale > 0 ? worst / scale : 0;
}

test("cuda flash half: bfloat16 and float16 flashAttention/flashAttentionGrad match float64 attention on the rounded inputs", { skip }, () => {
  const fc = new CudaBackend((cuda as CudaBackend).addon, (cuda as CudaBackend).info);
  const rnd = mulberry32(2024);
  const uniform = (n: number, lo: number, hi: number): Float32Array => Float32Array.from({ length: n }, () => lo + (hi - lo) * rnd());
  const report: string[] = [];
  for (const dtype of HALVES) {
    const u = UNIT[dtype];
    for (const c of CASES) {
      const name = `${dtype}, ${c.name}`;
      const { p, shared, sizes } = flashSetup(c);
      // q and k wide enough that the softmax is far from uniform
      const qBits = float32ToHalf(uniform(sizes.q, -2, 2), dtype);
      const kBits = shared ? qBits : float32ToHalf(uniform(sizes.k, -2, 2), dtype);
      const vBits = shared ? qBits : float32ToHalf(uniform(sizes.v, -1, 1), dtype);
      const gBits = float32ToHalf(uniform(sizes.out, -1, 1), dtype);
      const f = (bits: Uint16Array): Float32Array => halfToFloat32(bits, dtype);
      const [q, k, v, gOut] = [qBits, kBits, vBits, gBits].map(f);
      const ref = attentionReference(p, readHeads(q, p.q, p, p.lq), readHeads(k, p.k, p, p.lk), readHeads(v, p.v, p, p.lk), readHeads(gOut, p.out, p, p.lq));

      const up = (bits: Uint16Array): Storage => fc.upload(bits, dtype);
      const poison = (n: number): Storage => up(new Uint16Array(n).fill(NAN_BITS[dtype]));
      const sq = up(qBits), sk = shared ? sq : up(kBits), sv = shared ? sq : up(vBits);

      // forward
      const sOut = poison(sizes.out), sLse = fc.upload(new Float32Array(p.batch * p.heads * p.lq).fill(NaN), "float32");
      assert.equal(fc.flashAttention(sq, sk, sv, sOut, sLse, p), true, `${name}: taken`);
      const out = f(fc.download(sOut) as Uint16Array), lse = fc.download(sLse);
      const ratios = [assertNear(`${name}: out`, readHeads(out, p.out, p, p.lq), ref.out, C * u)];
      // lse involves no half rounding (exact half products summed in float32)
      assertNear(`${name}: lse`, lse, ref.lse, 1e-5);
      assertUntouchedOutside(`${name}: out`, out, p, [[p.out, p.lq]]);

      // backward, from the reference's out rounded to the half (as the forward would hand it over) and its lse
      const refOut = new Float32Array(sizes.out);
      writeHeads(refOut, p.out, p, p.lq, ref.out);
      const sRefOut = up(float32ToHalf(refOut, dtype)), sRefLse = fc.upload(Float32Array.from(ref.lse), "float32"), sGOut = up(gBits);
      const sgq = poison(sizes.q), sgk = shared ? sgq : poison(sizes.k), sgv = shared ? sgq : poison(sizes.v);
      assert.equal(fc.flashAttentionGrad(sq, sk, sv, sRefOut, sGOut, sRefLse, sgq, sgk, sgv, p), true, `${name}: grad taken`);
      const gq = f(fc.download(sgq) as Uint16Array);
      const gk = shared ? gq : f(fc.download(sgk) as Uint16Array), gv = shared ? gq : f(fc.download(sgv) as Uint16Array);
      ratios.push(assertNear(`${name}: gq`, readHeads(gq, p.q, p, p.lq), ref.gq, C * u));
      ratios.push(assertNear(`${name}: gk`, readHeads(gk, p.k, p, p.lk), ref.gk, C * u));
      ratios.push(assertNear(`${name}: gv`, readHeads(gv, p.v, p, p.lk), ref.gv, C * u));
      if (shared) assertUntouchedOutside(`${name}: gqkv`, gq, p, [[p.q, p.lq], [p.k, p.lk], [p.v, p.lk]]);
      else {
        assertUntouchedOutside(`${name}: gq`, gq, p, [[p.q, p.lq]]);
        assertUntouchedOutside(`${name}: gk`, gk, p, [[p.k, p.lk]]);
        assertUntouchedOutside(`${name}: gv`, gv, p, [[p.v, p.lk]]);
      }
      if (p.causal && p.lk > p.lq) {
        // keys past the last query are kept by no row: exactly zero, not left over
        for (let b = 0; b < p.batch; b++) for (let h = 0; h < p.heads; h++) for (let j = p.lq; j < p.lk; j++) for (let d = 0; d < p.headDim; d++) {
          assert.equal(gk[rowStart(p.k, b, h, j) + d], 0, `${name}: gk of unkept key ${j}`);
          assert.equal(gv[rowStart(p.v, b, h, j) + d], 0, `${name}: gv of unkept key ${j}`);
        }
      }
      report.push(`${name}: worst |err|/(u·max|ref|) out ${(ratios[0] / u).toFixed(2)}, gq ${(ratios[1] / u).toFixed(2)}, gk ${(ratios[2] / u).toFixed(2)}, gv ${(ratios[3] / u).toFixed(2)}`);
      for (const s of [...(shared ? [sq] : [sq, sk, sv]), sOut, sLse, sRefOut, sRefLse, sGOut, ...(shared ? [sgq] : [sgq, sgk, sgv])]) fc.release(s);
    }
  }
  for (const line of report) console.log(`# ${line}`);
});
