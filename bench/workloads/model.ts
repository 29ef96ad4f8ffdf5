import { Generator, adamStep_, normal, ones, uniform, zeros, type AdamParams, type Tensor } from "../../src/index.js";

/** The fused Adam kernel's settings without the step count, which the model tracks (decoupled: AdamW). */
export type AdamOptions = Omit<AdamParams, "step">;

/** torch.optim.Adam defaults. */
export const ADAM: AdamOptions = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false };
/** torch.optim.AdamW defaults. */
export const ADAMW: AdamOptions = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, decoupled: true };

export interface ParamDump {
  name: string;
  shape: number[];
  data: number[];
}

/**
 * The parameters of a benchmark model and their Adam state. Parameter names match the PyTorch
 * twin's `named_parameters()`, so --check can load the same initial weights on both sides.
 */
export class Model {
  readonly params = new Map<string, Tensor>();
  private readonly m = new Map<string, Tensor>();
  private readonly v = new Map<string, Tensor>();
  private t = 0;
  /** When set, the next adam() copies every gradient here (before they are disposed). */
  capture: Record<string, number[]> | null = null;

  constructor(readonly gen: Generator, readonly opt: AdamOptions = ADAM) {}

  private add(name: string, t: Tensor): Tensor {
    if (this.params.has(name)) throw new Error(`Model: duplicate parameter ${name}`);
    t.requiresGrad_(true);
    this.params.set(name, t);
    this.m.set(name, zeros(t.shape));
    this.v.set(name, zeros(t.shape));
    return t;
  }

  /** Uniform in [-bound, bound): torch's default for Linear/Conv weights and biases uses bound = 1/√fan_in. */
  uniform(name: string, shape: number[], bound: number): Tensor {
    return this.add(name, uniform(shape, -bound, bound, { generator: this.gen }));
  }

  normal(name: string, shape: number[], std: number): Tensor {
    return this.add(name, normal(shape, 0, std, { generator: this.gen }));
  }

  ones(name: string, shape: number[]): Tensor {
    return this.add(name, ones(shape));
  }

  zeros(name: string, shape: number[]): Tensor {
    return this.add(name, zeros(shape));
  }

  /** A Linear layer's weight [out, in] and bias [out], initialised as torch.nn.Linear. */
  linear(name: string, inF: number, outF: number, bias = true): { w: Tensor; b: Tensor | null } {
    const bound = 1 / Math.sqrt(inF);
    const w = this.uniform(`${name}.weight`, [outF, inF], bound);
    const b = bias ? this.uniform(`${name}.bias`, [outF], bound) : null;
    return { w, b };
  }

  /** A LayerNorm's weight (ones) and bias (zeros). */
  layerNorm(name: string, d: number): { w: Tensor; b: Tensor } {
    return { w: this.ones(`${name}.weight`, [d]), b: this.zeros(`${name}.bias`, [d]) };
  }

  get(name: string): Tensor {
    const p = this.params.get(name);
    if (!p) throw new Error(`Model: no parameter ${name}`);
    return p;
  }

  /** One fused Adam(W) update of every parameter that has a gradient; gradients are then disposed (set_to_none). */
  adam(): void {
    this.t++;
    const o = this.opt;
    const p = { lr: o.lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: o.weightDecay, decoupled: o.decoupled, step: this.t };
    for (const [name, param] of this.params) {
      const g = param.grad;
      if (!g) continue;
      if (this.capture) this.capture[name] = Array.from(g.dataSync());
      adamStep_(param, g, this.m.get(name) as Tensor, this.v.get(name) as Tensor, p);
      g.dispose();
      param.grad = null;
    }
    this.capture = null;
  }

  dump(): ParamDump[] {
    return [...this.params].map(([name, t]) => ({ name, shape: [...t.shape], data: Array.from(t.dataSync()) }));
  }
}
