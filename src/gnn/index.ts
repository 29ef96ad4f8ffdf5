// Graph neural networks: edge-list graphs, sparse message passing, GCN and GAT layers, a graph
// auto-encoder for link prediction, and the label-propagation baseline.
export { Graph, type GraphOptions } from "./graph.js";
export { propagate, scatterToNodes, segmentSoftmax } from "./message.js";
export { GCNConv, type GCNConvOptions } from "./gcn.js";
export { GATConv, type GATConvOptions } from "./gat.js";
export { GraphAutoEncoder, innerProductLogits } from "./autoencoder.js";
export { splitEdges, sampleNonEdges, type EdgePairs, type LinkSplit } from "./split.js";
export { labelPropagation } from "./label-propagation.js";
