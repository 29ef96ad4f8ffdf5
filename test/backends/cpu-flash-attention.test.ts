// The native cpu flash attention kernels (native/cpu/attention.cc) against a float64 reference that
// materialises the scores: explicit q·kᵀ, masked softmax, then GEMMs. Layouts are read and written through
// AttentionLayout exactly as the kernels do, so every case also checks the addressing.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Generator, HostStorage, availableBackends, getBackend, withBackend, type Backend } from "../../src/index.js";
import type { AttentionLayout, FlashAttentionParams } from "../../src/backends/backend.js";
import { assertUntouchedOutside, attentionReference, readHeads, writeHeads } from "../helpers/attention-reference.js";

const loaded = availableBackends().includes("cpu");
if (!loaded && process.env.INGOT_REQUIRE_CPU === "1") throw new Error("INGOT_REQUIRE_CPU=1 but the native cpu backend did not load");
const skip = loaded ? false : "native cpu backend not loaded (build it with `node scripts/build-native.mjs`)";
const cpu: Backend | null = loaded ? withBackend("cpu", () => getBackend()) : null;

/** How the operands sit in memory. */
type LayoutKind =
  | "heads"    // q, k, v, out dense [B, H, T, d]
  | "packed"   // q, k, v in one [B, T, 3·H·d] buffer, out [B, T, H·d]; gq/gk/gv share one buffer too
  | "strided"; // [B, H, T, d] with an offset and gaps after every row, head and batch, filled with NaN

interface Case {
  batch: number;
  heads: number;
  lq: number;
  lk: number;
  d: number;
  causal: boolean;
  layout: LayoutKind;
  /** Defaults to 1/√d. */
  scale?: number;
  /** Fills q, k, v with random integers in [−n, n] instead of normals (exact float32 scores). */
  integers?: number;
}

const name = (c: Case): string =>
  `B${c.batch} H${c.heads} lq${c.lq} lk${c.lk} d${c.d} ${c.causal ? "causal" : "full"} ${c.layout}${c.integers ? ` ints±${c.integers}` : ""}`;

let seed = 11;
function randomValues(n: number, integers?: number): Float64Array {
  const g = new Generator(seed++).normal(n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // integers: a uniform-ish spread over [−m, m] from the normal's CDF-free fractional part
    out[i] = integers ? Math.round(((g[i] * 7919.123) % 1) * integers) : Math.fround(g[i]);
  }
  return out;
}

/** Layouts and buffer sizes for a case; q/k/v (and gq/gk/gv) are one buffer when `shared`. */
function layouts(c: Case): { p: FlashAttentionParams; sizes: { q: number; k: number; v: number; out: number }; shared: boolean } {
  const { batch, heads, lq, lk, d } = c;
  const scale = c.scale ?? 1 / Math.sqrt(d);
  const base = { batch, heads, lq, lk, headDim: d, scale, causal: c.causal };
  const dense = (rows: number): AttentionLayout => ({ offset: 0, batchStride: heads * rows * d, headStride: rows * d, rowStride: d });
  if (c.layout === "heads") {
    return { p: { ...base, q: dense(lq), k: dense(lk), v: dense(lk), out: dense(lq) }, sizes: { q: batch * heads * lq * d, k: batch * heads * lk * d, v: batch * heads * lk * d, out: batch * heads * lq * d }, shared: false };
  }
  if (c.layout === "packed") {
    assert.equal(lq, lk, "packed qkv needs lq == lk");
    const hd = heads * d, row = 3 * hd;
    const at = (offset: number): AttentionLayout => ({ offset, batchStride: lq * row, headStride: d, rowStride: row });
    const out: AttentionLayout = { offset: 0, batchStride: lq * hd, headStride: d, rowStride: hd };
    const n = batch * lq * row;
    return { p: { ...base, q: at(0), k: at(hd), v: at(2 * hd), out }, sizes: { q: n, k: n, v: n, out: batch * lq * hd }, shared: true };
  }
  const gappy = (rows: number, offset: number): AttentionLayout => {
    const rowStride = d + 3, headStride = rows * rowStride + 1;
    return { offset, batchStride: heads * headStride + 2, headStride, rowStride };
  };
  const size = (l: AttentionLayout): number => l.offset + batch * l.batchStride + 5;
  const q = gappy(lq, 2), k = gappy(lk, 5), v = gappy(lk, 1), out = gappy(lq, 3);
  return { p: { ...base, q, k, v, out }, sizes: { q: size(q), k: size(k), v: size(v), out: size(out) }, shared: false };
}

/** Buffers for one case, with logical inputs written through the layouts and outputs prefilled with NaN. */
function setup(c: Case) {
  const { p, sizes, shared } = layouts(c);
  const q = randomValues(c.batch * c.heads * c.lq * c.d, c.integers);
  const k = randomValues(c.batch * c.heads * c.lk * c.d, c.integers);
  const v = randomValues(c.batch * c.heads * c.lk * c.d, c.integers);
  const gOut = randomValues(c.batch * c.heads * c.lq * c.d);
  // NaN everywhere first: a kernel that reads a gap, or accumulates into an output, produces NaN
  const filled = (n: number): Float32Array => new Float32Array(n).fill(NaN);
  const qBuf = filled(sizes.q), kBuf = shared ? qBuf : filled(sizes.k), vBuf = shared ? qBuf : filled(sizes.v);
  writeHeads(qBuf, p.q, p, c.lq, q);
  writeHeads(kBuf, p.k, p, c.lk, k);
  writeHeads(vBuf, p.v, p, c.lk, v);
  const outBuf = filled(sizes.out), gOutBuf = filled(sizes.out);
  writeHeads(gOutBuf, p.out, p, c.lq, gOut);
  const gqBuf = filled(sizes.q), gkBuf = shared ? gqBuf : filled(sizes.k), gvBuf = shared ? gqBuf : filled(sizes.v);
  const lseBuf = filled(c.batch * c.heads * c.lq);
  return { p, q, k, v, gOut, qBuf, kBuf, vBuf, outBuf, gOutBuf, gqBuf, gkBuf, gvBuf, lseBuf };
}

const st = (a: Float32Array): HostStorage => new HostStorage(a, "float32");

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/**
 * |got − want| ≤ rtol·|want| + atol·max|want| + floor elementwise. `floor` covers entries whose true value
 * is ~0 by cancellation (e.g. dP − D), where float32 leaves an error of ε times the cancelled terms.
 */
function close(got: ArrayLike<number>, want: ArrayLike<number>, what: string, rtol = 1e-5, atol = 1e-5, floor = 0): void {
  assert.equal(got.length, want.length, `${what}: length`);
  const tol = atol * maxAbs(want) + floor;
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol + rtol * Math.abs(want[i]))) assert.fail(`${what}: element ${i}: ${got[i]} vs expected ${want[i]}`);
  }
}

function runCase(c: Case, tol = { rtol: 1e-5, atol: 1e-5 }): void {
  const s = setup(c);
  const { p } = s;
  const want = attentionReference(p, s.q, s.k, s.v, s.gOut);
  assert.equal(cpu!.flashAttention!(st(s.qBuf), st(s.kBuf), st(s.vBuf), st(s.outBuf), st(s.lseBuf), p), true, `${name(c)}: forward refused`);
  const out = readHeads(s.outBuf, p.out, p, c.lq);
  close(out, want.out, `${name(c)} out`, tol.rtol, tol.atol);
  close(s.lseBuf, want.lse, `${name(c)} lse`, 1e-6, 1e-6);
  assert.equal(cpu!.flashAttentionGrad!(st(s.qBuf), st(s.kBuf), st(s.vBuf), st(s.outBuf), st(s.gOutBuf), st(s.lseBuf), st(s.gqBuf), st(s.gkBuf), st(s.gvBuf), p), true, `${name(c)}: backward refused`);
  // |dS| ≤ |dP| + |D| ≤ 2·d·max|gOut|·max|v|: the size of the terms that cancel in dP − D
  const dsSize = 2 * c.d * maxAbs(s.gOut) * maxAbs(s.v), eps32 = 1e-7;
  const gtol = (a: number): [number, number, number] => [tol.rtol * 10, tol.atol * 10, eps32 * a];
  close(readHeads(s.gqBuf, p.q, p, c.lq), want.gq, `${name(c)} gq`, ...gtol(p.scale * dsSize * maxAbs(s.k)));
  close(readHeads(s.gkBuf, p.k, p, c.lk), want.gk, `${name(c)} gk`, ...gtol(p.scale * dsSize * maxAbs(s.q)));
  close(readHeads(s.gvBuf, p.v, p, c.lk), want.gv, `${name(c)} gv`, ...gtol(maxAbs(s.gOut)));
  if (c.layout === "strided") {
    assertUntouchedOutside(`${name(c)} out`, s.outBuf, p, [[p.out, c.lq]]);
    assertUntouchedOutside(`${name(c)} gq`, s.gqBuf, p, [[p.q, c.lq]]);
    assertUntouchedOutside(`${name(c)} gk`, s.gkBuf, p, [[p.k, c.lk]]);
  }
}

describe("cpu flashAttention", { skip }, () => {
  test("matches the float64 reference: causal and full, square sizes that are not multiples of the block", () => {
    for (const causal of [false, true]) {
      runCase({ batch: 2, heads: 3, lq: 67, lk: 67, d: 32, causal, layout: "heads" });
      runCase({ batch: 1, heads: 2, lq: 130, lk: 130, d: 64, causal, layout: "heads" });
      runCase({ batch: 1, heads: 1, lq: 1, lk: 1, d: 16, causal, layout: "heads" });
    }
  });

  test("lq != lk: fewer and more queries than keys, including lk = 1", () => {
    for (const causal of [false, true]) {
      runCase({ batch: 2, heads: 2, lq: 10, lk: 75, d: 32, causal, layout: "heads" });  // causal: keys ≥ 10 kept by no query → gk, gv rows 0
      runCase({ batch: 1, heads: 3, lq: 70, lk: 20, d: 32, causal, layout: "heads" });  // causal: rows ≥ 20 keep all keys
      runCase({ batch: 2, heads: 1, lq: 9, lk: 1, d: 8, causal, layout: "heads" });
    }
  });

  test("head sizes 1, 7, 100 and 256 (vector tails and the largest taken)", () => {
    for (const d of [1, 7, 100, 256]) {
      runCase({ batch: 1, heads: 2, lq: 19, lk: 23, d, causal: false, layout: "heads" });
      runCase({ batch: 1, heads: 2, lq: 21, lk: 21, d, causal: true, layout: "heads" });
    }
  });

  test("packed qkv in one buffer with gq/gk/gv sharing one buffer", () => {
    for (const causal of [false, true]) {
      runCase({ batch: 2, heads: 4, lq: 37, lk: 37, d: 16, causal, layout: "packed" });
      runCase({ batch: 1, heads: 3, lq: 70, lk: 70, d: 32, causal, layout: "packed" });
    }
  });

  test("offsets and gaps: nothing outside the layout is read or written", () => {
    for (const causal of [false, true]) {
      runCase({ batch: 2, heads: 2, lq: 66, lk: 66, d: 7, causal, layout: "strided" });
      runCase({ batch: 2, heads: 3, lq: 13, lk: 29, d: 33, causal, layout: "strided" });
    }
  });

  test("huge scores (scale 1, integers up to ±30) neither overflow nor lose the softmax", () => {
    // integer inputs make the float32 scores exact (|s| ≤ 30·30·8 < 2²⁴), so only the softmax is tested
    for (const causal of [false, true]) {
      runCase({ batch: 2, heads: 2, lq: 40, lk: 40, d: 8, causal, layout: "heads", scale: 1, integers: 30 });
      runCase({ batch: 1, heads: 2, lq: 17, lk: 50, d: 8, causal, layout: "heads", scale: 1, integers: 30 });
    }
  });

  test("the backward is the derivative of the kernel's own forward (central differences of Σ w⊙out)", () => {
    for (const causal of [false, true]) {
      const c: Case = { batch: 1, heads: 2, lq: 5, lk: 6, d: 3, causal, layout: "heads" };
      const s = setup(c);
      const { p } = s;
      const loss = (): number => {
        const out = new Float32Array(s.outBuf.length), lse = new Float32Array(s.lseBuf.length);
        cpu!.flashAttention!(st(s.qBuf), st(s.kBuf), st(s.vBuf), st(out), st(lse), p);
        let total = 0;
        for (let i = 0; i < out.length; i++) total += out[i] * s.gOut[i];  // w = gOut, so dL/dout = gOut
        return total;
      };
      loss();
      cpu!.flashAttention!(st(s.qBuf), st(s.kBuf), st(s.vBuf), st(s.outBuf), st(s.lseBuf), p);
      cpu!.flashAttentionGrad!(st(s.qBuf), st(s.kBuf), st(s.vBuf), st(s.outBuf), st(s.gOutBuf), st(s.lseBuf), st(s.gqBuf), st(s.gkBuf), st(s.gvBuf), p);
      const eps = 1e-2;
      for (const [what, buf, grad] of [["q", s.qBuf, s.gqBuf], ["k", s.kBuf, s.gkBuf], ["v", s.vBuf, s.gvBuf]] as const) {
        for (let i = 0; i < buf.length; i++) {
          const x = buf[i];
          buf[i] = x + eps;
          const plus = loss();
          buf[i] = x - eps;
          const minus = loss();
          buf[i] = x;
          const numeric = (plus - minus) / (2 * eps);
          assert.ok(Math.abs(numeric - grad[i]) <= 2e-3 + 1e-2 * Math.abs(numeric), `${causal ? "causal" : "full"} g${what}[${i}]: analytic ${grad[i]}, numeric ${numeric}`);
        }
      }
    }
  });

  test("the float64 reference's gradient matches its own central differences", () => {
    // guards the reference itself, so the comparisons above cannot share a mistake with the kernel
    const c: Case = { batch: 1, heads: 1, lq: 4, lk: 5, d: 3, causal: true, layout: "heads" };
    const s = setup(c);
    const want = attentionReference(s.p, s.q, s.k, s.v, s.gOut);
    const loss = (q: Float64Array, k: Float64Array, v: Float64Array): number => {
      const o = attentionReference(s.p, q, k, v, s.gOut).out;
      return o.reduce((acc, x, i) => acc + x * s.gOut[i], 0);
    };
    const eps = 1e-6;
    for (const [which, grad] of [[0, want.gq], [1, want.gk], [2, want.gv]] as const) {
      const xs = [s.q, s.k, s.v].map((a) => a.slice());
      for (let i = 0; i < xs[which].length; i++) {
        const x = xs[which][i];
        xs[which][i] = x + eps;
        const plus = loss(xs[0], xs[1], xs[2]);
        xs[which][i] = x - eps;
        const minus = loss(xs[0], xs[1], xs[2]);
        xs[which][i] = x;
        const numeric = (plus - minus) / (2 * eps);
        assert.ok(Math.abs(numeric - grad[i]) <= 1e-7 + 1e-6 * Math.abs(numeric), `reference grad ${which}[${i}]: ${grad[i]} vs ${numeric}`);
      }
    }
  });

  test("layouts reaching outside their arrays throw an error naming the kernel and operand", () => {
    const c: Case = { batch: 2, heads: 2, lq: 8, lk: 8, d: 4, causal: true, layout: "heads" };
    const s = setup(c);
    const { p } = s;
    const fwd = (q: Float32Array, pp: FlashAttentionParams, lse = s.lseBuf): boolean => cpu!.flashAttention!(st(q), st(s.kBuf), st(s.vBuf), st(s.outBuf), st(lse), pp);
    assert.throws(() => fwd(s.qBuf.subarray(0, s.qBuf.length - 1), p), /flashAttention: q's layout .* reaches elements \[0, 127\] but its array has 127/);
    assert.throws(() => fwd(s.qBuf, { ...p, q: { ...p.q, offset: -1 } }), /flashAttention: q's layout/);
    assert.throws(() => fwd(s.qBuf, { ...p, k: { ...p.k, rowStride: 5 } }), /flashAttention: k's layout/);
    assert.throws(() => fwd(s.qBuf, { ...p, out: { ...p.out, batchStride: 1000 } }), /flashAttention: out's layout/);
    assert.throws(() => fwd(s.qBuf, p, new Float32Array(31)), /flashAttention: lse needs batch\*heads\*lq = 32 elements, its array has 31/);
    assert.throws(() => fwd(s.qBuf, { ...p, lq: 8.5 }), /flashAttention: meta\[2\] = 8.5 is not a valid size/);
    const bwd = (gk: Float32Array): boolean =>
      cpu!.flashAttentionGrad!(st(s.qBuf), st(s.kBuf), st(s.vBuf), st(s.outBuf), st(s.gOutBuf), st(s.lseBuf), st(s.gqBuf), st(gk), st(s.gvBuf), p);
    assert.throws(() => bwd(new Float32Array(s.gkBuf.length - 4)), /flashAttentionGrad: gk's layout/);
    assert.throws(
      () => cpu!.flashAttentionGrad!(st(s.qBuf), st(s.kBuf), st(s.vBuf), st(s.outBuf), st(new Float32Array(10)), st(s.lseBuf), st(s.gqBuf), st(s.gkBuf), st(s.gvBuf), p),
      /flashAttentionGrad: gOut's layout/,
    );
  });

  test("declines (returns false, writes nothing) what it does not take", () => {
    const c: Case = { batch: 1, heads: 1, lq: 3, lk: 3, d: 257, causal: false, layout: "heads" };
    const s = setup(c);
    assert.equal(cpu!.flashAttention!(st(s.qBuf), st(s.kBuf), st(s.vBuf), st(s.outBuf), st(s.lseBuf), s.p), false);
    assert.ok(s.outBuf.every(Number.isNaN), "out was written");
    const ints = new HostStorage(new Int32Array(s.qBuf.length), "int32");
    assert.equal(cpu!.flashAttention!(ints, st(s.kBuf), st(s.vBuf), st(s.outBuf), st(s.lseBuf), s.p), false);
    assert.equal(cpu!.flashAttentionGrad!(st(s.qBuf), st(s.kBuf), st(s.vBuf), st(s.outBuf), st(s.gOutBuf), st(s.lseBuf), ints, st(s.gkBuf), st(s.gvBuf), s.p), false);
  });
});
