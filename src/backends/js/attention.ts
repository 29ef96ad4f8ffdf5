// Fused attention, the reference every native kernel is checked against: one query row at a time, its
// scores held in a row buffer (never the lq×lk matrix), softmax by log-sum-exp, and the backward pass
// recomputing probabilities from lse as FlashAttention does.
import type { AttentionLayout, FlashAttentionParams } from "../backend.js";
import { f32, type Storage } from "../storage.js";

/** Element index of row t of head h in batch b. */
function rowStart(l: AttentionLayout, b: number, h: number, t: number): number {
  return l.offset + b * l.batchStride + h * l.headStride + t * l.rowStride;
}

/** Keys kept by query i: all of them, or j ≤ i when causal. */
function keptKeys(p: FlashAttentionParams, i: number): number {
  return p.causal ? Math.min(i + 1, p.lk) : p.lk;
}

function dot(a: Float32Array, ai: number, b: Float32Array, bi: number, n: number): number {
  let s = 0;
  for (let c = 0; c < n; c++) s += a[ai + c] * b[bi + c];
  return s;
}

/** Scaled scores of query row i into `s`, returning their log-sum-exp. */
function scoreRow(Q: Float32Array, K: Float32Array, p: FlashAttentionParams, b: number, h: number, i: number, s: Float64Array): number {
  const d = p.headDim;
  const qi = rowStart(p.q, b, h, i);
  const n = keptKeys(p, i);
  let max = -Infinity;
  for (let j = 0; j < n; j++) {
    const v = p.scale * dot(Q, qi, K, rowStart(p.k, b, h, j), d);
    s[j] = v;
    if (v > max) max = v;
  }
  let sum = 0;
  for (let j = 0; j < n; j++) sum += Math.exp(s[j] - max);
  return max + Math.log(sum);
}

export function flashAttention(q: Storage, k: Storage, v: Storage, out: Storage, lse: Storage, p: FlashAttentionParams): boolean {
  const Q = f32(q), K = f32(k), V = f32(v), O = f32(out), L = f32(lse);
  const d = p.headDim;
  const s = new Float64Array(p.lk);
  const acc = new Float64Array(d);
  for (let b = 0; b < p.batch; b++) {
    for (let h = 0; h < p.heads; h++) {
      for (let i = 0; i < p.lq; i++) {
        const l = scoreRow(Q, K, p, b, h, i, s);
        acc.fill(0);
        for (let j = 0; j < keptKeys(p, i); j++) {
          const w = Math.exp(s[j] - l);
          const vj = rowStart(p.v, b, h, j);
          for (let c = 0; c < d; c++) acc[c] += w * V[vj + c];
        }
        const oi = rowStart(p.out, b, h, i);
        for (let c = 0; c < d; c++) O[oi + c] = acc[c];
        L[(b * p.heads + h) * p.lq + i] = l;
      }
    }
  }
  return true;
}

export function flashAttentionGrad(
  q: Storage, k: Storage, v: Storage, out: Storage, gOut: Storage, lse: Storage,
  gq: Storage, gk: Storage, gv: Storage, p: FlashAttentionParams,
): boolean {
  const Q = f32(q), K = f32(k), V = f32(v), O = f32(out), G = f32(gOut), L = f32(lse);
  const GQ = f32(gq), GK = f32(gk), GV = f32(gv);
  const d = p.headDim;
  const dq = new Float64Array(d);
  // gk and gv collect every query's contribution, so they are summed in float64 per head first
  const dk = new Float64Array(p.lk * d);
  const dv = new Float64Array(p.lk * d);
  for (let b = 0; b < p.batch; b++) {
    for (let h = 0; h < p.heads; h++) {
      dk.fill(0);
      dv.fill(0);
      for (let i = 0; i < p.lq; i++) {
        const qi = rowStart(p.q, b, h, i);
        const gi = rowStart(p.out, b, h, i);
        const l = L[(b * p.heads + h) * p.lq + i];
        const D = dot(G, gi, O, gi, d);
        dq.fill(0);
        for (let j = 0; j < keptKeys(p, i); j++) {
          const kj = rowStart(p.k, b, h, j);
          const vj = rowStart(p.v, b, h, j);
          const P = Math.exp(p.scale * dot(Q, qi, K, kj, d) - l);
          const dS = P * (dot(G, gi, V, vj, d) - D) * p.scale;
          for (let c = 0; c < d; c++) {
            dv[j * d + c] += P * G[gi + c];
            dk[j * d + c] += dS * Q[qi + c];
            dq[c] += dS * K[kj + c];
          }
        }
        const o = rowStart(p.q, b, h, i);
        for (let c = 0; c < d; c++) GQ[o + c] = dq[c];
      }
      for (let j = 0; j < p.lk; j++) {
        const ko = rowStart(p.k, b, h, j);
        const vo = rowStart(p.v, b, h, j);
        for (let c = 0; c < d; c++) {
          GK[ko + c] = dk[j * d + c];
          GV[vo + c] = dv[j * d + c];
        }
      }
    }
  }
  return true;
}
