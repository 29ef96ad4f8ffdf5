// The small multi-layer perceptrons the deep agents use, as Sequential so getConfig() rebuilds them.
import { Linear, ReLU, Sequential, Tanh } from "../nn/index.js";

/** Hidden activation of an MLP. */
export type MlpActivation = "relu" | "tanh";

/** in → hidden[0] → ... → out, with `activation` between layers and a linear output. */
export function mlp(inputs: number, hidden: readonly number[], outputs: number, activation: MlpActivation = "relu"): Sequential {
  const net = new Sequential();
  let width = inputs;
  for (const h of hidden) {
    net.append(new Linear(width, h));
    net.append(activation === "relu" ? new ReLU() : new Tanh());
    width = h;
  }
  net.append(new Linear(width, outputs));
  return net;
}
