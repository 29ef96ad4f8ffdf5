// Linear and Bilinear layers.
import { linear, matmul } from "../tensor/ops/linalg.js";
import { add, mul } from "../tensor/ops/elementwise.js";
import { sum } from "../tensor/ops/reduce.js";
import { permute, reshape } from "../tensor/ops/shape.js";
import type { Generator } from "../tensor/random.js";
import { fmtShape, ShapeError } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { ConfigReader, registerLayer, type LayerConfig } from "./config.js";
import { kaimingUniform_, uniform_ } from "./init.js";
import { Module } from "./module.js";
import type { Parameter } from "./parameter.js";
import { checkInt, emptyParameter, forwardScope } from "./util.js";

export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** Generator for the initial weights (default: the global one, seeded by manualSeed). */
  generator?: Generator;
}

/**
 * y = x·Wᵀ + b over the last dim: x [*, inFeatures] → [*, outFeatures]. Weight [out, in] and bias
 * start as U(−1/√in, 1/√in), PyTorch's default (kaimingUniform_ with a = √5).
 */
export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;

  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: LinearOptions = {}) {
    super();
    checkInt("Linear", "inFeatures", inFeatures);
    checkInt("Linear", "outFeatures", outFeatures);
    this.weight = emptyParameter([outFeatures, inFeatures]);
    this.bias = (opts.bias ?? true) ? emptyParameter([outFeatures]) : null;
    this.resetParameters(opts.generator);
  }

  /** Re-draws the default initialisation. */
  resetParameters(generator?: Generator): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5), generator });
    const bound = 1 / Math.sqrt(this.inFeatures);
    if (this.bias) uniform_(this.bias, -bound, bound, generator);
  }

  override forward(x: Tensor): Tensor {
    const got = x.ndim === 0 ? 0 : x.shape[x.ndim - 1];
    if (x.ndim === 0 || got !== this.inFeatures) {
      throw new ShapeError(`Linear(${this.inFeatures}→${this.outFeatures})`, `input ${fmtShape(x.shape)} has ${got} features, expected ${this.inFeatures}`);
    }
    return linear(x, this.weight, this.bias);
  }

  override getConfig(): LayerConfig {
    return { type: "Linear", inFeatures: this.inFeatures, outFeatures: this.outFeatures, bias: this.bias !== null };
  }
}

/** Options of Bilinear (the same as Linear's). */
export type BilinearOptions = LinearOptions;

/**
 * y_k = x1ᵀ·W_k·x2 + b_k: x1 [*, in1] and x2 [*, in2] (same leading dims) → [*, out]. Weight
 * [out, in1, in2] and bias start as U(−1/√in1, 1/√in1), as PyTorch.
 */
export class Bilinear extends Module<[Tensor, Tensor], Tensor> {
  weight: Parameter;
  bias: Parameter | null;

  constructor(readonly in1Features: number, readonly in2Features: number, readonly outFeatures: number, opts: BilinearOptions = {}) {
    super();
    checkInt("Bilinear", "in1Features", in1Features);
    checkInt("Bilinear", "in2Features", in2Features);
    checkInt("Bilinear", "outFeatures", outFeatures);
    this.weight = emptyParameter([outFeatures, in1Features, in2Features]);
    this.bias = (opts.bias ?? true) ? emptyParameter([outFeatures]) : null;
    this.resetParameters(opts.generator);
  }

  /** Re-draws the default initialisation. */
  resetParameters(generator?: Generator): void {
    const bound = 1 / Math.sqrt(this.in1Features);
    uniform_(this.weight, -bound, bound, generator);
    if (this.bias) uniform_(this.bias, -bound, bound, generator);
  }

  override forward(x1: Tensor, x2: Tensor): Tensor {
    const label = `Bilinear(${this.in1Features}×${this.in2Features}→${this.outFeatures})`;
    const f1 = x1.ndim === 0 ? 0 : x1.shape[x1.ndim - 1];
    const f2 = x2.ndim === 0 ? 0 : x2.shape[x2.ndim - 1];
    if (x1.ndim === 0 || f1 !== this.in1Features) throw new ShapeError(label, `input1 ${fmtShape(x1.shape)} has ${f1} features, expected ${this.in1Features}`);
    if (x2.ndim === 0 || f2 !== this.in2Features) throw new ShapeError(label, `input2 ${fmtShape(x2.shape)} has ${f2} features, expected ${this.in2Features}`);
    const lead = x1.shape.slice(0, -1);
    if (x2.ndim !== x1.ndim || lead.some((d, i) => d !== x2.shape[i])) {
      throw new ShapeError(label, `input1 ${fmtShape(x1.shape)} and input2 ${fmtShape(x2.shape)} must have the same leading dims`);
    }
    const [o, i1, i2] = [this.outFeatures, this.in1Features, this.in2Features];
    return forwardScope([x1, x2, this.weight, this.bias], () => {
      // x1·W' with W' = W permuted to [in1, out·in2]: one GEMM, then a row-wise dot with x2
      const n = x1.size / i1;
      const w = reshape(permute(this.weight, [1, 0, 2]), [i1, o * i2]);
      const t = reshape(matmul(reshape(x1, [n, i1]), w), [n, o, i2]);
      let y = sum(mul(t, reshape(x2, [n, 1, i2])), -1);
      if (this.bias) y = add(y, this.bias);
      return reshape(y, [...lead, o]);
    });
  }

  override getConfig(): LayerConfig {
    return { type: "Bilinear", in1Features: this.in1Features, in2Features: this.in2Features, outFeatures: this.outFeatures, bias: this.bias !== null };
  }
}

registerLayer("Linear", (c) => {
  const r = new ConfigReader(c);
  return new Linear(r.int("inFeatures"), r.int("outFeatures"), { bias: r.bool("bias", true) });
});

registerLayer("Bilinear", (c) => {
  const r = new ConfigReader(c);
  return new Bilinear(r.int("in1Features"), r.int("in2Features"), r.int("outFeatures"), { bias: r.bool("bias", true) });
});
