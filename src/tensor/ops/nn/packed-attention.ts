// Causal self-attention straight from a packed qkv projection [B, T, 3·d] (q, k, v side by side, heads
// interleaved as a linear layer lays them out), returning [B, T, d]: GPT's attention block without the
// split, the head transposes and the merge. A backend with fused attention reads the heads in place
// (flash-attention.ts); one with strided matmuls and the fused causal softmax runs GEMMs that read each
// head in place and write the output and the qkv gradient in place; other backends run the same maths
// through chunk → scaledDotProductAttention → merge.
import { autocastLower } from "../../../amp/autocast.js";
import { needsGrad, record } from "../../../autograd/record.js";
import type { Backend, StridedMatmulParams } from "../../../backends/backend.js";
import type { Storage } from "../../../backends/storage.js";
import { empty } from "../../alloc.js";
import { fmtShape, ShapeError } from "../../shape.js";
import type { Tensor } from "../../tensor.js";
import { chunk, reshape, transpose } from "../shape.js";
import { scaledDotProductAttention } from "./attention.js";
import { checkFloat } from "./util.js";
import { flashAttend } from "./flash-attention.js";

interface Operand {
  s: Storage;
  /** Element offset of batch 0, head 0. */
  off: number;
  /** Steps between batches and between heads, and between rows. */
  sb: number;
  sh: number;
  ld: number;
  trans: boolean;
}

/**
 * One GEMM per head-batch pair, issued as few strided-batched calls as possible: looping over the
 * smaller of batch and heads, the other becomes cuBLAS's batch (each has a single stride).
 */
function headGemms(be: Backend, B: number, H: number, m: number, n: number, k: number, a: Operand, b: Operand, c: Operand): void {
  const mm = be.matmulStrided as (a: Storage, b: Storage, c: Storage, p: StridedMatmulParams) => void;
  const loopHeads = H <= B;
  const outer = loopHeads ? H : B;
  const inner = loopHeads ? B : H;
  for (let i = 0; i < outer; i++) {
    const off = (o: Operand): number => o.off + i * (loopHeads ? o.sh : o.sb);
    const stride = (o: Operand): number => (loopHeads ? o.sb : o.sh);
    mm.call(be, a.s, b.s, c.s, {
      batch: inner, m, n, k, transA: a.trans, transB: b.trans, lda: a.ld, ldb: b.ld, ldc: c.ld,
      strideA: stride(a), strideB: stride(b), strideC: stride(c), offsetA: off(a), offsetB: off(b), offsetC: off(c),
    });
  }
}

/** softmax(q·kᵀ/√(d/nHead) with a causal mask)·v over the heads of a packed qkv [B, T, 3·d] → [B, T, d] in qkv's dtype. */
export function causalSelfAttention(qkv: Tensor, nHead: number): Tensor {
  const op = "causalSelfAttention";
  [qkv] = autocastLower([qkv]);
  const dt = checkFloat(op, { qkv });
  if (qkv.ndim !== 3 || qkv.shape[2] % 3 !== 0) throw new ShapeError(op, `expects packed qkv [batch, time, 3·d], got ${fmtShape(qkv.shape)}`);
  const [B, T, d3] = qkv.shape;
  const d = d3 / 3;
  if (!Number.isInteger(nHead) || nHead < 1 || d % nHead !== 0) throw new ShapeError(op, `d = ${d} is not divisible into ${nHead} heads`);
  const hd = d / nHead;
  const scale = 1 / Math.sqrt(hd);
  const packed = (offset: number) => ({ offset, batchStride: T * d3, headStride: hd, rowStride: d3 });
  const params = { batch: B, heads: nHead, lq: T, lk: T, headDim: hd, scale, causal: true, q: packed(0), k: packed(d), v: packed(2 * d), out: { offset: 0, batchStride: T * d, headStride: hd, rowStride: d } };
  const fused = flashAttend(op, { packed: qkv }, [B, T, d], params);
  if (fused) return fused;
  const be = qkv.backend;
  if (!be.matmulStrided || !be.causalSoftmax || !be.causalSoftmaxGrad || T > 1024) return composite(qkv, B, T, d, nHead);
  const H = nHead;
  const tt = T * T;
  const at = (s: Storage, off: number, sb: number, sh: number, ld: number, trans = false): Operand => ({ s, off, sb, sh, ld, trans });
  const Q = at(qkv.storage, 0, T * d3, hd, d3);
  const K = at(qkv.storage, d, T * d3, hd, d3);
  const V = at(qkv.storage, 2 * d, T * d3, hd, d3);
  const scores = empty([B, H, T, T], dt, qkv.device);
  const S = at(scores.storage, 0, H * tt, tt, T);
  headGemms(be, B, H, T, T, hd, Q, { ...K, trans: true }, S);
  const probs = empty([B, H, T, T], dt, qkv.device);
  if (!be.causalSoftmax(scores.storage, probs.storage, B * H * T, T, T, scale)) {
    scores.dispose();
    probs.dispose();
    return composite(qkv, B, T, d, nHead);
  }
  scores.dispose();
  const P = at(probs.storage, 0, H * tt, tt, T);
  const out = empty([B, T, d], dt, qkv.device);
  headGemms(be, B, H, T, hd, T, P, V, at(out.storage, 0, T * d, hd, d));
  if (!needsGrad(qkv)) {
    probs.dispose();
    return record(op, out, [qkv], () => [null]);
  }
  return record(op, out, [qkv], (g) => {
    const G = at(g.storage, 0, T * d, hd, d);
    const gqkv = empty([B, T, d3], dt, qkv.device);
    const gQ = at(gqkv.storage, 0, T * d3, hd, d3);
    const gK = at(gqkv.storage, d, T * d3, hd, d3);
    const gV = at(gqkv.storage, 2 * d, T * d3, hd, d3);
    headGemms(be, B, H, T, hd, T, { ...P, trans: true }, G, gV); // dV = Pᵀ·dO
    const gp = empty([B, H, T, T], dt, qkv.device);
    headGemms(be, B, H, T, T, hd, G, { ...V, trans: true }, at(gp.storage, 0, H * tt, tt, T)); // dP = dO·Vᵀ
    const gs = empty([B, H, T, T], dt, qkv.device);
    be.causalSoftmaxGrad?.(probs.storage, gp.storage, gs.storage, B * H * T, T, T, scale); // dS, scale included
    gp.dispose();
    const GS = at(gs.storage, 0, H * tt, tt, T);
    headGemms(be, B, H, T, hd, T, GS, K, gQ); // dQ = dS·K
    headGemms(be, B, H, T, hd, T, { ...GS, trans: true }, Q, gK); // dK = dSᵀ·Q
    gs.dispose();
    return [gqkv];
  });
}

function composite(qkv: Tensor, B: number, T: number, d: number, nHead: number): Tensor {
  const heads = (u: Tensor): Tensor => transpose(reshape(u, [B, T, nHead, d / nHead]), 1, 2);
  const [q, k, v] = chunk(qkv, 3, 2);
  const y = scaledDotProductAttention(heads(q), heads(k), heads(v), { isCausal: true });
  return reshape(transpose(y, 1, 2), [B, T, d]);
}
