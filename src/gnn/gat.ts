// Graph attention (Veličković et al. 2018): attention over each node's neighbours (and itself).
import { Module, Parameter, xavierUniform_, zeros_ } from "../nn/index.js";
import { add, dropout, indexSelect, leakyRelu, matmul, mean, mul, reshape, sum, unsqueeze, zeros, type Tensor } from "../tensor/index.js";
import type { Graph } from "./graph.js";
import { scatterToNodes, segmentSoftmax } from "./message.js";

/** Options of GATConv. */
export interface GATConvOptions {
  /** Attention heads (default 1). */
  heads?: number;
  /** Concatenate the heads' outputs (default true) or average them (the usual output layer). */
  concat?: boolean;
  /** LeakyReLU slope of the attention scores (default 0.2). */
  negativeSlope?: number;
  /** Dropout on the attention coefficients while training (default 0). */
  attentionDropout?: number;
  bias?: boolean;
}

/**
 * x [N, in] → [N, heads·out] (concat) or [N, out] (mean). For edge j→i of the graph with self loops:
 * e_ij = LeakyReLU(a_srcᵀ W x_j + a_dstᵀ W x_i), α = softmax over i's incoming edges, out_i = Σ α_ij W x_j.
 */
export class GATConv extends Module<[Tensor, Graph], Tensor> {
  weight: Parameter;
  attSrc: Parameter;
  attDst: Parameter;
  bias: Parameter | null;
  readonly heads: number;
  readonly concat: boolean;
  readonly negativeSlope: number;
  readonly attentionDropout: number;

  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: GATConvOptions = {}) {
    super();
    this.heads = opts.heads ?? 1;
    this.concat = opts.concat ?? true;
    this.negativeSlope = opts.negativeSlope ?? 0.2;
    this.attentionDropout = opts.attentionDropout ?? 0;
    this.weight = new Parameter(xavierUniform_(zeros([inFeatures, this.heads * outFeatures])));
    this.attSrc = new Parameter(xavierUniform_(zeros([this.heads, outFeatures])));
    this.attDst = new Parameter(xavierUniform_(zeros([this.heads, outFeatures])));
    const width = this.concat ? this.heads * outFeatures : outFeatures;
    this.bias = (opts.bias ?? true) ? new Parameter(zeros_(zeros([width]))) : null;
  }

  override forward(x: Tensor, graph: Graph): Tensor {
    if (x.ndim !== 2 || x.shape[1] !== this.inFeatures) throw new RangeError(`GATConv(${this.inFeatures}→${this.outFeatures}): input [${x.shape.join(", ")}] must be [nodes, ${this.inFeatures}]`);
    const g = graph.withSelfLoopsCached();
    const n = x.shape[0];
    const z = reshape(matmul(x, this.weight), [n, this.heads, this.outFeatures]);
    const scoreSrc = sum(mul(z, this.attSrc), -1); // [N, H]
    const scoreDst = sum(mul(z, this.attDst), -1);
    const e = leakyRelu(add(indexSelect(scoreSrc, 0, g.srcIndex()), indexSelect(scoreDst, 0, g.dstIndex())), this.negativeSlope);
    let alpha = segmentSoftmax(e, g); // [E, H]
    if (this.training && this.attentionDropout > 0) alpha = dropout(alpha, this.attentionDropout);
    const messages = mul(indexSelect(z, 0, g.srcIndex()), unsqueeze(alpha, -1)); // [E, H, F]
    const out = scatterToNodes(messages, g); // [N, H, F]
    const h = this.concat ? reshape(out, [n, this.heads * this.outFeatures]) : mean(out, 1);
    return this.bias ? add(h, this.bias) : h;
  }

  override getConfig(): { type: string; inFeatures: number; outFeatures: number; heads: number; concat: boolean; negativeSlope: number; attentionDropout: number; bias: boolean } {
    return {
      type: "GATConv", inFeatures: this.inFeatures, outFeatures: this.outFeatures, heads: this.heads, concat: this.concat,
      negativeSlope: this.negativeSlope, attentionDropout: this.attentionDropout, bias: this.bias !== null,
    };
  }
}
