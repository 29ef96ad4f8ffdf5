// Label propagation (Zhu & Ghahramani 2002): the classic no-training baseline for semi-supervised
// node classification. Labelled nodes are clamped; every other node averages its neighbours.
import type { Graph } from "./graph.js";

/**
 * Predicted class of every node. `labels[i]` is a class in [0, numClasses) for labelled nodes and −1
 * otherwise. Runs `iterations` rounds of weighted neighbour averaging of the class distributions.
 */
export function labelPropagation(graph: Graph, labels: ArrayLike<number>, numClasses: number, iterations = 100): number[] {
  const n = graph.numNodes;
  if (labels.length !== n) throw new RangeError(`labelPropagation: ${labels.length} labels for ${n} nodes`);
  let dist = new Float64Array(n * numClasses);
  const clamp = (d: Float64Array): void => {
    for (let i = 0; i < n; i++) {
      if (labels[i] < 0) continue;
      d.fill(0, i * numClasses, (i + 1) * numClasses);
      d[i * numClasses + labels[i]] = 1;
    }
  };
  clamp(dist);
  const deg = graph.inDegree();
  for (let it = 0; it < iterations; it++) {
    const next = new Float64Array(n * numClasses);
    for (let e = 0; e < graph.numEdges; e++) {
      const s = graph.src[e] * numClasses;
      const d = graph.dst[e] * numClasses;
      for (let c = 0; c < numClasses; c++) next[d + c] += (graph.weights[e] * dist[s + c]) / deg[graph.dst[e]];
    }
    clamp(next);
    dist = next;
  }
  return Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let c = 1; c < numClasses; c++) if (dist[i * numClasses + c] > dist[i * numClasses + best]) best = c;
    return best;
  });
}
