// Recurrent cells: one time step of an Elman RNN, an LSTM and a GRU (torch.nn.RNNCell, LSTMCell,
// GRUCell), and the step function the multi-layer RNN / LSTM / GRU layers share.
import { add, mul, relu, sigmoid, sub, tanh } from "../tensor/ops/elementwise.js";
import { linear } from "../tensor/ops/linalg.js";
import { chunk, unsqueeze, squeeze } from "../tensor/ops/shape.js";
import { zeros } from "../tensor/creation.js";
import type { Generator } from "../tensor/random.js";
import { fmtShape, shapeEquals, ShapeError } from "../tensor/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import { ConfigReader, registerLayer, type LayerConfig } from "./config.js";
import { uniform_ } from "./init.js";
import { Module } from "./module.js";
import type { Parameter } from "./parameter.js";
import { checkInt, emptyParameter, forwardScope } from "./util.js";

/** The recurrence of a layer: Elman with tanh or ReLU, LSTM or GRU (PyTorch's `mode`). */
export type RecurrentMode = "RNN_TANH" | "RNN_RELU" | "LSTM" | "GRU";

/** Rows of the stacked gate weights per hidden unit: LSTM i,f,g,o; GRU r,z,n; Elman one. */
export function gateCount(mode: RecurrentMode): number {
  return mode === "LSTM" ? 4 : mode === "GRU" ? 3 : 1;
}

/**
 * One step of the recurrence. `xProj` is the input's projection x·W_ihᵀ + b_ih [B, G·H] (the layers
 * compute it for all steps at once); `state` is [h] or, for LSTM, [h, c]. Returns the new state.
 */
export function recurrentStep(mode: RecurrentMode, xProj: Tensor, state: readonly Tensor[], weightHh: Tensor, biasHh: Tensor | null): Tensor[] {
  const h = state[0];
  const hProj = linear(h, weightHh, biasHh);
  if (mode === "RNN_TANH") return [tanh(add(xProj, hProj))];
  if (mode === "RNN_RELU") return [relu(add(xProj, hProj))];
  if (mode === "LSTM") {
    const [i, f, g, o] = chunk(add(xProj, hProj), 4, -1);
    const c = add(mul(sigmoid(f), state[1]), mul(sigmoid(i), tanh(g)));
    return [mul(sigmoid(o), tanh(c)), c];
  }
  // GRU: the reset gate scales the hidden projection *including* its bias (PyTorch / cuDNN variant)
  const [xr, xz, xn] = chunk(xProj, 3, -1);
  const [hr, hz, hn] = chunk(hProj, 3, -1);
  const r = sigmoid(add(xr, hr));
  const z = sigmoid(add(xz, hz));
  const n = tanh(add(xn, mul(r, hn)));
  // (1 − z)·n + z·h, written with one fewer op
  return [add(n, mul(z, sub(h, n)))];
}

/** Options of the single-step cells. */
export interface RecurrentCellOptions {
  /** Learn the biases b_ih and b_hh (default true). */
  bias?: boolean;
  /** Generator for the initial weights (default: the global one). */
  generator?: Generator;
}

/** Options of RNNCell. */
export interface RNNCellOptions extends RecurrentCellOptions {
  /** "tanh" (default) or "relu". */
  nonlinearity?: "tanh" | "relu";
}

abstract class RecurrentCellBase<S> extends Module<[Tensor, (S | null)?], S> {
  weightIh: Parameter;
  weightHh: Parameter;
  biasIh: Parameter | null;
  biasHh: Parameter | null;

  constructor(protected readonly mode: RecurrentMode, readonly inputSize: number, readonly hiddenSize: number, opts: RecurrentCellOptions) {
    super();
    const layer = this.constructor.name;
    checkInt(layer, "inputSize", inputSize);
    checkInt(layer, "hiddenSize", hiddenSize);
    const g = gateCount(mode) * hiddenSize;
    this.weightIh = emptyParameter([g, inputSize]);
    this.weightHh = emptyParameter([g, hiddenSize]);
    const bias = opts.bias ?? true;
    this.biasIh = bias ? emptyParameter([g]) : null;
    this.biasHh = bias ? emptyParameter([g]) : null;
    this.resetParameters(opts.generator);
  }

  /** Re-draws every weight and bias from U(−1/√hiddenSize, 1/√hiddenSize), PyTorch's default. */
  resetParameters(generator?: Generator): void {
    const k = 1 / Math.sqrt(this.hiddenSize);
    for (const p of [this.weightIh, this.weightHh, this.biasIh, this.biasHh]) if (p) uniform_(p, -k, k, generator);
  }

  protected label(): string {
    return `${this.constructor.name}(${this.inputSize}→${this.hiddenSize})`;
  }

  /** Checks x [B, I] or [I] and each given state [B, H] / [H]; returns the batched x and states. */
  protected step(x: Tensor, states: readonly (Tensor | null)[]): Tensor[] {
    const label = this.label();
    if ((x.ndim !== 1 && x.ndim !== 2) || x.shape[x.ndim - 1] !== this.inputSize) {
      throw new ShapeError(label, `input must be [batch, ${this.inputSize}] or [${this.inputSize}], got ${fmtShape(x.shape)}`);
    }
    const batched = x.ndim === 2;
    const want = batched ? [x.shape[0], this.hiddenSize] : [this.hiddenSize];
    const names = ["hx", "cx"];
    states.forEach((s, i) => {
      if (s && !shapeEquals(s.shape, want)) throw new ShapeError(label, `${names[i]} must be ${fmtShape(want)} for input ${fmtShape(x.shape)}, got ${fmtShape(s.shape)}`);
    });
    return forwardScope([x, ...states, this.weightIh, this.weightHh, this.biasIh, this.biasHh], () => {
      const xb = batched ? x : unsqueeze(x, 0);
      const b = xb.shape[0];
      const st = states.map((s) => (s ? (batched ? s : unsqueeze(s, 0)) : zeros([b, this.hiddenSize], { device: x.device })));
      const next = recurrentStep(this.mode, linear(xb, this.weightIh, this.biasIh), st, this.weightHh, this.biasHh);
      return batched ? next : next.map((t) => squeeze(t, 0));
    });
  }

  protected baseConfig(): LayerConfig {
    return { type: this.constructor.name, inputSize: this.inputSize, hiddenSize: this.hiddenSize, bias: this.biasIh !== null };
  }
}

/** The recurrent mode of an Elman RNN (cell or layer) with the given nonlinearity; throws naming `layer` otherwise. */
export function elmanMode(layer: string, nonlinearity: string): RecurrentMode {
  if (nonlinearity !== "tanh" && nonlinearity !== "relu") throw new Error(`${layer}: nonlinearity must be "tanh" or "relu", got ${JSON.stringify(nonlinearity)}`);
  return nonlinearity === "tanh" ? "RNN_TANH" : "RNN_RELU";
}

/** An Elman RNN cell: h' = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh). forward(x [B, I] or [I], hx?) → h'. */
export class RNNCell extends RecurrentCellBase<Tensor> {
  readonly nonlinearity: "tanh" | "relu";

  constructor(inputSize: number, hiddenSize: number, opts: RNNCellOptions = {}) {
    const nl = opts.nonlinearity ?? "tanh";
    super(elmanMode("RNNCell", nl), inputSize, hiddenSize, opts);
    this.nonlinearity = nl;
  }

  override forward(x: Tensor, hx: Tensor | null = null): Tensor {
    return this.step(x, [hx])[0];
  }

  override getConfig(): LayerConfig {
    return { ...this.baseConfig(), nonlinearity: this.nonlinearity };
  }
}

/** An LSTM cell (gates i, f, g, o). forward(x, [hx, cx]?) → [h', c']; a missing state is zeros. */
export class LSTMCell extends RecurrentCellBase<[Tensor, Tensor]> {
  constructor(inputSize: number, hiddenSize: number, opts: RecurrentCellOptions = {}) {
    super("LSTM", inputSize, hiddenSize, opts);
  }

  override forward(x: Tensor, hx: [Tensor, Tensor] | null = null): [Tensor, Tensor] {
    const [h, c] = this.step(x, hx ? [hx[0], hx[1]] : [null, null]);
    return [h, c];
  }

  override getConfig(): LayerConfig {
    return this.baseConfig();
  }
}

/** A GRU cell (gates r, z, n; PyTorch's variant, with r applied to W_hn·h + b_hn). forward(x, hx?) → h'. */
export class GRUCell extends RecurrentCellBase<Tensor> {
  constructor(inputSize: number, hiddenSize: number, opts: RecurrentCellOptions = {}) {
    super("GRU", inputSize, hiddenSize, opts);
  }

  override forward(x: Tensor, hx: Tensor | null = null): Tensor {
    return this.step(x, [hx])[0];
  }

  override getConfig(): LayerConfig {
    return this.baseConfig();
  }
}

registerLayer("RNNCell", (c) => {
  const r = new ConfigReader(c);
  return new RNNCell(r.int("inputSize"), r.int("hiddenSize"), { bias: r.bool("bias", true), nonlinearity: r.oneOf("nonlinearity", ["tanh", "relu"] as const, "tanh") });
});
registerLayer("LSTMCell", (c) => {
  const r = new ConfigReader(c);
  return new LSTMCell(r.int("inputSize"), r.int("hiddenSize"), { bias: r.bool("bias", true) });
});
registerLayer("GRUCell", (c) => {
  const r = new ConfigReader(c);
  return new GRUCell(r.int("inputSize"), r.int("hiddenSize"), { bias: r.bool("bias", true) });
});
