// Key/value cache for autoregressive decoding: per layer, keys and values of every position seen so
// far, preallocated as [B, heads, maxLen, headDim] so appending writes in place and attention reads
// the prefix through GEMM strides (no concatenation, no copies per token).
import { empty } from "../tensor/alloc.js";
import { gemm } from "../tensor/ops/nn/util.js";
import { fmtShape, ShapeError } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";

export class KVCache {
  /** Positions written so far (the same for every layer once a forward pass completes). */
  length = 0;
  private readonly keys: Tensor[];
  private readonly values: Tensor[];

  constructor(
    readonly layers: number,
    readonly batch: number,
    readonly heads: number,
    readonly maxLen: number,
    readonly headDim: number,
    readonly device: Tensor["device"] = "cpu",
  ) {
    const shape = [batch, heads, maxLen, headDim];
    this.keys = Array.from({ length: layers }, () => empty(shape, "float32", device));
    this.values = Array.from({ length: layers }, () => empty(shape, "float32", device));
  }

  /**
   * Writes k and v of `t` new positions ([B, t, heads·headDim], heads interleaved as a linear layer
   * lays them out) at positions [length, length + t) of `layer`.
   */
  append(layer: number, k: Tensor, v: Tensor): void {
    const { batch: b, heads: nh, headDim: hd, maxLen } = this;
    const t = k.shape[1];
    if (k.ndim !== 3 || k.shape[0] !== b || k.shape[2] !== nh * hd) throw new ShapeError("KVCache.append", `keys must be [${b}, t, ${nh * hd}], got ${fmtShape(k.shape)}`);
    if (this.length + t > maxLen) throw new ShapeError("KVCache.append", `${this.length} cached + ${t} new positions exceed maxLen ${maxLen}`);
    const src = [t * nh * hd, hd, nh * hd, 1]; // [B, t, nh, hd] read as [B, nh, t, hd]
    const dst = [nh * maxLen * hd, maxLen * hd, hd, 1];
    const shape = [b, nh, t, hd];
    k.backend.copyStrided(k.storage, 0, src, this.keys[layer].storage, this.length * hd, dst, shape);
    v.backend.copyStrided(v.storage, 0, src, this.values[layer].storage, this.length * hd, dst, shape);
  }

  /**
   * Attention of one new query per sequence (q [B, 1, heads·headDim]) over the `upTo` cached positions
   * of `layer`: softmax(q·kᵀ/√d)·v, returned as [B, 1, heads·headDim]. No mask is needed: a query at the
   * newest position may see every earlier one.
   */
  attendOne(layer: number, q: Tensor, upTo: number): Tensor {
    const { batch: b, heads: nh, headDim: hd, maxLen } = this;
    if (q.ndim !== 3 || q.shape[0] !== b || q.shape[1] !== 1 || q.shape[2] !== nh * hd) throw new ShapeError("KVCache.attendOne", `query must be [${b}, 1, ${nh * hd}], got ${fmtShape(q.shape)}`);
    const be = q.backend;
    const nb = b * nh;
    const qs = empty([nb, 1, hd], "float32", q.device); // [B, 1, nh·hd] is already [B·nh, 1, hd]
    be.binaryScalar("mul", q.storage, 1 / Math.sqrt(hd), qs.storage, q.size, false);
    const scores = empty([nb, upTo], "float32", q.device);
    gemm(qs, this.keys[layer], scores, { batch: nb, m: 1, n: upTo, k: hd, transA: false, transB: true, strideA: hd, strideB: maxLen * hd });
    qs.dispose();
    const probs = empty([nb, upTo], "float32", q.device);
    be.softmax(scores.storage, probs.storage, nb, upTo, false);
    scores.dispose();
    const out = empty([b, 1, nh * hd], "float32", q.device);
    gemm(probs, this.values[layer], out, { batch: nb, m: 1, n: hd, k: upTo, transA: false, transB: false, strideA: upTo, strideB: maxLen * hd });
    probs.dispose();
    return out;
  }

  dispose(): void {
    for (const t of [...this.keys, ...this.values]) t.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
