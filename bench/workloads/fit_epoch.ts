import { Adam, Generator, Linear, ReLU, Sequential, Sigmoid, fit, randn, tensor } from "../../src/index.js";
import type { Config, Instance, WorkloadDef } from "./types.js";

/**
 * One epoch of fit() on the tabular MLP of examples/tabular-mlp.ts (features → 64 → 64 → 1 sigmoid,
 * Adam, binary cross-entropy, batch 32, shuffled): the whole Keras-style loop, not one step. The data
 * is random of the penguins split's shape (267 rows, 7 features); examples/tabular-mlp.ts trains on
 * the real rows. The PyTorch twin is the usual hand-written loop over randperm batches.
 */
export const fitEpoch: WorkloadDef = {
  name: "fit_epoch",
  description: "fit(): one epoch of the tabular MLP 7-64-64-1 (sigmoid), 267 rows, batch 32, shuffled, Adam, BCE",
  target: 1.0,
  noCheck: "fit() owns its shuffling and batching, so the two sides see different batches; each loop's maths is covered by mlp_step and the fit tests",
  config: (tiny) => (tiny ? { rows: 40, features: 7, hidden: 8, batch: 8 } : { rows: 267, features: 7, hidden: 64, batch: 32 }),
  flops: (c) => 3 * 2 * c.rows * (c.features * c.hidden + c.hidden * c.hidden + c.hidden),
  create(c: Config, seed: number): Instance {
    const gen = new Generator(seed);
    const model = new Sequential(new Linear(c.features, c.hidden, { generator: gen }), new ReLU(), new Linear(c.hidden, c.hidden, { generator: gen }), new ReLU(), new Linear(c.hidden, 1, { generator: gen }), new Sigmoid());
    const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
    const x = randn([c.rows, c.features], { generator: gen });
    const xs = x.dataSync();
    // a learnable rule: the label is whether the first two features sum above zero
    const y = tensor(Float32Array.from({ length: c.rows }, (_, i) => (xs[i * c.features] + xs[i * c.features + 1] > 0 ? 1 : 0)), { shape: [c.rows, 1] });
    let epoch = 0;
    return {
      config: c,
      model: null,
      inputs: { x, y },
      step: async () => {
        const history = await fit(model, { train: { x, y }, loss: "bce", optimizer, epochs: 1, batchSize: c.batch, seed: seed + epoch++, verbose: false });
        return history[0].loss;
      },
    };
  },
};
