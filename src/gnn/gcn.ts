// Graph convolution (Kipf & Welling 2017): H' = D^-½ (A + I) D^-½ H W + b.
import { Module, Parameter, xavierUniform_, zeros_ } from "../nn/index.js";
import { add, matmul, zeros, type Tensor } from "../tensor/index.js";
import type { Graph } from "./graph.js";
import { propagate } from "./message.js";

/** Options of GCNConv. */
export interface GCNConvOptions {
  bias?: boolean;
}

/** One GCN layer: x [N, in] → [N, out], propagating over the graph's GCN-normalised edges. */
export class GCNConv extends Module<[Tensor, Graph], Tensor> {
  weight: Parameter;
  bias: Parameter | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: GCNConvOptions = {}) {
    super();
    this.weight = new Parameter(xavierUniform_(zeros([inFeatures, outFeatures])));
    this.bias = (opts.bias ?? true) ? new Parameter(zeros_(zeros([outFeatures]))) : null;
  }

  override forward(x: Tensor, graph: Graph): Tensor {
    if (x.ndim !== 2 || x.shape[1] !== this.inFeatures) throw new RangeError(`GCNConv(${this.inFeatures}→${this.outFeatures}): input [${x.shape.join(", ")}] must be [nodes, ${this.inFeatures}]`);
    // transform first when it shrinks the features: fewer values travel along the edges
    const h = propagate(matmul(x, this.weight), graph.gcnNormalized());
    return this.bias ? add(h, this.bias) : h;
  }

  override getConfig(): { type: string; inFeatures: number; outFeatures: number; bias: boolean } {
    return { type: "GCNConv", inFeatures: this.inFeatures, outFeatures: this.outFeatures, bias: this.bias !== null };
  }
}
