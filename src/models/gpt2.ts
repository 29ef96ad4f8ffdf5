// GPT-2 (Radford et al. 2019): token + learned position embeddings, pre-LayerNorm decoder blocks with
// causal self-attention and a tanh-GELU MLP, a final LayerNorm and an output head tied to the token
// embedding. Runs on any backend; on cuda the causal attention takes the fused softmax path.
import { arange } from "../tensor/creation.js";
import { add } from "../tensor/ops/elementwise.js";
import { gelu } from "../tensor/ops/elementwise.js";
import { linear } from "../tensor/ops/linalg.js";
import { dropout } from "../tensor/ops/nn.js";
import { causalSelfAttention, scaledDotProductAttention } from "../tensor/ops/nn.js";
import { chunk, reshape, transpose } from "../tensor/ops/shape.js";
import { fmtShape, ShapeError } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { ConfigReader, registerLayer, type LayerConfig } from "../nn/config.js";
import { ModuleList } from "../nn/containers.js";
import { Embedding } from "../nn/embedding.js";
import { normal_, zeros_ } from "../nn/init.js";
import { Linear } from "../nn/linear.js";
import { Module } from "../nn/module.js";
import { LayerNorm } from "../nn/norm.js";
import type { Generator } from "../tensor/random.js";
import type { KVCache } from "./kv-cache.js";

export interface GPT2Config {
  vocabSize: number;
  /** Context length: the number of learned positions. */
  nPositions: number;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  layerNormEps?: number;
  /** Dropout on embeddings, attention output and MLP output while training (GPT-2 used 0.1). */
  dropout?: number;
}

/** GPT-2 small: 124M parameters with the vocabulary padded to 50304 (a multiple of 128, as nanoGPT). */
export const GPT2_124M: GPT2Config = { vocabSize: 50304, nPositions: 1024, nEmbd: 768, nLayer: 12, nHead: 12 };

class GPT2Attention extends Module<[Tensor, KVCache | null, number], Tensor> {
  cAttn: Linear;
  cProj: Linear;

  constructor(readonly nEmbd: number, readonly nHead: number, gen?: Generator) {
    super();
    this.cAttn = new Linear(nEmbd, 3 * nEmbd, { generator: gen });
    this.cProj = new Linear(nEmbd, nEmbd, { generator: gen });
  }

  override forward(x: Tensor, cache: KVCache | null, layer: number): Tensor {
    const [b, t, d] = x.shape;
    const nh = this.nHead;
    const qkv = this.cAttn.call(x);
    if (!cache) return this.cProj.call(causalSelfAttention(qkv, nh)); // heads read in place where the backend can
    const [q, k, v] = chunk(qkv, 3, 2);
    if (t === 1 && cache.length > 0) {
      cache.append(layer, k, v);
      return this.cProj.call(cache.attendOne(layer, q, cache.length + 1));
    }
    if (cache.length !== 0) throw new ShapeError("GPT2", `a KV cache holding ${cache.length} positions takes one new token at a time, got ${t}`);
    cache.append(layer, k, v);
    const heads = (u: Tensor): Tensor => transpose(reshape(u, [b, t, nh, d / nh]), 1, 2);
    const y = scaledDotProductAttention(heads(q), heads(k), heads(v), { isCausal: true });
    return this.cProj.call(reshape(transpose(y, 1, 2), [b, t, d]));
  }
}

class GPT2Block extends Module<[Tensor, KVCache | null, number], Tensor> {
  ln1: LayerNorm;
  attn: GPT2Attention;
  ln2: LayerNorm;
  cFc: Linear;
  cProj: Linear;

  constructor(readonly cfg: Required<GPT2Config>, gen?: Generator) {
    super();
    const d = cfg.nEmbd;
    this.ln1 = new LayerNorm(d, { eps: cfg.layerNormEps });
    this.attn = new GPT2Attention(d, cfg.nHead, gen);
    this.ln2 = new LayerNorm(d, { eps: cfg.layerNormEps });
    this.cFc = new Linear(d, 4 * d, { generator: gen });
    this.cProj = new Linear(4 * d, d, { generator: gen });
  }

  override forward(x: Tensor, cache: KVCache | null, layer: number): Tensor {
    const p = this.training ? this.cfg.dropout : 0;
    const drop = (t: Tensor): Tensor => (p > 0 ? dropout(t, p, true) : t);
    const h = add(x, drop(this.attn.call(this.ln1.call(x), cache, layer)));
    return add(h, drop(this.cProj.call(gelu(this.cFc.call(this.ln2.call(h)), "tanh"))));
  }
}

/**
 * GPT-2. `forward(idx)` maps int32 token ids [B, T] to logits [B, T, vocabSize]; with a KVCache it
 * appends the new positions to the cache (a prompt first, then one token at a time) and attends over
 * everything cached. Initialisation follows GPT-2: N(0, 0.02) weights, residual projections scaled by
 * 1/√(2·nLayer), zero biases.
 */
export class GPT2 extends Module<[Tensor, KVCache?], Tensor> {
  readonly config: Required<GPT2Config>;
  wte: Embedding;
  wpe: Embedding;
  h: ModuleList<GPT2Block>;
  lnF: LayerNorm;

  constructor(config: GPT2Config, opts: { generator?: Generator } = {}) {
    super();
    const c = (this.config = { layerNormEps: 1e-5, dropout: 0, ...config });
    for (const k of ["vocabSize", "nPositions", "nEmbd", "nLayer", "nHead"] as const) {
      if (!Number.isInteger(c[k]) || c[k] <= 0) throw new ShapeError("GPT2", `${k} must be a positive integer, got ${c[k]}`);
    }
    if (c.nEmbd % c.nHead !== 0) throw new ShapeError("GPT2", `nEmbd ${c.nEmbd} is not divisible by nHead ${c.nHead}`);
    const gen = opts.generator;
    this.wte = new Embedding(c.vocabSize, c.nEmbd, { generator: gen });
    this.wpe = new Embedding(c.nPositions, c.nEmbd, { generator: gen });
    this.h = new ModuleList(Array.from({ length: c.nLayer }, () => new GPT2Block(c, gen)));
    this.lnF = new LayerNorm(c.nEmbd, { eps: c.layerNormEps });
    const projStd = 0.02 / Math.sqrt(2 * c.nLayer);
    for (const [name, p] of this.namedParameters()) {
      if (name.endsWith(".bias")) zeros_(p);
      else if (p.ndim === 2) normal_(p, 0, name.endsWith("cProj.weight") ? projStd : 0.02, gen);
    }
  }

  override forward(idx: Tensor, cache?: KVCache): Tensor {
    const c = this.config;
    if (idx.ndim !== 2 || idx.dtype !== "int32") throw new ShapeError("GPT2", `expects int32 token ids [B, T], got ${idx.dtype} ${fmtShape(idx.shape)}`);
    const t = idx.shape[1];
    const start = cache?.length ?? 0;
    if (start + t > c.nPositions) throw new ShapeError("GPT2", `${start + t} positions exceed the context of ${c.nPositions}`);
    const pos = arange(start, start + t, 1, { dtype: "int32", device: idx.device });
    let x = add(this.wte.call(idx), this.wpe.call(pos));
    if (this.training && c.dropout > 0) x = dropout(x, c.dropout, true);
    let layer = 0;
    for (const block of this.h) x = block.call(x, cache ?? null, layer++);
    if (cache) cache.length = start + t;
    return linear(this.lnF.call(x), this.wte.weight); // the head shares the token embedding
  }

  override getConfig(): LayerConfig {
    return { type: "GPT2", ...this.config };
  }
}

registerLayer("GPT2", (cfg) => {
  const r = new ConfigReader(cfg);
  return new GPT2({
    vocabSize: r.int("vocabSize"),
    nPositions: r.int("nPositions"),
    nEmbd: r.int("nEmbd"),
    nLayer: r.int("nLayer"),
    nHead: r.int("nHead"),
    layerNormEps: r.number("layerNormEps", 1e-5),
    dropout: r.number("dropout", 0),
  });
});
