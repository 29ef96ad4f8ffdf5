// Shape-only layers: Identity and Flatten.
import { flatten } from "../tensor/ops/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { ConfigReader, registerLayer, type LayerConfig } from "./config.js";
import { Module } from "./module.js";

/** Returns its input unchanged (a placeholder, e.g. for a removed layer). */
export class Identity extends Module {
  override forward(x: Tensor): Tensor {
    return x;
  }

  override getConfig(): LayerConfig {
    return { type: "Identity" };
  }
}

/** Merges dims startDim..endDim (default 1..−1: everything but the batch) into one; shares storage. */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
    if (!Number.isInteger(startDim) || !Number.isInteger(endDim)) throw new Error(`Flatten: startDim and endDim must be integers, got ${startDim} and ${endDim}`);
  }

  override forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim);
  }

  override getConfig(): LayerConfig {
    return { type: "Flatten", startDim: this.startDim, endDim: this.endDim };
  }
}

registerLayer("Identity", () => new Identity());
registerLayer("Flatten", (c) => {
  const r = new ConfigReader(c);
  return new Flatten(r.int("startDim", 1), r.int("endDim", -1));
});
