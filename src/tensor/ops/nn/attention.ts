// Scaled dot-product attention: batched GEMM (k read transposed in place) → mask → row softmax →
// (dropout) → batched GEMM, with a hand-written backward over the same kernels.
import { autocastLower } from "../../../amp/autocast.js";
import { needsGrad, record } from "../../../autograd/record.js";
import type { Backend } from "../../../backends/backend.js";
import type { Storage } from "../../../backends/storage.js";
import { backendFor } from "../../../backends/registry.js";
import { empty } from "../../alloc.js";
import type { Generator } from "../../random.js";
import { broadcastShapes, broadcastStrides, contiguousStrides, fmtShape, numel, ShapeError } from "../../shape.js";
import { Tensor } from "../../tensor.js";
import { sumTo } from "../reduce.js";
import { dropoutMask } from "./dropout.js";
import { checkFloat, expandRecorded, gemm } from "./util.js";
import { flashAttend, headsLayout } from "./flash-attention.js";

export interface AttentionOptions {
  /** bool (true = attend) or float in q's dtype (added to the scores) mask broadcastable to [..., Lq, Lk]. */
  attnMask?: Tensor | null;
  /** Causal (top-left aligned) masking: query i attends to keys j ≤ i. */
  isCausal?: boolean;
  /** Dropout probability on the attention weights (applied only when > 0). */
  dropoutP?: number;
  /** Score scale; default 1/√d. */
  scale?: number | null;
  /** Generator for the dropout mask. */
  generator?: Generator;
}

// Causal masks are cached per device and size as bare storage (not tensors, which would count as live):
// building one is a host loop plus an upload, and an upload waits for the device queue, which would
// stall every layer of a GPU model.
const causalMasks = new Map<string, Storage>();

function causalMask(lq: number, lk: number, device: Tensor["device"]): Storage {
  const key = `${device}:${lq}x${lk}`;
  const hit = causalMasks.get(key);
  if (hit) return hit;
  const m = new Uint8Array(lq * lk);
  for (let i = 0; i < lq; i++) m.fill(1, i * lk, i * lk + Math.min(i + 1, lk));
  const st = backendFor(device).upload(m, "bool");
  causalMasks.set(key, st);
  return st;
}

/** Applies a bool mask (false → -inf) or adds a float mask to the scores, in place. */
function maskScores(b: Backend, scores: Tensor, mask: Storage, maskShape: readonly number[]): void {
  const shape = scores.shape;
  const sStrides = contiguousStrides(shape);
  if (mask.dtype === "bool") {
    const ninf = empty([], scores.dtype, scores.device);
    b.fill(ninf.storage, -Infinity);
    b.where(mask, broadcastStrides(maskShape, shape), scores.storage, sStrides, ninf.storage, shape.map(() => 0), scores.storage, shape);
    ninf.dispose();
  } else {
    b.binary("add", scores.storage, sStrides, mask, broadcastStrides(maskShape, shape), scores.storage, shape);
  }
}

/**
 * softmax(q·kᵀ·scale + mask)·v for q [..., Lq, d], k [..., Lk, d], v [..., Lk, dv]; leading dims
 * broadcast. Returns [..., Lq, dv] in q's dtype, which k and v must share.
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  const op = "scaledDotProductAttention";
  [q, k, v] = autocastLower([q, k, v]);
  // a float mask follows q into autocast's dtype (a bool mask is left alone)
  const given = opts.attnMask ?? null;
  const mask = given && given.dtype !== "bool" ? autocastLower([given])[0] : given;
  const dt = checkFloat(op, { q, k, v });
  if (q.ndim < 2 || k.ndim < 2 || v.ndim < 2) {
    throw new ShapeError(op, `expects q [..., Lq, d], k [..., Lk, d], v [..., Lk, dv], got ${fmtShape(q.shape)}, ${fmtShape(k.shape)}, ${fmtShape(v.shape)}`);
  }
  const [lq, d] = q.shape.slice(-2);
  const [lk, dk] = k.shape.slice(-2);
  const [lv, dv] = v.shape.slice(-2);
  if (dk !== d || lv !== lk) {
    throw new ShapeError(op, `q ${fmtShape(q.shape)}, k ${fmtShape(k.shape)}, v ${fmtShape(v.shape)}: need q and k to share d and k and v to share Lk`);
  }
  if (mask && opts.isCausal) throw new ShapeError(op, "pass either attnMask or isCausal, not both");
  const p = opts.dropoutP ?? 0;
  if (!(p >= 0 && p < 1)) throw new ShapeError(op, `dropoutP must be in [0, 1), got ${p}`);
  const scale = opts.scale ?? 1 / Math.sqrt(d);
  const batchShape = broadcastShapes(op, broadcastShapes(op, q.shape.slice(0, -2), k.shape.slice(0, -2)), v.shape.slice(0, -2));
  const qe = expandRecorded(q, [...batchShape, lq, d]);
  const ke = expandRecorded(k, [...batchShape, lk, d]);
  const ve = expandRecorded(v, [...batchShape, lk, dv]);
  const nb = numel(batchShape);
  const scoreShape = [...batchShape, lq, lk];
  if (mask) {
    // PyTorch: "Expected attn_mask dtype to be bool or float or to match query dtype"
    if (mask.dtype !== "bool" && mask.dtype !== dt) throw new ShapeError(op, `attnMask must be bool or q's dtype ${dt}, got ${mask.dtype}`);
    if (mask.device !== q.device) throw new ShapeError(op, `attnMask is on ${mask.device} but q is on ${q.device}`);
    const off = scoreShape.length - mask.ndim;
    if (off < 0 || mask.shape.some((d, i) => d !== 1 && d !== scoreShape[off + i])) throw new ShapeError(op, `attnMask ${fmtShape(mask.shape)} does not broadcast to the scores ${fmtShape(scoreShape)}`);
  }
  if (!mask && p === 0 && dv === d) {
    const layout = (rows: number) => headsLayout(1, rows, d);
    const params = { batch: nb, heads: 1, lq, lk, headDim: d, scale, causal: opts.isCausal ?? false, q: layout(lq), k: layout(lk), v: layout(lk), out: layout(lq) };
    const fused = flashAttend(op, { q: qe, k: ke, v: ve }, [...batchShape, lq, d], params);
    if (fused) return fused;
  }
  const b = q.backend;
  const sStrides = contiguousStrides(scoreShape);
  const scores = empty(scoreShape, dt, q.device);
  const probs = empty(scoreShape, dt, q.device);
  // a backend's fused causal softmax scales and masks in the same pass; otherwise q is pre-scaled (the
  // backward of k then needs no extra pass) and a mask applied to the scores
  let qs = qe;
  let fused = false;
  if (opts.isCausal && b.causalSoftmax) {
    gemm(qe, ke, scores, { batch: nb, m: lq, n: lk, k: d, transA: false, transB: true, strideA: lq * d, strideB: lk * d });
    fused = b.causalSoftmax(scores.storage, probs.storage, nb * lq, lk, lq, scale);
  }
  if (!fused) {
    if (scale !== 1) {
      qs = empty(qe.shape, dt, q.device);
      b.binaryScalar("mul", qe.storage, scale, qs.storage, qe.size, false);
    }
    gemm(qs, ke, scores, { batch: nb, m: lq, n: lk, k: d, transA: false, transB: true, strideA: lq * d, strideB: lk * d });
    if (opts.isCausal) maskScores(b, scores, causalMask(lq, lk, q.device), [lq, lk]);
    else if (mask) maskScores(b, scores, mask.storage, mask.shape);
    b.softmax(scores.storage, probs.storage, nb * lq, lk, false);
  }
  scores.dispose();
  let dmask: Tensor | null = null;
  let pd = probs;
  if (p > 0) {
    dmask = dropoutMask(scoreShape, p, q.device, opts.generator, dt);
    pd = empty(scoreShape, dt, q.device);
    b.binary("mul", probs.storage, sStrides, dmask.storage, sStrides, pd.storage, scoreShape);
  }
  const out = empty([...batchShape, lq, dv], dt, q.device);
  gemm(pd, ve, out, { batch: nb, m: lq, n: dv, k: lk, transA: false, transB: false, strideA: lq * lk, strideB: lk * dv });
  const floatMask = mask && mask.dtype !== "bool" ? mask : null;
  const inputs = floatMask ? [qe, ke, ve, floatMask] : [qe, ke, ve];
  if (!needsGrad(...inputs)) {
    for (const t of [probs, pd, dmask]) if (t && !t.isDisposed) t.dispose();
    if (qs !== qe) qs.dispose();
  }
  return record(op, out, inputs, (g) => {
    let gv: Tensor | null = null;
    if (ve.requiresGrad) {
      gv = empty(ve.shape, dt, q.device);
      gemm(pd, g, gv, { batch: nb, m: lk, n: dv, k: lq, transA: true, transB: false, strideA: lq * lk, strideB: lq * dv });
    }
    if (!qe.requiresGrad && !ke.requiresGrad && !floatMask?.requiresGrad) return [null, null, gv, null];
    const gp = empty(scoreShape, dt, q.device);
    gemm(g, ve, gp, { batch: nb, m: lq, n: lk, k: dv, transA: false, transB: true, strideA: lq * dv, strideB: lk * dv });
    if (dmask) b.binary("mul", gp.storage, sStrides, dmask.storage, sStrides, gp.storage, scoreShape);
    const gs = empty(scoreShape, dt, q.device);
    // the fused path's gradient includes the scale, which the unfused path folded into qs
    const fusedGrad = fused && (b.causalSoftmaxGrad?.(probs.storage, gp.storage, gs.storage, nb * lq, lk, lq, scale) ?? false);
    if (!fusedGrad) {
      b.softmaxGrad(probs.storage, gp.storage, gs.storage, nb * lq, lk, false);
      if (fused && scale !== 1) b.binaryScalar("mul", gs.storage, scale, gs.storage, gs.size, false);
    }
    gp.dispose();
    let gq: Tensor | null = null;
    let gk: Tensor | null = null;
    if (qe.requiresGrad) {
      gq = empty(qe.shape, dt, q.device);
      gemm(gs, ke, gq, { batch: nb, m: lq, n: d, k: lk, transA: false, transB: false, strideA: lq * lk, strideB: lk * d });
      if (!fused && scale !== 1) b.binaryScalar("mul", gq.storage, scale, gq.storage, gq.size, false);
    }
    if (ke.requiresGrad) {
      gk = empty(ke.shape, dt, q.device);
      gemm(gs, qs, gk, { batch: nb, m: lk, n: d, k: lq, transA: true, transB: false, strideA: lq * lk, strideB: lq * d });
    }
    let gm: Tensor | null = null;
    if (floatMask?.requiresGrad) {
      gm = sumTo(gs, floatMask.shape);
      if (gm === gs) return [gq, gk, gv, gm];
    }
    gs.dispose();
    return [gq, gk, gv, gm];
  });
}
