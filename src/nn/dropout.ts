// Dropout: active in training mode, the identity in eval mode.
import { dropout } from "../tensor/ops/nn/dropout.js";
import type { Generator } from "../tensor/random.js";
import type { Tensor } from "../tensor/tensor.js";
import { ConfigReader, registerLayer, type LayerConfig } from "./config.js";
import { Module } from "./module.js";
import { checkRange } from "./util.js";

export interface DropoutOptions {
  /** Generator for the masks (default: the global one, so manualSeed reproduces them). */
  generator?: Generator;
}

/**
 * Zeroes each element with probability p and scales the survivors by 1/(1−p) while `training`;
 * passes x through unchanged after `eval()`.
 */
export class Dropout extends Module {
  readonly #generator: Generator | undefined;

  constructor(readonly p = 0.5, opts: DropoutOptions = {}) {
    super();
    checkRange("Dropout", "p", p, 0, 1);
    this.#generator = opts.generator;
  }

  override forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training, this.#generator);
  }

  override getConfig(): LayerConfig {
    return { type: "Dropout", p: this.p };
  }
}

registerLayer("Dropout", (c) => new Dropout(new ConfigReader(c).number("p", 0.5)));
