// The network an experiment spec describes: an MLP of Linear layers with an activation and optional
// dropout between them, ending in a linear head (logits for classes, a value for regression).
import { Dropout } from "../nn/dropout.js";
import { ELU, GELU, LeakyReLU, ReLU, Sigmoid, SiLU, Tanh } from "../nn/activation.js";
import { Sequential } from "../nn/containers.js";
import { Linear } from "../nn/linear.js";
import type { Module } from "../nn/module.js";
import { Generator, type Tensor } from "../tensor/index.js";
import type { ExperimentSpec } from "./spec.js";

const ACTIVATION: Record<ExperimentSpec["model"]["activation"], () => Module> = {
  relu: () => new ReLU(), gelu: () => new GELU(), tanh: () => new Tanh(), sigmoid: () => new Sigmoid(),
  leakyRelu: () => new LeakyReLU(), silu: () => new SiLU(), elu: () => new ELU(),
};

/**
 * Builds the spec's MLP from `inFeatures` to `outFeatures`, its weights and dropout masks drawn from
 * generators seeded by `seed`, so the same spec trains the same model.
 */
export function buildMlp(model: ExperimentSpec["model"], inFeatures: number, outFeatures: number, seed: number): Sequential {
  const init = new Generator(seed);
  const masks = new Generator(seed + 1);
  const layers: Module<[Tensor], Tensor>[] = [];
  let width = inFeatures;
  for (const h of model.hidden) {
    layers.push(new Linear(width, h, { generator: init }), ACTIVATION[model.activation]());
    if (model.dropout > 0) layers.push(new Dropout(model.dropout, { generator: masks }));
    width = h;
  }
  layers.push(new Linear(width, outFeatures, { generator: init }));
  return new Sequential(...layers);
}
