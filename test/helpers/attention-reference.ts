// Attention straight from its definition, in float64, for the fused-kernel tests of every backend: the
// full scores matrix, a masked softmax and the textbook gradient, plus the layout plumbing that moves
// dense [batch, heads, rows, headDim] values in and out of strided buffers.
import assert from "node:assert/strict";
import type { AttentionLayout, FlashAttentionParams } from "../../src/backends/backend.js";

/** Element index of row t of head h in batch b. */
export function rowStart(l: AttentionLayout, b: number, h: number, t: number): number {
  return l.offset + b * l.batchStride + h * l.headStride + t * l.rowStride;
}

/** Dense [batch, heads, rows, headDim] values read from a buffer through a layout. */
export function readHeads(buf: ArrayLike<number>, l: AttentionLayout, p: FlashAttentionParams, rows: number): Float64Array {
  const d = p.headDim, out = new Float64Array(p.batch * p.heads * rows * d);
  for (let b = 0; b < p.batch; b++) for (let h = 0; h < p.heads; h++) for (let t = 0; t < rows; t++) {
    const s = rowStart(l, b, h, t), o = ((b * p.heads + h) * rows + t) * d;
    for (let c = 0; c < d; c++) out[o + c] = buf[s + c];
  }
  return out;
}

/** Writes dense [batch, heads, rows, headDim] values into a buffer through a layout. */
export function writeHeads(buf: Float32Array, l: AttentionLayout, p: FlashAttentionParams, rows: number, vals: ArrayLike<number>): void {
  const d = p.headDim;
  for (let b = 0; b < p.batch; b++) for (let h = 0; h < p.heads; h++) for (let t = 0; t < rows; t++) {
    const s = rowStart(l, b, h, t), o = ((b * p.heads + h) * rows + t) * d;
    for (let c = 0; c < d; c++) buf[s + c] = vals[o + c];
  }
}

export interface AttentionReference {
  /** Dense [batch, heads, lq, headDim]. */
  out: Float64Array;
  /** [batch, heads, lq]. */
  lse: Float64Array;
  /** Dense, shaped like q, k and v. */
  gq: Float64Array;
  gk: Float64Array;
  gv: Float64Array;
}

/**
 * float64 attention with the full scores matrix: S = scale·q·kᵀ, masked softmax (query i keeps keys
 * j ≤ i when causal), out = P·v, and the gradient of Σ gOut ⊙ out. Inputs are dense [B, H, rows, d].
 */
export function attentionReference(p: FlashAttentionParams, q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, gOut: ArrayLike<number>): AttentionReference {
  const { batch, heads, lq, lk, headDim: d, scale } = p;
  const out = new Float64Array(batch * heads * lq * d), lse = new Float64Array(batch * heads * lq);
  const gq = new Float64Array(q.length), gk = new Float64Array(k.length), gv = new Float64Array(v.length);
  const P = new Float64Array(lq * lk), dS = new Float64Array(lq * lk);
  for (let bh = 0; bh < batch * heads; bh++) {
    const qo = bh * lq * d, ko = bh * lk * d;
    for (let i = 0; i < lq; i++) {
      let max = -Infinity;
      for (let j = 0; j < lk; j++) {
        let s = 0;
        for (let c = 0; c < d; c++) s += q[qo + i * d + c] * k[ko + j * d + c];
        const kept = !p.causal || j <= i;
        P[i * lk + j] = kept ? scale * s : -Infinity;
        if (kept) max = Math.max(max, scale * s);
      }
      let sum = 0;
      for (let j = 0; j < lk; j++) sum += Math.exp(P[i * lk + j] - max);
      lse[bh * lq + i] = max + Math.log(sum);
      for (let j = 0; j < lk; j++) P[i * lk + j] = Math.exp(P[i * lk + j] - max) / sum;
    }
    for (let i = 0; i < lq; i++) for (let c = 0; c < d; c++) {
      let s = 0;
      for (let j = 0; j < lk; j++) s += P[i * lk + j] * v[ko + j * d + c];
      out[qo + i * d + c] = s;
    }
    // dP = gOut·vᵀ; dS = P ∘ (dP − rowsum(P ∘ dP)); gq = scale·dS·k, gk = scale·dSᵀ·q, gv = Pᵀ·gOut
    for (let i = 0; i < lq; i++) {
      let rowDot = 0;
      for (let j = 0; j < lk; j++) {
        let dp = 0;
        for (let c = 0; c < d; c++) dp += gOut[qo + i * d + c] * v[ko + j * d + c];
        dS[i * lk + j] = dp;
        rowDot += P[i * lk + j] * dp;
      }
      for (let j = 0; j < lk; j++) dS[i * lk + j] = P[i * lk + j] * (dS[i * lk + j] - rowDot);
    }
    for (let i = 0; i < lq; i++) for (let c = 0; c < d; c++) {
      let s = 0;
      for (let j = 0; j < lk; j++) s += dS[i * lk + j] * k[ko + j * d + c];
      gq[qo + i * d + c] = scale * s;
    }
    for (let j = 0; j < lk; j++) for (let c = 0; c < d; c++) {
      let sk = 0, sv = 0;
      for (let i = 0; i < lq; i++) {
        sk += dS[i * lk + j] * q[qo + i * d + c];
        sv += P[i * lk + j] * gOut[qo + i * d + c];
      }
      gk[ko + j * d + c] = scale * sk;
      gv[ko + j * d + c] = sv;
    }
  }
  return { out, lse, gq, gk, gv };
}

/** Elements of `buf` that no row of the given (layout, rows) regions covers must still hold their NaN poison. */
export function assertUntouchedOutside(what: string, buf: ArrayLike<number>, p: FlashAttentionParams, regions: ReadonlyArray<readonly [AttentionLayout, number]>): void {
  const covered = new Uint8Array(buf.length);
  for (const [l, rows] of regions) {
    for (let b = 0; b < p.batch; b++) for (let h = 0; h < p.heads; h++) for (let t = 0; t < rows; t++) covered.fill(1, rowStart(l, b, h, t), rowStart(l, b, h, t) + p.headDim);
  }
  for (let i = 0; i < buf.length; i++) if (!covered[i] && !Number.isNaN(buf[i])) assert.fail(`${what}: element ${i} outside the layout was written (${buf[i]})`);
}

/** One flash-attention test geometry. */
export interface FlashCase {
  name: string;
  batch: number;
  heads: number;
  lq: number;
  lk: number;
  headDim: number;
  causal: boolean;
  /** dense [B, H, T, hd] operands; packed qkv [B, T, 3·d] with out [B, T, d]; strided [B, T, H, hd + 1] after 3 spare elements */
  layout: "dense" | "packed" | "strided";
}

/** A FlashCase's parameters and the buffer sizes its layouts need. */
export interface FlashSetup {
  p: FlashAttentionParams;
  /** q, k and v (and gq, gk, gv) in one buffer */
  shared: boolean;
  sizes: { q: number; k: number; v: number; out: number };
}

export function flashSetup(c: FlashCase): FlashSetup {
  const { batch: B, heads: H, lq, lk, headDim: hd } = c;
  const base = { batch: B, heads: H, lq, lk, headDim: hd, scale: 1 / Math.sqrt(hd), causal: c.causal };
  if (c.layout === "packed") {
    const d = H * hd, T = lq;
    const L = (offset: number): AttentionLayout => ({ offset, batchStride: T * 3 * d, headStride: hd, rowStride: 3 * d });
    const n = B * T * 3 * d;
    return { p: { ...base, q: L(0), k: L(d), v: L(2 * d), out: { offset: 0, batchStride: T * d, headStride: hd, rowStride: d } }, shared: true, sizes: { q: n, k: n, v: n, out: B * T * d } };
  }
  if (c.layout === "strided") {
    // rows neither next to each other nor 16-byte aligned
    const L = (T: number): AttentionLayout => ({ offset: 3, batchStride: T * H * (hd + 1), headStride: hd + 1, rowStride: H * (hd + 1) });
    const n = (T: number): number => 3 + B * T * H * (hd + 1);
    return { p: { ...base, q: L(lq), k: L(lk), v: L(lk), out: L(lq) }, shared: false, sizes: { q: n(lq), k: n(lk), v: n(lk), out: n(lq) } };
  }
  const L = (T: number): AttentionLayout => ({ offset: 0, batchStride: H * T * hd, headStride: T * hd, rowStride: hd });
  return { p: { ...base, q: L(lq), k: L(lk), v: L(lk), out: L(lq) }, shared: false, sizes: { q: B * H * lq * hd, k: B * H * lk * hd, v: B * H * lk * hd, out: B * H * lq * hd } };
}
