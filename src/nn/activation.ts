// Activation modules: each wraps one engine op, so they can sit in a Sequential and in configs.
import { elu, gelu, leakyRelu, relu, sigmoid, silu, tanh } from "../tensor/ops/elementwise.js";
import { logSoftmax, softmax } from "../tensor/ops/nn/softmax.js";
import type { Tensor } from "../tensor/tensor.js";
import { ConfigReader, registerLayer, type LayerConfig } from "./config.js";
import { Module } from "./module.js";

/** max(0, x). */
export class ReLU extends Module {
  override forward(x: Tensor): Tensor {
    return relu(x);
  }

  override getConfig(): LayerConfig {
    return { type: "ReLU" };
  }
}

/** x for x ≥ 0, negativeSlope·x otherwise. */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
    if (!Number.isFinite(negativeSlope)) throw new Error(`LeakyReLU: negativeSlope must be a finite number, got ${negativeSlope}`);
  }

  override forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }

  override getConfig(): LayerConfig {
    return { type: "LeakyReLU", negativeSlope: this.negativeSlope };
  }
}

/** x·Φ(x) (exact, with erf) or its tanh approximation (approximate = "tanh"). */
export class GELU extends Module {
  constructor(readonly approximate: "none" | "tanh" = "none") {
    super();
    if (approximate !== "none" && approximate !== "tanh") throw new Error(`GELU: approximate must be "none" or "tanh", got ${JSON.stringify(approximate)}`);
  }

  override forward(x: Tensor): Tensor {
    return gelu(x, this.approximate);
  }

  override getConfig(): LayerConfig {
    return { type: "GELU", approximate: this.approximate };
  }
}

/** x·sigmoid(x) (swish). */
export class SiLU extends Module {
  override forward(x: Tensor): Tensor {
    return silu(x);
  }

  override getConfig(): LayerConfig {
    return { type: "SiLU" };
  }
}

/** 1 / (1 + e^−x). */
export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor {
    return sigmoid(x);
  }

  override getConfig(): LayerConfig {
    return { type: "Sigmoid" };
  }
}

/** Hyperbolic tangent. */
export class Tanh extends Module {
  override forward(x: Tensor): Tensor {
    return tanh(x);
  }

  override getConfig(): LayerConfig {
    return { type: "Tanh" };
  }
}

/** x for x > 0, alpha·(eˣ − 1) otherwise. */
export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
    if (!Number.isFinite(alpha)) throw new Error(`ELU: alpha must be a finite number, got ${alpha}`);
  }

  override forward(x: Tensor): Tensor {
    return elu(x, this.alpha);
  }

  override getConfig(): LayerConfig {
    return { type: "ELU", alpha: this.alpha };
  }
}

/** softmax along `dim` (default −1, the last). */
export class Softmax extends Module {
  constructor(readonly dim = -1) {
    super();
    if (!Number.isInteger(dim)) throw new Error(`Softmax: dim must be an integer, got ${dim}`);
  }

  override forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }

  override getConfig(): LayerConfig {
    return { type: "Softmax", dim: this.dim };
  }
}

/** log(softmax) along `dim` (default −1), computed stably. */
export class LogSoftmax extends Module {
  constructor(readonly dim = -1) {
    super();
    if (!Number.isInteger(dim)) throw new Error(`LogSoftmax: dim must be an integer, got ${dim}`);
  }

  override forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim);
  }

  override getConfig(): LayerConfig {
    return { type: "LogSoftmax", dim: this.dim };
  }
}

registerLayer("ReLU", () => new ReLU());
registerLayer("LeakyReLU", (c) => new LeakyReLU(new ConfigReader(c).number("negativeSlope", 0.01)));
registerLayer("GELU", (c) => new GELU(new ConfigReader(c).oneOf("approximate", ["none", "tanh"] as const, "none")));
registerLayer("SiLU", () => new SiLU());
registerLayer("Sigmoid", () => new Sigmoid());
registerLayer("Tanh", () => new Tanh());
registerLayer("ELU", (c) => new ELU(new ConfigReader(c).number("alpha", 1)));
registerLayer("Softmax", (c) => new Softmax(new ConfigReader(c).int("dim", -1)));
registerLayer("LogSoftmax", (c) => new LogSoftmax(new ConfigReader(c).int("dim", -1)));
