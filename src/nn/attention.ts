// Multi-head attention (torch.nn.MultiheadAttention): input projections, per-head scaled dot-product
// attention with padding / attention / causal masks, and the output projection.
import { tensor } from "../tensor/creation.js";
import { add, mul, where } from "../tensor/ops/elementwise.js";
import { narrow } from "../tensor/ops/index-ops.js";
import { linear, matmul } from "../tensor/ops/linalg.js";
import { scaledDotProductAttention } from "../tensor/ops/nn/attention.js";
import { dropout } from "../tensor/ops/nn/dropout.js";
import { softmax } from "../tensor/ops/nn/softmax.js";
import { mean } from "../tensor/ops/reduce.js";
import { permute, reshape, squeeze, transpose, unsqueeze } from "../tensor/ops/shape.js";
import type { Generator } from "../tensor/random.js";
import { fmtShape, ShapeError } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { ConfigReader, registerLayer, type LayerConfig } from "./config.js";
import { constant_, xavierUniform_ } from "./init.js";
import { Linear } from "./linear.js";
import { Module } from "./module.js";
import type { Parameter } from "./parameter.js";
import { checkInt, checkRange, emptyParameter, forwardScope } from "./util.js";

/** Constructor options of MultiheadAttention (PyTorch's, in camelCase). */
export interface MultiheadAttentionOptions {
  /** Dropout probability on the attention weights, in training mode (default 0). */
  dropout?: number;
  /** Learn the input and output projection biases (default true). */
  bias?: boolean;
  /** Inputs and output are [batch, seq, feature] instead of [seq, batch, feature] (default false). */
  batchFirst?: boolean;
  /** Feature size of the keys (default embedDim). */
  kdim?: number | null;
  /** Feature size of the values (default embedDim). */
  vdim?: number | null;
  /** Generator for the initial weights and the dropout masks (default: the global one). */
  generator?: Generator;
}

/**
 * Masks and switches of one attention call. Boolean masks follow PyTorch's convention: **true means
 * masked out** (a padding key, a forbidden position); float masks are added to the scores.
 */
export interface MultiheadAttentionForwardOptions {
  /** [batch, srcLen] (or [srcLen] unbatched): true (or −inf) at padding keys. */
  keyPaddingMask?: Tensor | null;
  /** [tgtLen, srcLen] or [batch·numHeads, tgtLen, srcLen]: true (or −inf) where query i may not see key j. */
  attnMask?: Tensor | null;
  /** Return the attention weights (default true, as PyTorch); false takes the fused attention kernel. */
  needWeights?: boolean;
  /** Average the returned weights over heads → [batch, tgtLen, srcLen] (default true); else [batch, numHeads, tgtLen, srcLen]. */
  averageAttnWeights?: boolean;
  /** Causal masking (query i sees keys j ≤ i) without building a mask; not together with attnMask. */
  isCausal?: boolean;
}

/**
 * Multi-head attention: softmax(q·kᵀ/√d + mask)·v per head over projected inputs, then an output
 * projection. forward(query [L, N, E], key [S, N, kdim], value [S, N, vdim]) (batchFirst: [N, L, E]
 * ...; unbatched: [L, E] ...) → [output like query, weights | null]. Parameters as PyTorch:
 * inProjWeight [3E, E] (or qProjWeight, kProjWeight, vProjWeight when kdim or vdim differ from E),
 * inProjBias [3E], outProj (a Linear); projections start Xavier-uniform, biases zero.
 */
export class MultiheadAttention extends Module<[Tensor, Tensor, Tensor, MultiheadAttentionForwardOptions?], [Tensor, Tensor | null]> {
  inProjWeight: Parameter | null = null;
  qProjWeight: Parameter | null = null;
  kProjWeight: Parameter | null = null;
  vProjWeight: Parameter | null = null;
  inProjBias: Parameter | null;
  outProj: Linear;
  readonly kdim: number;
  readonly vdim: number;
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly #generator: Generator | undefined;

  constructor(readonly embedDim: number, readonly numHeads: number, opts: MultiheadAttentionOptions = {}) {
    super();
    checkInt("MultiheadAttention", "embedDim", embedDim);
    checkInt("MultiheadAttention", "numHeads", numHeads);
    if (embedDim % numHeads !== 0) throw new Error(`MultiheadAttention: embedDim ${embedDim} must be divisible by numHeads ${numHeads}`);
    this.headDim = embedDim / numHeads;
    this.kdim = opts.kdim ?? embedDim;
    this.vdim = opts.vdim ?? embedDim;
    checkInt("MultiheadAttention", "kdim", this.kdim);
    checkInt("MultiheadAttention", "vdim", this.vdim);
    this.dropout = opts.dropout ?? 0;
    checkRange("MultiheadAttention", "dropout", this.dropout, 0, 1);
    this.batchFirst = opts.batchFirst ?? false;
    this.#generator = opts.generator;
    const bias = opts.bias ?? true;
    // PyTorch's registration order (and so state-dict order): weights, in_proj_bias, out_proj
    if (this.#packed) this.inProjWeight = emptyParameter([3 * embedDim, embedDim]);
    else {
      this.qProjWeight = emptyParameter([embedDim, embedDim]);
      this.kProjWeight = emptyParameter([embedDim, this.kdim]);
      this.vProjWeight = emptyParameter([embedDim, this.vdim]);
    }
    this.inProjBias = bias ? emptyParameter([3 * embedDim]) : null;
    this.outProj = new Linear(embedDim, embedDim, { bias, generator: opts.generator });
    this.resetParameters(opts.generator);
  }

  /** True when q, k and v share one packed projection weight (kdim = vdim = embedDim). */
  get #packed(): boolean {
    return this.kdim === this.embedDim && this.vdim === this.embedDim;
  }

  /** Xavier-uniform projection weights, zero biases (the output weight keeps Linear's init), as PyTorch. */
  resetParameters(generator?: Generator): void {
    for (const w of [this.inProjWeight, this.qProjWeight, this.kProjWeight, this.vProjWeight]) if (w) xavierUniform_(w, 1, generator);
    if (this.inProjBias) constant_(this.inProjBias, 0);
    if (this.outProj.bias) constant_(this.outProj.bias, 0);
  }

  #label(): string {
    return `MultiheadAttention(embedDim=${this.embedDim}, numHeads=${this.numHeads})`;
  }

  override forward(query: Tensor, key: Tensor, value: Tensor, opts: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    const label = this.#label();
    const batched = query.ndim === 3;
    if (query.ndim !== 2 && query.ndim !== 3) throw new ShapeError(label, `query must be [seq, batch, ${this.embedDim}], [batch, seq, ${this.embedDim}] (batchFirst) or [seq, ${this.embedDim}], got ${fmtShape(query.shape)}`);
    const check = (name: string, t: Tensor, feat: number): void => {
      if (t.ndim !== query.ndim || t.shape[t.ndim - 1] !== feat) throw new ShapeError(label, `${name} ${fmtShape(t.shape)} must have ${query.ndim} dims (like query ${fmtShape(query.shape)}) and ${feat} features`);
    };
    check("query", query, this.embedDim);
    check("key", key, this.kdim);
    check("value", value, this.vdim);
    // to batch-first [N, L, *]
    const toBf = (t: Tensor): Tensor => (!batched ? unsqueeze(t, 0) : this.batchFirst ? t : transpose(t, 0, 1));
    const [n, l] = batched ? (this.batchFirst ? query.shape : [query.shape[1], query.shape[0]]) : [1, query.shape[0]];
    const kShape = batched ? (this.batchFirst ? key.shape : [key.shape[1], key.shape[0]]) : [1, key.shape[0]];
    const vShape = batched ? (this.batchFirst ? value.shape : [value.shape[1], value.shape[0]]) : [1, value.shape[0]];
    if (kShape[0] !== n || vShape[0] !== n || kShape[1] !== vShape[1]) {
      throw new ShapeError(label, `query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} must share the batch size, and key and value the sequence length`);
    }
    const s = kShape[1];
    if (opts.attnMask && opts.isCausal) throw new ShapeError(label, "pass either attnMask or isCausal, not both");
    const needWeights = opts.needWeights ?? true;
    const e = this.embedDim;
    const h = this.numHeads;
    const d = this.headDim;
    return forwardScope([query, key, value, opts.attnMask, opts.keyPaddingMask, ...this.parameters()], () => {
      const w = (i: number, packed: Parameter | null): Tensor => (this.inProjWeight ? narrow(this.inProjWeight, 0, i * e, e) : packed!);
      const b = (i: number): Tensor | null => (this.inProjBias ? narrow(this.inProjBias, 0, i * e, e) : null);
      // [N, L, E] → [N, H, L, d]
      const heads = (t: Tensor, len: number): Tensor => permute(reshape(t, [n, len, h, d]), [0, 2, 1, 3]);
      const q = heads(linear(toBf(query), w(0, this.qProjWeight), b(0)), l);
      const k = heads(linear(toBf(key), w(1, this.kProjWeight), b(1)), s);
      const v = heads(linear(toBf(value), w(2, this.vProjWeight), b(2)), s);
      const mask = this.#mask(label, opts, batched, n, l, s);
      const p = this.training ? this.dropout : 0;
      let attn: Tensor;
      let weights: Tensor | null = null;
      if (needWeights) {
        // the weights are wanted, so the scores are materialised (the fused kernel does not return them)
        let scores = matmul(mul(q, 1 / Math.sqrt(d)), transpose(k, -2, -1));
        if (mask) scores = add(scores, mask);
        else if (opts.isCausal) scores = add(scores, causalMask(l, s, query.device));
        weights = dropout(softmax(scores, -1), p, p > 0, this.#generator);
        attn = matmul(weights, v);
        if (opts.averageAttnWeights ?? true) weights = mean(weights, 1);
        if (!batched) weights = squeeze(weights, 0);
      } else {
        attn = scaledDotProductAttention(q, k, v, { attnMask: mask, isCausal: !mask && (opts.isCausal ?? false), dropoutP: p, generator: this.#generator });
      }
      let out = this.outProj.forward(reshape(permute(attn, [0, 2, 1, 3]), [n, l, e]));
      out = !batched ? squeeze(out, 0) : this.batchFirst ? out : transpose(out, 0, 1);
      return [out, weights];
    });
  }

  /** The additive float mask [N | 1, H | 1, L, S] from keyPaddingMask and attnMask (and isCausal with a padding mask), or null. */
  #mask(label: string, opts: MultiheadAttentionForwardOptions, batched: boolean, n: number, l: number, s: number): Tensor | null {
    const asFloat = (name: string, m: Tensor): Tensor => {
      if (m.dtype === "int32") throw new ShapeError(label, `${name} must be bool (true = masked out) or float32 (added to the scores), got int32`);
      return m.dtype === "bool" ? where(m, -Infinity, 0) : m;
    };
    let mask: Tensor | null = null;
    const kpm = opts.keyPaddingMask;
    if (kpm) {
      const want = batched ? [n, s] : [s];
      if (kpm.ndim !== want.length || kpm.shape.some((v, i) => v !== want[i])) throw new ShapeError(label, `keyPaddingMask must be ${fmtShape(want)} (batch, source length), got ${fmtShape(kpm.shape)}`);
      mask = reshape(asFloat("keyPaddingMask", kpm), [n, 1, 1, s]);
    }
    const am = opts.attnMask;
    if (am) {
      const is2d = am.ndim === 2 && am.shape[0] === l && am.shape[1] === s;
      const is3d = am.ndim === 3 && am.shape[0] === n * this.numHeads && am.shape[1] === l && am.shape[2] === s;
      if (!is2d && !is3d) throw new ShapeError(label, `attnMask must be [${l}, ${s}] or [${n * this.numHeads}, ${l}, ${s}] (batch·numHeads, target, source), got ${fmtShape(am.shape)}`);
      const f = reshape(asFloat("attnMask", am), is2d ? [1, 1, l, s] : [n, this.numHeads, l, s]);
      mask = mask ? add(mask, f) : f;
    }
    if (opts.isCausal && mask) mask = add(mask, causalMask(l, s, mask.device));
    return mask;
  }

  override getConfig(): LayerConfig {
    return {
      type: "MultiheadAttention", embedDim: this.embedDim, numHeads: this.numHeads, dropout: this.dropout, bias: this.inProjBias !== null,
      batchFirst: this.batchFirst, kdim: this.kdim, vdim: this.vdim,
    };
  }
}

/** [L, S] float mask, −inf above the diagonal (query i sees keys j ≤ i, top-left aligned). */
export function causalMask(l: number, s: number, device: Tensor["device"] = "cpu"): Tensor {
  const m = new Float32Array(l * s);
  for (let i = 0; i < l; i++) m.fill(-Infinity, i * s + Math.min(i + 1, s), (i + 1) * s);
  return tensor(m, { shape: [l, s], device });
}

registerLayer("MultiheadAttention", (c) => {
  const r = new ConfigReader(c);
  const e = r.int("embedDim");
  return new MultiheadAttention(e, r.int("numHeads"), {
    dropout: r.number("dropout", 0), bias: r.bool("bias", true), batchFirst: r.bool("batchFirst", false), kdim: r.int("kdim", e), vdim: r.int("vdim", e),
  });
});
