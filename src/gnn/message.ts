// Sparse message passing built from the engine's indexSelect and scatterAdd (both differentiable).
import { noGrad } from "../autograd/index.js";
import { div, exp, indexSelect, mul, scatterAdd, sub, tensor, zeros, type Tensor } from "../tensor/index.js";
import type { Graph } from "./graph.js";

/**
 * Weighted neighbourhood sum: out[i] = Σ_{e: dst[e] = i} w[e] · x[src[e]], for x [N, ...features].
 * With `weighted` false every message has weight 1.
 */
export function propagate(x: Tensor, graph: Graph, weighted = true): Tensor {
  if (x.shape[0] !== graph.numNodes) throw new RangeError(`propagate: x has ${x.shape[0]} rows, the graph has ${graph.numNodes} nodes`);
  const trailing = x.shape.slice(1);
  let messages = indexSelect(x, 0, graph.srcIndex());
  if (weighted) messages = mul(messages, trailing.length === 1 ? graph.weightColumn() : graph.weightColumn().reshape([graph.numEdges, ...trailing.map(() => 1)]));
  return scatterToNodes(messages, graph);
}

/** Sums per-edge values [E, ...] into their destination nodes: out [N, ...]. */
export function scatterToNodes(messages: Tensor, graph: Graph): Tensor {
  const trailing = messages.shape.slice(1);
  return scatterAdd(zeros([graph.numNodes, ...trailing]), 0, graph.dstScatterIndex(trailing), messages);
}

/**
 * Softmax of edge scores [E, H] over the edges entering each node (GAT's attention normalisation).
 * The per-node maximum is subtracted for stability; it is a constant shift within each group, so it
 * is taken without gradient.
 */
export function segmentSoftmax(scores: Tensor, graph: Graph): Tensor {
  const [E, H] = scores.shape;
  if (E !== graph.numEdges || scores.ndim !== 2) throw new RangeError(`segmentSoftmax: scores must be [${graph.numEdges}, heads], got [${scores.shape.join(", ")}]`);
  const host = noGrad(() => scores.dataSync());
  const maxima = new Float32Array(graph.numNodes * H).fill(-Infinity);
  for (let e = 0; e < E; e++) {
    for (let h = 0; h < H; h++) {
      const k = graph.dst[e] * H + h;
      if (host[e * H + h] > maxima[k]) maxima[k] = host[e * H + h];
    }
  }
  for (let k = 0; k < maxima.length; k++) if (maxima[k] === -Infinity) maxima[k] = 0; // nodes with no incoming edge
  const shift = indexSelect(tensor(maxima, { shape: [graph.numNodes, H] }), 0, graph.dstIndex());
  const ex = exp(sub(scores, shift));
  const denom = scatterAdd(zeros([graph.numNodes, H]), 0, graph.dstScatterIndex([H]), ex);
  return div(ex, indexSelect(denom, 0, graph.dstIndex()));
}
