// ingot: the library. Everything a user imports comes through here.
export * from "./tensor/index.js";
export * from "./autograd/index.js";
export * from "./backends/index.js";
export * from "./nn/index.js";
export * from "./losses/index.js";
// the losses folder's versions take every PyTorch option and supersede the engine's fused basics
export { crossEntropy, nllLoss, binaryCrossEntropyWithLogits, mseLoss } from "./losses/index.js";
export * from "./optim/index.js";
export * from "./amp/index.js";
export * from "./metrics/index.js";
export * from "./io/index.js";
export * from "./models/index.js";
export * from "./train/index.js";
export * from "./data/index.js";
export * from "./registry/index.js";
export * from "./serve/index.js";
export * from "./experiment/index.js";
export * from "./monitor/index.js";
export * from "./dashboard/index.js";
export * from "./platform/index.js";
export * from "./llm/index.js";
export * from "./plot/index.js";
export * from "./rl/index.js";
export * from "./gnn/index.js";
// two graphs: the data layer's node/edge tables, and the GNN message-passing structure
export type { Graph } from "./data/index.js";
export { Graph as GnnGraph } from "./gnn/index.js";
