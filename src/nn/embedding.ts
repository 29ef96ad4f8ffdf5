// Embedding: a lookup table of learned vectors.
import { noGrad } from "../autograd/grad-mode.js";
import { tensor } from "../tensor/creation.js";
import { embedding } from "../tensor/ops/nn/embedding.js";
import type { Generator } from "../tensor/random.js";
import { fmtShape, ShapeError } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { ConfigReader, registerLayer, type LayerConfig } from "./config.js";
import { normal_ } from "./init.js";
import { Module } from "./module.js";
import type { Parameter } from "./parameter.js";
import { checkInt, emptyParameter } from "./util.js";

export interface EmbeddingOptions {
  /** Index of a padding row: initialised to zeros and never updated by gradients. Negative counts from the end. */
  paddingIdx?: number | null;
  /** Generator for the initial N(0, 1) weights (default: the global one). */
  generator?: Generator;
}

function resolvePadding(v: number, paddingIdx: number | null | undefined): number | null {
  if (paddingIdx === undefined || paddingIdx === null) return null;
  if (!Number.isInteger(paddingIdx) || paddingIdx < -v || paddingIdx >= v) {
    throw new Error(`Embedding: paddingIdx must be an integer in [${-v}, ${v - 1}], got ${paddingIdx}`);
  }
  return paddingIdx < 0 ? paddingIdx + v : paddingIdx;
}

/**
 * Maps int32 indices [*] to rows of weight [numEmbeddings, embeddingDim] → [*, embeddingDim].
 * Weights start as N(0, 1), as PyTorch; the paddingIdx row starts at zero and gets no gradient.
 */
export class Embedding extends Module {
  weight: Parameter;
  /** The padding row (non-negative), or null. */
  readonly paddingIdx: number | null;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, opts: EmbeddingOptions = {}) {
    super();
    checkInt("Embedding", "numEmbeddings", numEmbeddings);
    checkInt("Embedding", "embeddingDim", embeddingDim);
    this.paddingIdx = resolvePadding(numEmbeddings, opts.paddingIdx);
    this.weight = emptyParameter([numEmbeddings, embeddingDim]);
    this.resetParameters(opts.generator);
  }

  /** An Embedding holding a copy of `weights` [V, D]; frozen (no gradient) unless freeze is false. */
  static fromPretrained(weights: Tensor, opts: { freeze?: boolean; paddingIdx?: number | null } = {}): Embedding {
    if (weights.ndim !== 2) throw new ShapeError("Embedding.fromPretrained", `weights must be [numEmbeddings, embeddingDim], got ${fmtShape(weights.shape)}`);
    const e = new Embedding(weights.shape[0], weights.shape[1], { paddingIdx: opts.paddingIdx }).to(weights.device);
    noGrad(() => e.weight.copy_(weights));
    e.weight.requiresGrad_(!(opts.freeze ?? true));
    return e;
  }

  /** Re-draws N(0, 1) weights and zeroes the padding row. */
  resetParameters(generator?: Generator): void {
    normal_(this.weight, 0, 1, generator);
    if (this.paddingIdx !== null) {
      const d = this.embeddingDim;
      const data = this.weight.dataSync() as Float32Array;
      data.fill(0, this.paddingIdx * d, (this.paddingIdx + 1) * d);
      const src = tensor(data, { shape: this.weight.shape, device: this.weight.device });
      noGrad(() => this.weight.copy_(src));
      src.dispose();
    }
  }

  override forward(indices: Tensor): Tensor {
    if (indices.dtype !== "int32") {
      throw new ShapeError(`Embedding(${this.numEmbeddings}, ${this.embeddingDim})`, `indices must be int32, got ${indices.dtype} ${fmtShape(indices.shape)}`);
    }
    return embedding(indices, this.weight, this.paddingIdx);
  }

  override getConfig(): LayerConfig {
    return { type: "Embedding", numEmbeddings: this.numEmbeddings, embeddingDim: this.embeddingDim, paddingIdx: this.paddingIdx };
  }
}

registerLayer("Embedding", (c) => {
  const r = new ConfigReader(c);
  return new Embedding(r.int("numEmbeddings"), r.int("embeddingDim"), { paddingIdx: r.intOrNull("paddingIdx", null) });
});
