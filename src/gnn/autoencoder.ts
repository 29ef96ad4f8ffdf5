// Graph auto-encoder (Kipf & Welling 2016): a two-layer GCN encoder and an inner-product decoder
// σ(z_iᵀ z_j) scoring whether an edge i–j exists.
import { Module } from "../nn/index.js";
import { indexSelect, mul, relu, sum, tensor, type Tensor } from "../tensor/index.js";
import { GCNConv } from "./gcn.js";
import type { Graph } from "./graph.js";

/** GCN(in→hidden) → ReLU → GCN(hidden→latent): node embeddings Z [N, latent]. */
export class GraphAutoEncoder extends Module<[Tensor, Graph], Tensor> {
  conv1: GCNConv;
  conv2: GCNConv;

  constructor(readonly inFeatures: number, readonly hidden: number, readonly latent: number) {
    super();
    this.conv1 = new GCNConv(inFeatures, hidden);
    this.conv2 = new GCNConv(hidden, latent);
  }

  /** Encodes every node. */
  override forward(x: Tensor, graph: Graph): Tensor {
    return this.conv2.forward(relu(this.conv1.forward(x, graph)), graph);
  }

  override getConfig(): { type: string; inFeatures: number; hidden: number; latent: number } {
    return { type: "GraphAutoEncoder", inFeatures: this.inFeatures, hidden: this.hidden, latent: this.latent };
  }
}

/** Inner-product decoder: the logit z_aᵀ z_b for each pair (a[k], b[k]); apply a sigmoid for probabilities. */
export function innerProductLogits(z: Tensor, a: ArrayLike<number>, b: ArrayLike<number>): Tensor {
  const za = indexSelect(z, 0, tensor(Int32Array.from(a)));
  const zb = indexSelect(z, 0, tensor(Int32Array.from(b)));
  return sum(mul(za, zb), -1);
}
