// Positional information for sequence models: the fixed sinusoidal table of "Attention Is All You
// Need", a learned table, and rotary embeddings (RoPE, GPT-NeoX / LLaMA half-rotation layout).
import { tensor } from "../tensor/creation.js";
import { add, mul, neg } from "../tensor/ops/elementwise.js";
import { narrow } from "../tensor/ops/index-ops.js";
import { cat, reshape } from "../tensor/ops/shape.js";
import type { Generator } from "../tensor/random.js";
import { fmtShape, ShapeError } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { ConfigReader, registerLayer, type LayerConfig } from "./config.js";
import { normal_ } from "./init.js";
import { Module } from "./module.js";
import type { Parameter } from "./parameter.js";
import { checkInt, emptyParameter, forwardScope } from "./util.js";

/** Options of the additive positional encodings. */
export interface PositionalEncodingOptions {
  /** x is [batch, seq, dModel] or [seq, dModel] (default true); false: [seq, batch, dModel]. */
  batchFirst?: boolean;
}

/** Checks x against an additive table and returns the table slice's shape for broadcasting. */
function tableShape(label: string, x: Tensor, dModel: number, maxLen: number, offset: number, batchFirst: boolean): [number, number[]] {
  const layout = batchFirst ? `[batch, seq, ${dModel}] or [seq, ${dModel}]` : `[seq, batch, ${dModel}]`;
  const ok = x.shape[x.ndim - 1] === dModel && (batchFirst ? x.ndim === 2 || x.ndim === 3 : x.ndim === 3);
  if (!ok) throw new ShapeError(label, `input must be ${layout}, got ${fmtShape(x.shape)}`);
  const seq = batchFirst ? x.shape[x.ndim - 2] : x.shape[0];
  if (!Number.isInteger(offset) || offset < 0 || offset + seq > maxLen) {
    throw new ShapeError(label, `positions ${offset}..${offset + seq - 1} (offset ${offset}, input ${fmtShape(x.shape)}) exceed maxLen ${maxLen}`);
  }
  return [seq, batchFirst ? [seq, dModel] : [seq, 1, dModel]];
}

/**
 * Adds the fixed table PE[p, 2i] = sin(p / 10000^(2i/dModel)), PE[p, 2i+1] = cos(same) to x.
 * forward(x, offset = 0) uses positions offset.. (for incremental decoding). The table is a
 * non-persistent buffer `pe` [maxLen, dModel]: it is not saved, since it is recomputed.
 */
export class SinusoidalPositionalEncoding extends Module<[Tensor, number?], Tensor> {
  pe: Tensor;
  readonly batchFirst: boolean;

  constructor(readonly dModel: number, readonly maxLen = 5000, opts: PositionalEncodingOptions = {}) {
    super();
    checkInt("SinusoidalPositionalEncoding", "dModel", dModel);
    checkInt("SinusoidalPositionalEncoding", "maxLen", maxLen);
    this.batchFirst = opts.batchFirst ?? true;
    const t = new Float32Array(maxLen * dModel);
    for (let p = 0; p < maxLen; p++) {
      for (let i = 0; i < dModel; i += 2) {
        const angle = p / 10000 ** (i / dModel);
        t[p * dModel + i] = Math.sin(angle);
        if (i + 1 < dModel) t[p * dModel + i + 1] = Math.cos(angle);
      }
    }
    this.pe = tensor(t, { shape: [maxLen, dModel] });
    this.registerBuffer("pe", this.pe, false);
  }

  override forward(x: Tensor, offset = 0): Tensor {
    const label = `SinusoidalPositionalEncoding(dModel=${this.dModel}, maxLen=${this.maxLen})`;
    const [seq, shape] = tableShape(label, x, this.dModel, this.maxLen, offset, this.batchFirst);
    return forwardScope([x], () => add(x, reshape(narrow(this.pe, 0, offset, seq), shape)));
  }

  override getConfig(): LayerConfig {
    return { type: "SinusoidalPositionalEncoding", dModel: this.dModel, maxLen: this.maxLen, batchFirst: this.batchFirst };
  }
}

/** Options of LearnedPositionalEmbedding. */
export interface LearnedPositionalEmbeddingOptions extends PositionalEncodingOptions {
  /** Generator for the initial N(0, 1) table (default: the global one). */
  generator?: Generator;
}

/**
 * Adds a learned table weight [maxLen, dModel] (initialised N(0, 1), like an Embedding) to x:
 * forward(x, offset = 0) adds rows offset..offset+seq−1.
 */
export class LearnedPositionalEmbedding extends Module<[Tensor, number?], Tensor> {
  weight: Parameter;
  readonly batchFirst: boolean;

  constructor(readonly maxLen: number, readonly dModel: number, opts: LearnedPositionalEmbeddingOptions = {}) {
    super();
    checkInt("LearnedPositionalEmbedding", "maxLen", maxLen);
    checkInt("LearnedPositionalEmbedding", "dModel", dModel);
    this.batchFirst = opts.batchFirst ?? true;
    this.weight = emptyParameter([maxLen, dModel]);
    this.resetParameters(opts.generator);
  }

  /** Re-draws the table from N(0, 1). */
  resetParameters(generator?: Generator): void {
    normal_(this.weight, 0, 1, generator);
  }

  override forward(x: Tensor, offset = 0): Tensor {
    const label = `LearnedPositionalEmbedding(maxLen=${this.maxLen}, dModel=${this.dModel})`;
    const [seq, shape] = tableShape(label, x, this.dModel, this.maxLen, offset, this.batchFirst);
    return forwardScope([x, this.weight], () => add(x, reshape(narrow(this.weight, 0, offset, seq), shape)));
  }

  override getConfig(): LayerConfig {
    return { type: "LearnedPositionalEmbedding", maxLen: this.maxLen, dModel: this.dModel, batchFirst: this.batchFirst };
  }
}

/** Options of RotaryEmbedding. */
export interface RotaryEmbeddingOptions {
  /** Base of the frequencies θ_i = base^(−2i/headDim) (default 10000). */
  base?: number;
}

/**
 * Rotary position embedding (RoPE) in the GPT-NeoX / LLaMA layout: feature i is paired with feature
 * i + headDim/2 and the pair is rotated by the angle position·base^(−2i/headDim). Apply it to queries
 * and keys [..., T, headDim] (typically [B, H, T, D]) before attention; then q·k depends on positions
 * only through their difference. Call `rotate(x, offset)` (or forward). The cos/sin tables are non-persistent buffers, grown on demand.
 */
export class RotaryEmbedding extends Module<[Tensor, number?], Tensor> {
  cosCached: Tensor | null = null;
  sinCached: Tensor | null = null;
  readonly base: number;

  constructor(readonly headDim: number, opts: RotaryEmbeddingOptions = {}) {
    super();
    checkInt("RotaryEmbedding", "headDim", headDim);
    if (headDim % 2 !== 0) throw new Error(`RotaryEmbedding: headDim must be even (features rotate in pairs), got ${headDim}`);
    this.base = opts.base ?? 10000;
    if (!(this.base > 0) || !Number.isFinite(this.base)) throw new Error(`RotaryEmbedding: base must be a positive number, got ${this.base}`);
    this.registerBuffer("cosCached", null, false);
    this.registerBuffer("sinCached", null, false);
  }

  /**
   * Rotates x [..., T, headDim] as positions offset..offset+T−1. (Named `rotate`, not PyTorch-style
   * `apply`, because Module.apply(fn) already walks the module tree.)
   */
  rotate(x: Tensor, offset = 0): Tensor {
    const d = this.headDim;
    if (x.ndim < 2 || x.shape[x.ndim - 1] !== d) throw new ShapeError(`RotaryEmbedding(headDim=${d})`, `input must be [..., seq, ${d}], got ${fmtShape(x.shape)}`);
    if (!Number.isInteger(offset) || offset < 0) throw new ShapeError(`RotaryEmbedding(headDim=${d})`, `offset must be an integer >= 0, got ${offset}`);
    const t = x.shape[x.ndim - 2];
    this.#ensure(offset + t, x.device);
    return forwardScope([x], () => {
      const last = x.ndim - 1;
      const half = d / 2;
      const rotated = cat([neg(narrow(x, last, half, half)), narrow(x, last, 0, half)], last);
      return add(mul(x, narrow(this.cosCached!, 0, offset, t)), mul(rotated, narrow(this.sinCached!, 0, offset, t)));
    });
  }

  override forward(x: Tensor, offset = 0): Tensor {
    return this.rotate(x, offset);
  }

  /** Makes the tables cover `n` positions on `device` (doubling, so growth is rare). */
  #ensure(n: number, device: Tensor["device"]): void {
    const have = this.cosCached;
    if (have && have.shape[0] >= n && have.device === device) return;
    let len = Math.max(64, have ? have.shape[0] : 0);
    while (len < n) len *= 2;
    const d = this.headDim;
    const half = d / 2;
    const c = new Float32Array(len * d);
    const s = new Float32Array(len * d);
    for (let p = 0; p < len; p++) {
      for (let i = 0; i < half; i++) {
        const angle = p * this.base ** (-(2 * i) / d);
        c[p * d + i] = c[p * d + i + half] = Math.cos(angle);
        s[p * d + i] = s[p * d + i + half] = Math.sin(angle);
      }
    }
    this.cosCached?.dispose();
    this.sinCached?.dispose();
    this.registerBuffer("cosCached", tensor(c, { shape: [len, d], device }), false);
    this.registerBuffer("sinCached", tensor(s, { shape: [len, d], device }), false);
  }

  override getConfig(): LayerConfig {
    return { type: "RotaryEmbedding", headDim: this.headDim, base: this.base };
  }
}

registerLayer("SinusoidalPositionalEncoding", (c) => {
  const r = new ConfigReader(c);
  return new SinusoidalPositionalEncoding(r.int("dModel"), r.int("maxLen", 5000), { batchFirst: r.bool("batchFirst", true) });
});
registerLayer("LearnedPositionalEmbedding", (c) => {
  const r = new ConfigReader(c);
  return new LearnedPositionalEmbedding(r.int("maxLen"), r.int("dModel"), { batchFirst: r.bool("batchFirst", true) });
});
registerLayer("RotaryEmbedding", (c) => {
  const r = new ConfigReader(c);
  return new RotaryEmbedding(r.int("headDim"), { base: r.number("base", 10000) });
});
